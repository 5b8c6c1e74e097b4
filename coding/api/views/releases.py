"""A review's citable releases: list, one release, and making one (leads). Readers see what
the release pages show (coding.releases.selectors.release_summary), never who made it.

Making one is a request a background task carries out (coding.releases.services): POST
answers 202 Accepted with the request's status URL (also in Location), which says
queued, running, done (with the release's number and URL) or failed (with why)."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from coding.api.permissions import IsPublishedReadOnly, IsReviewMember, policy_permission
from coding.api.views.common import (
    ERRORS,
    READ_ERRORS,
    SLUG,
    ReviewMixin,
    SharedReaderMixin,
    service_errors,
)
from coding.models import Release, ReleaseJob
from coding.releases.policies import may_create_release
from coding.releases.selectors import release_job_state, release_list, release_summary
from coding.releases.services import release_request


class CountsSerializer(serializers.Serializer):
    cases = serializers.IntegerField()
    attributes = serializers.IntegerField()
    values = serializers.IntegerField()


class ReleaseSerializer(serializers.Serializer):
    number = serializers.IntegerField(read_only=True)
    title = serializers.CharField(max_length=300)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    authors = serializers.ListField(child=serializers.CharField(), read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    data_version = serializers.IntegerField(read_only=True)
    counts = CountsSerializer(read_only=True)
    changes = serializers.DictField(read_only=True)
    url = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()

    def _base(self, obj) -> str:
        request = self.context["request"]
        slug = self.context["review"].slug
        return request.build_absolute_uri(f"/reviews/{slug}/releases/{obj['number']}/")

    def get_url(self, obj) -> str:
        return self._base(obj)

    def get_download(self, obj) -> str:
        return self._base(obj) + "download.zip"


class ReleaseJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=["queued", "running", "done", "failed"],
        help_text="queued, running, done (the release is made) or failed (see error).")
    title = serializers.CharField()
    requested_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField(allow_blank=True,
                                  help_text="Why no release was made (failed only).")
    release = serializers.IntegerField(allow_null=True,
                                       help_text="The release's number, once done.")
    status_url = serializers.SerializerMethodField()
    release_url = serializers.SerializerMethodField()

    def get_status_url(self, obj) -> str:
        slug = self.context["review"].slug
        return self.context["request"].build_absolute_uri(
            f"/api/reviews/{slug}/releases/jobs/{obj['id']}/")

    def get_release_url(self, obj) -> str | None:
        if obj["release"] is None:
            return None
        slug = self.context["review"].slug
        return self.context["request"].build_absolute_uri(
            f"/api/reviews/{slug}/releases/{obj['release']}/")


class ReleaseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, allow_blank=True)
    authors = serializers.CharField(
        allow_blank=True, help_text="The authors as they should be cited, one per line.")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


ReleasePermission = policy_permission(
    may_create_release, gettext_lazy("Only a lead of this review can make a release."),
    "ReleasePermission",
)


class ReleaseMixin(ReviewMixin):
    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["review"] = self.get_review()
        return context


@extend_schema_view(
    get=extend_schema(summary="A review's releases, newest first", tags=["releases"],
                      parameters=[SLUG],
                      responses={200: ReleaseSerializer(many=True), **READ_ERRORS}),
    post=extend_schema(summary="Freeze the public data as the next release (leads)",
                       tags=["releases"], parameters=[SLUG], request=ReleaseCreateSerializer,
                       responses={202: ReleaseJobSerializer, **ERRORS},
                       description="Queues the freeze: answers 202 Accepted with the "
                       "request's status URL (also in the Location header); 409 while "
                       "another release of the review is being made."),
)
class ReleaseList(SharedReaderMixin, ReleaseMixin, generics.GenericAPIView):
    # The rows come from release_list (the review's releases); this only tells the schema
    # generator which model the view serves.
    queryset = Release.objects.none()
    serializer_class = ReleaseSerializer
    pagination_class = None

    def get_permissions(self):
        if self.request.method == "POST":
            return [IsReviewMember(), ReleasePermission()]
        return [(IsPublishedReadOnly | IsReviewMember)()]

    def get(self, request, slug):
        rows = [release_summary(r) for r in release_list(self.get_review())]
        return Response(ReleaseSerializer(rows, many=True,
                                          context=self.get_serializer_context()).data)

    def post(self, request, slug):
        data = ReleaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors():
            job = release_request(
                review=self.get_review(), actor=request.user,
                base_url=request.build_absolute_uri("/").rstrip("/"), **data.validated_data)
        body = ReleaseJobSerializer(release_job_state(job),
                                    context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_202_ACCEPTED,
                        headers={"Location": body["status_url"]})


@extend_schema_view(get=extend_schema(
    summary="One release", tags=["releases"],
    parameters=[SLUG, OpenApiParameter("n", int, OpenApiParameter.PATH,
                                       description="The release's number.")],
    responses={200: ReleaseSerializer, **READ_ERRORS}))
class ReleaseDetail(SharedReaderMixin, ReleaseMixin, generics.GenericAPIView):
    queryset = Release.objects.none()
    serializer_class = ReleaseSerializer
    permission_classes = [IsPublishedReadOnly | IsReviewMember]

    def get(self, request, slug, n):
        release = release_list(self.get_review()).filter(number=n).first()
        if release is None:
            raise Http404(_("No such release."))
        return Response(ReleaseSerializer(release_summary(release),
                                          context=self.get_serializer_context()).data)


@extend_schema_view(get=extend_schema(
    summary="A release request's status (leads)", tags=["releases"],
    parameters=[SLUG, OpenApiParameter("job", int, OpenApiParameter.PATH,
                                       description="The request's id, from POST releases/.")],
    responses={200: ReleaseJobSerializer, **READ_ERRORS}))
class ReleaseJobDetail(ReleaseMixin, generics.GenericAPIView):
    queryset = ReleaseJob.objects.none()
    serializer_class = ReleaseJobSerializer

    def get_permissions(self):
        return [IsReviewMember(), ReleasePermission()]

    def get(self, request, slug, job):
        found = (ReleaseJob.objects.filter(review=self.get_review(), pk=job)
                 .select_related("release").defer("release__archive", "release__rows",
                                                   "release__codebook").first())
        if found is None:
            raise Http404(_("No such release request."))
        return Response(ReleaseJobSerializer(release_job_state(found),
                                             context=self.get_serializer_context()).data)

"""A review's citable releases: list, one release, and making one (leads). Readers see what
the release pages show (coding.releases.selectors.release_summary), never who made it."""

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
from coding.models import Release
from coding.releases.policies import may_create_release
from coding.releases.selectors import release_list, release_summary
from coding.releases.services import release_create


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
                       responses={201: ReleaseSerializer, **ERRORS}),
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
            release = release_create(
                review=self.get_review(), actor=request.user,
                base_url=request.build_absolute_uri("/").rstrip("/"), **data.validated_data)
        return Response(ReleaseSerializer(release_summary(release),
                                          context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)


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

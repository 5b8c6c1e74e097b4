"""API views of reviews and their codebooks."""


from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, generics, permissions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from coding import models
from coding.api import serializers as s
from coding.api.permissions import (
    IsPublishedReadOnly,
    IsReviewMember,
    policy_permission,
    user_policy_permission,
)
from coding.api.views.common import (
    CONFLICT,
    ERRORS,
    READ_ERRORS,
    SLUG,
    Refused,
    ReviewMixin,
    SharedReaderMixin,
    service_errors,
)
from coding.reviews.codebooks import (
    CodebookConflict,
    CodebookInvalid,
    codebook_file_data,
    codebook_outcome_message,
    codebook_save,
    codebook_token,
    codebook_yaml,
)
from coding.reviews.policies import may_create_review, may_edit_codebook, review_roles
from coding.reviews.qdc import codebook_to_qdc
from coding.reviews.services import review_create

MayCreateReview = user_policy_permission(
    may_create_review,
    gettext_lazy("Your account may not create reviews (REVIEW_CREATORS): ask the server's "
                 "administrator."),
    "MayCreateReview",
)


@extend_schema_view(
    get=extend_schema(summary="Reviews you can see", tags=["reviews"],
                      description="Published reviews, plus every review you are a member of."),
    post=extend_schema(
        summary="Create a review", tags=["reviews"], request=s.ReviewInputSerializer,
        responses={201: s.ReviewSerializer, **{c: ERRORS[c] for c in (400, 401, 403)}},
        description="Signed-in accounts, or staff only, as the server's REVIEW_CREATORS "
        "setting says (superusers always). The review is unpublished and you are its lead; "
        "400 names each field that is wrong (`fields`), e.g. a slug already taken."),
)
class ReviewList(generics.ListAPIView):
    # Anyone lists (the list itself is filtered to what the client may see); creating asks
    # the review policy.
    permission_classes = [permissions.AllowAny]
    serializer_class = s.ReviewSerializer
    pagination_class = None

    def get_permissions(self):
        if self.request.method == "POST":
            return [MayCreateReview()]
        return super().get_permissions()

    def post(self, request):
        payload = s.ReviewInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with service_errors():
            review = review_create(actor=request.user, **payload.validated_data)
        data = s.ReviewSerializer(review, context={
            "request": request, "roles_by_review": {review.pk: review_roles(request.user, review)},
        }).data
        return Response(data, status=201, headers={"Location": data["url"]})

    def get_queryset(self):
        visible = Q(is_published=True)
        if self.request.user.is_authenticated:
            visible |= Q(pk__in=models.Membership.objects.filter(
                user=self.request.user).values("review"))
        return models.Review.objects.filter(visible).order_by("title")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        roles: dict[int, set[str]] = {}
        if self.request.user.is_authenticated:
            for review_id, role in models.Membership.objects.filter(
                user=self.request.user
            ).values_list("review_id", "role"):
                roles.setdefault(review_id, set()).add(role)
        context["roles_by_review"] = roles
        return context


@extend_schema_view(get=extend_schema(summary="One review", tags=["reviews"], parameters=[SLUG],
                                      responses={200: s.ReviewSerializer, 404: ERRORS[404]}))
class ReviewDetail(SharedReaderMixin, ReviewMixin, generics.RetrieveAPIView):
    serializer_class = s.ReviewSerializer
    permission_classes = [IsPublishedReadOnly | IsReviewMember]

    def get_object(self):
        return self.get_review()

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["roles_by_review"] = {self.get_review().pk: self.roles()}
        return context


CodebookEditPermission = policy_permission(
    may_edit_codebook, gettext_lazy("Only a lead of this review may change its codebook."),
    "CodebookEditPermission",
)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale"


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "if_match_required"


class FileFormatNegotiation(DefaultContentNegotiation):
    """?format= names a codebook file format here (codebook_download), not a renderer: the
    answer is JSON or the file."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


CODEBOOK_FORMATS = ("json", "yaml", "qdc")


# The codebook file in JSON (what PUT takes): its own media type, so that it is never taken
# for the default answer's shape (application/json).
CODEBOOK_FILE_JSON = "application/vnd.coproduction.codebook+json"


def codebook_download(review, codebook, wanted: str) -> HttpResponse:
    """The codebook as a file: json and yaml (the import_codebook file), qdc (REFI-QDA)."""
    data = codebook_file_data(codebook)
    name = f"{review.slug}-codebook-v{codebook.version}"
    if wanted == "json":
        import json

        response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                                content_type=f"{CODEBOOK_FILE_JSON}; charset=utf-8")
    elif wanted == "yaml":
        response = HttpResponse(codebook_yaml(data),
                                content_type="application/yaml; charset=utf-8")
    elif wanted == "qdc":
        response = HttpResponse(codebook_to_qdc(data), content_type="application/xml")
    else:
        raise Refused({"detail": _("Unknown format %(format)r; use one of %(formats)s.") % {
            "format": wanted, "formats": ", ".join(CODEBOOK_FORMATS)}})
    response["Content-Disposition"] = f'attachment; filename="{name}.{wanted}"'
    return response


IF_MATCH = OpenApiParameter(
    "If-Match", str, OpenApiParameter.HEADER, required=True,
    description="The ETag of your GET of the codebook (or * to overwrite whatever is there).")
DRY_RUN = OpenApiParameter(
    "dry_run", bool, OpenApiParameter.QUERY,
    description="Check and say what a save would do (outcome, version); save nothing.")
FORMAT = OpenApiParameter(
    "format", str, OpenApiParameter.QUERY, enum=["json", "yaml", "qdc"],
    description="A codebook file instead of the default shape: json (the body PUT takes), "
    "yaml (what import_codebook reads), qdc (REFI-QDA Codebook Exchange).")


class CodebookFileSerializer(serializers.Serializer):
    title = serializers.CharField()
    sections = serializers.ListField(child=serializers.DictField(), help_text=(
        "Each {title, attributes: [{key, label, kind, help, required, level, options: "
        "[{key, label}], none_option}]}."))


class CodebookSavedSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=["created", "updated", "new version", "unchanged"],
        help_text="What the save did (or, in a dry run, would do).")
    version = serializers.IntegerField(help_text="The codebook's version afterwards.")
    dry_run = serializers.BooleanField()
    message = serializers.CharField(help_text="The outcome in words.")


@extend_schema_view(
    get=extend_schema(summary="The review's current codebook", tags=["reviews"],
                      parameters=[SLUG, FORMAT],
                      responses={(200, "application/json"): s.CodebookSerializer,
                                 (200, CODEBOOK_FILE_JSON): CodebookFileSerializer,
                                 (200, "application/yaml"): CodebookFileSerializer,
                                 (200, "application/xml"): OpenApiTypes.STR,
                                 400: ERRORS[400], **READ_ERRORS},
                      description="Sections, their attributes and the attributes' options. "
                      "The ETag header is the codebook's version token (If-Match of PUT).")
)
class CodebookDetail(SharedReaderMixin, ReviewMixin, generics.RetrieveAPIView):
    """GET: the codebook (default: the model's shape, as always; ?format=json|yaml|qdc: the
    codebook file). PUT (leads): replace it with a codebook file's structure in JSON, through
    coding.reviews.codebooks.codebook_save (the editor page's path), If-Match required."""

    serializer_class = s.CodebookSerializer
    content_negotiation_class = FileFormatNegotiation

    def get_permissions(self):
        if self.request.method in ("PUT", "POST"):
            return [CodebookEditPermission()]
        return [(IsPublishedReadOnly | IsReviewMember)()]

    def retrieve(self, request, *args, **kwargs):
        wanted = request.query_params.get("format")
        review = self.get_review()
        codebook = self.get_object()
        if wanted is None:
            response = super().retrieve(request, *args, **kwargs)
        else:
            response = codebook_download(review, codebook, wanted)
        response["ETag"] = f'"{codebook_token(review)}"'
        return response

    @extend_schema(
        summary="Replace the review's codebook (leads)", tags=["reviews"],
        parameters=[SLUG, IF_MATCH, DRY_RUN], request=CodebookFileSerializer,
        responses={200: CodebookSavedSerializer, **ERRORS, **CONFLICT,
                   412: OpenApiResponse(s.ErrorSerializer, description=(
                       "The codebook changed since you read it (If-Match): nothing saved.")),
                   428: OpenApiResponse(s.ErrorSerializer, description=(
                       "If-Match missing: send the ETag of your GET (or * to overwrite)."))},
        description=(
            "The body is the codebook file's structure in JSON (what `?format=json` answers): "
            "title, sections[title, attributes[key, label, kind, help, required, level, "
            "options[key, label], none_option]]. Every value must have its type (text, "
            "true/false, list); a wrong one is refused with its place (400, `where`, "
            "`field`, `reason`). A change of wording updates the current version in place; "
            "any other change makes a new version once the codebook is in use. With "
            "`?dry_run=1` nothing is saved and the answer says what a save would do."),
    )
    def put(self, request, *args, **kwargs):
        review = self.get_review()
        header = request.headers.get("If-Match", "").strip()
        if not header:
            raise PreconditionRequired({"detail": _(
                "Send the codebook's ETag (from GET) in If-Match, so that a change someone "
                "else saved meanwhile is not overwritten; If-Match: * overwrites.")})
        if_match = None if header == "*" else header.removeprefix("W/").strip('"')
        dry_run = request.query_params.get("dry_run") in ("1", "true", "yes")
        try:
            result = codebook_save(review=review, actor=request.user, data=request.data,
                                   if_match=if_match, dry_run=dry_run, source="api")
        except CodebookInvalid as error:
            raise Refused({"detail": error.messages[0], "errors": error.messages,
                           **error.as_json()}) from None
        except CodebookConflict as error:
            raise PreconditionFailed({"detail": str(error)}) from None
        except ValidationError as error:
            with service_errors():
                raise error from None
        body = {"outcome": result.outcome, "version": result.version, "dry_run": dry_run,
                "message": codebook_outcome_message(
                    result.outcome, result.version, dry_run=dry_run, replaced=result.replaced)}
        response = Response(body)
        if result.token:
            response["ETag"] = f'"{result.token}"'
        return response

    def get_object(self):
        codebook = (
            models.Codebook.objects.filter(review=self.get_review())
            .prefetch_related(
                Prefetch(
                    "sections__attributes",
                    queryset=models.Attribute.objects.prefetch_related("options"),
                )
            )
            .order_by("-version")
            .first()
        )
        if codebook is None:
            raise Http404("This review has no codebook yet.")
        return codebook



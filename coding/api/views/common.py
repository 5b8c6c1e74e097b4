"""Shared by the API views: schema parameters, error mapping, pagination, and the review lookup."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
)
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination

from coding import models
from coding.api import serializers as s
from coding.codings.services import CodingConflict
from coding.public.policies import public_consensus_values
from coding.public.responses import reader_response
from coding.reviews.policies import get_public_review, review_roles

SLUG = OpenApiParameter(
    "slug", {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}, OpenApiParameter.PATH,
    description="The review's slug.",
    examples=[OpenApiExample("The bundled review", value="coproduction")],
)
NUMBER = OpenApiParameter(
    "number", {"type": "string", "pattern": "^[^/]+$"}, OpenApiParameter.PATH,
    description="The case's number.", examples=[OpenApiExample("Case 1", value="1")],
)
ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Invalid input; nothing was saved."),
    401: OpenApiResponse(s.ErrorSerializer, description="Not signed in (send a token)."),
    403: OpenApiResponse(s.ErrorSerializer, description="Your roles do not allow this."),
    404: OpenApiResponse(s.ErrorSerializer, description="No such review or object for you."),
}
READ_ERRORS = {code: ERRORS[code] for code in (401, 403, 404)}
CONFLICT = {
    409: OpenApiResponse(
        s.ErrorSerializer,
        description="Someone saved in between (version changed): nothing was saved.",
    )
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class Refused(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"


@contextmanager
def service_errors():
    """Turn a service's ValidationError into 409 (version conflict), 403 (an adjudicator's
    own case) or 400, with the service's message as `detail`."""
    try:
        yield
    except ValidationError as error:
        message = " ".join(error.messages)
        code = getattr(error, "code", None)
        body = {"detail": message, "errors": error.messages}
        if hasattr(error, "error_dict"):  # field by field: "fields", as for invalid input
            body["fields"] = error.message_dict
        params = getattr(error, "params", None)
        if isinstance(params, dict) and "missing" in params:
            body["missing"] = params["missing"]
        if code == "conflict" or isinstance(error, CodingConflict):
            raise Conflict(body) from None
        if code in ("own_case", "role"):
            raise exceptions.PermissionDenied(body) from None
        raise Refused(body) from None


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class ReviewMixin:
    """The review named by the URL's slug: 404 unless published or the client is a member."""

    pagination_class = Pagination

    def get_review(self) -> models.Review:
        if getattr(self, "swagger_fake_view", False):
            return models.Review(pk=0, slug="schema")  # drf-spectacular's schema generation
        if not hasattr(self, "_review"):
            self._review = get_public_review(self.request.user, self.kwargs["slug"])
        return self._review

    def roles(self) -> set[str]:
        return review_roles(self.request.user, self.get_review())

    def check_permissions(self, request):
        # The review first: an unpublished review is 404 for everyone outside it, signed in
        # or not, before any 401/403 could hint that it exists.
        self.get_review()
        super().check_permissions(request)


def _values(model) -> Prefetch:
    rows = model.objects.select_related("attribute").prefetch_related("options")
    if model is models.ConsensusValue:
        return Prefetch("consensus_values", queryset=public_consensus_values(rows))
    return Prefetch("values", queryset=rows)




class SharedReaderMixin:
    """For the public API's reads (with ReviewMixin): an anonymous reader's answer about a
    published review is shared per data version like the reader pages (ETag, 304, cached
    copy; coding.public.responses, whose policy decides what may be shared). Runs after
    authentication, permissions and throttling; the negotiated format is part of the ETag."""

    def get(self, request, *args, **kwargs):
        def render():
            response = super(SharedReaderMixin, self).get(request, *args, **kwargs)
            response = self.finalize_response(request, response, *args, **kwargs)
            if hasattr(response, "render"):  # a file download is a plain HttpResponse
                response.render()
            return response

        return reader_response(
            request, self.get_review(), render,
            extra=(getattr(request, "accepted_media_type", "") or "",),
            # Authorization and Cookie: every API answer (coding.middleware.private_responses).
            vary=("Accept",),
        )

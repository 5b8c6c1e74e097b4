"""API for case documents (issue 11): list and upload on a case, one document, its file.

Thin adapters over coding.documents: the policy decides who sees which document (404
otherwise), the service checks and stores uploads, coding.documents.http streams files."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from coding import models
from coding.api import serializers as s
from coding.api.permissions import IsPublishedReadOnly, IsReviewMember, policy_permission
from coding.api.views.common import ERRORS, NUMBER, READ_ERRORS, SLUG, ReviewMixin, service_errors
from coding.documents.bulk import bulk_response, documents_bulk_upload
from coding.documents.http import document_response
from coding.documents.policies import documents_manageable_by, documents_visible_to
from coding.documents.selectors import document_for_viewer
from coding.documents.services import document_delete, document_upload

DOCUMENT_ID = OpenApiParameter("pk", int, OpenApiParameter.PATH, description="The document's id.")


class DocumentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="PDF, HTML, plain text or Markdown (UTF-8); the type is read from the "
        "content, HTML is sanitised, PDFs with JavaScript are refused."
    )
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=300,
                                  help_text="Empty: the file's name.")
    public = serializers.BooleanField(required=False, default=False,
                                      help_text="Readers of the published review may download it.")


MayManageDocuments = policy_permission(
    documents_manageable_by, "Only the review's leads upload or delete documents.",
    "MayManageDocuments")


class CaseDocumentsMixin(ReviewMixin):
    def get_case(self) -> models.Case:
        if not hasattr(self, "_case"):
            self._case = get_object_or_404(
                models.Case, review=self.get_review(), number=self.kwargs["number"]
            )
            self._case.review = self.get_review()
        return self._case

    def get_permissions(self):
        if self.request.method in ("GET", "HEAD", "OPTIONS"):
            return [(IsPublishedReadOnly | IsReviewMember)()]
        return [MayManageDocuments()]

    def get_object(self) -> models.Document:
        return document_for_viewer(user=self.request.user, case=self.get_case(),
                                   pk=self.kwargs["pk"])


@extend_schema_view(
    get=extend_schema(summary="The case's documents", tags=["documents"],
                      parameters=[SLUG, NUMBER],
                      description="Members see every document of the case; readers of a "
                      "published review only the public ones.",
                      responses={200: s.DocumentSerializer(many=True), **READ_ERRORS}),
    post=extend_schema(summary="Upload a document (leads)", tags=["documents"],
                       parameters=[SLUG, NUMBER], request={"multipart/form-data":
                                                          DocumentUploadSerializer},
                       responses={201: s.DocumentSerializer, **ERRORS}),
)
class DocumentList(CaseDocumentsMixin, generics.ListCreateAPIView):
    serializer_class = s.DocumentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular's schema generation
            return models.Document.objects.none()
        documents = models.Document.objects.filter(case=self.get_case())
        return documents_visible_to(self.request.user, documents).select_related(
            "case__review").order_by("uploaded_at", "id")

    def create(self, request, *args, **kwargs):
        upload = DocumentUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        with service_errors():
            document = document_upload(
                case=self.get_case(), file=upload.validated_data["file"], actor=request.user,
                title=upload.validated_data["title"], is_public=upload.validated_data["public"],
            )
        data = s.DocumentSerializer(document, context=self.get_serializer_context()).data
        data["notes"] = document.notes
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(summary="One document's metadata", tags=["documents"],
                      parameters=[SLUG, NUMBER, DOCUMENT_ID],
                      responses={200: s.DocumentSerializer, **READ_ERRORS}),
    delete=extend_schema(summary="Delete a document (leads)", tags=["documents"],
                         parameters=[SLUG, NUMBER, DOCUMENT_ID],
                         responses={204: None, **READ_ERRORS}),
)
class DocumentDetail(CaseDocumentsMixin, generics.RetrieveDestroyAPIView):
    serializer_class = s.DocumentSerializer

    def perform_destroy(self, instance):
        with service_errors():
            document_delete(document=instance, actor=self.request.user)


@extend_schema_view(
    get=extend_schema(
        summary="Download a document's file", tags=["documents"],
        parameters=[SLUG, NUMBER, DOCUMENT_ID, OpenApiParameter(
            "download", int, description="1: Content-Disposition attachment (else inline).")],
        responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY,
                                                 description="The file as stored."),
                   **READ_ERRORS},
    )
)
class DocumentFile(CaseDocumentsMixin, APIView):
    def perform_content_negotiation(self, request, force=False):
        # Any Accept header is fine for a file; errors are still JSON.
        return super().perform_content_negotiation(request, force=True)

    def get(self, request, *args, **kwargs):
        return document_response(self.get_object(),
                                 download=request.query_params.get("download") == "1")


# --- many documents at once (issue 24) ------------------------------------------------------


class BulkResultSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The file's name as sent; a zip's file: "
                                 "\"archive.zip/path/in/zip.pdf\".")
    status = serializers.ChoiceField(["stored", "matched", "refused", "unmatched"],
                                     help_text="matched: would be stored (dry_run).")
    reason = serializers.CharField(help_text="Why refused or unmatched; else empty.")
    code = serializers.CharField(help_text="The refusal's code (e.g. too_large, pdf_script, "
                                 "already_exists, duplicate_filename, zip_ratio, zip_path, "
                                 "zip_nested), else empty.")
    case = serializers.CharField(allow_null=True, help_text="The matched case's number.")
    case_title = serializers.CharField()
    title = serializers.CharField(help_text="The document's title, from the file name.")
    document = serializers.IntegerField(allow_null=True, help_text="The stored document's id.")
    size = serializers.IntegerField(allow_null=True)
    notes = serializers.ListField(child=serializers.CharField(),
                                  help_text="What the checks changed (HTML cleaned).")


class BulkResponseSerializer(serializers.Serializer):
    results = BulkResultSerializer(many=True)
    counts = serializers.DictField(child=serializers.IntegerField(),
                                   help_text="Files per status.")


class BulkUploadSerializer(serializers.Serializer):
    files = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), allow_empty=False,
        help_text="The files, repeated; each named by case number (12.pdf, 12-appendix.pdf), "
        "or a .zip of such files.")
    dry_run = serializers.BooleanField(required=False, default=False,
                                       help_text="Check and match only; store nothing.")


@extend_schema_view(
    post=extend_schema(
        summary="Upload many documents, matched to cases by file name (leads)",
        tags=["documents"], parameters=[SLUG],
        request={"multipart/form-data": BulkUploadSerializer},
        description="Each file (or each file of a zip) is matched to a case by its name as "
        "import_documents does and checked as one upload is; the answer has a result per "
        "file: stored, refused with the reason, or unmatched. A refused file does not stop "
        "the others. dry_run: 200, nothing stored, `matched` for what would be stored.",
        responses={201: BulkResponseSerializer, 200: BulkResponseSerializer, **ERRORS}),
)
class ReviewDocuments(ReviewMixin, APIView):
    parser_classes = [MultiPartParser, FormParser]
    permission_classes = [MayManageDocuments]

    def post(self, request, *args, **kwargs):
        upload = BulkUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        dry_run = upload.validated_data["dry_run"]
        with service_errors():
            results = documents_bulk_upload(review=self.get_review(), actor=request.user,
                                            files=upload.validated_data["files"],
                                            dry_run=dry_run)
        return Response(bulk_response(results),
                        status=status.HTTP_200_OK if dry_run else status.HTTP_201_CREATED)

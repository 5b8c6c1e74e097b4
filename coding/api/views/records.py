"""API for a review's candidate records and searches (leads), over coding.records."""

import tempfile
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.api.permissions import page_permission
from coding.api.views.common import (
    CONFLICT,
    ERRORS,
    READ_ERRORS,
    SLUG,
    Refused,
    ReviewMixin,
    service_errors,
)
from coding.fileio import ImportFailed
from coding.models import Record
from coding.records.selectors import record_for, records_filtered, searches_with_counts
from coding.records.services import (
    cases_from_included_records,
    duplicate_confirm,
    duplicate_split,
    records_import,
)


class RecordSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="search.source")
    authors = serializers.SerializerMethodField()
    case = serializers.CharField(source="case.number", allow_null=True, default=None)

    class Meta:
        model = Record
        fields = ["id", "search", "source", "external_id", "title", "authors", "year",
                  "abstract", "url", "doi", "duplicate_status", "duplicate_of", "case"]

    def get_authors(self, record) -> list[str]:
        return record.authors.splitlines()


class SearchSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    source = serializers.CharField()
    searched_on = serializers.DateField(allow_null=True)
    query = serializers.CharField()
    filename = serializers.CharField()
    count = serializers.IntegerField(allow_null=True, help_text="Records identified (null: not "
                                     "reported).")
    imported = serializers.IntegerField(help_text="Its records in the review.")
    removed = serializers.IntegerField(help_text="Its records removed as duplicates.")


class RecordsImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="RIS, BibTeX (.bib), CSV (UTF-8) or .xlsx.")
    source = serializers.CharField(max_length=200)
    searched_on = serializers.DateField(required=False, allow_null=True)
    query = serializers.CharField(required=False, allow_blank=True, default="")
    dry_run = serializers.BooleanField(required=False, default=False)


class ImportSummarySerializer(serializers.Serializer):
    records = serializers.IntegerField()
    suspected = serializers.IntegerField()
    suspected_in_file = serializers.IntegerField()
    search = serializers.IntegerField(allow_null=True, help_text="null for a dry run.")
    source = serializers.CharField()
    first = serializers.ListField(child=serializers.DictField())


FILTER_PARAMS = [
    OpenApiParameter("search", int, description="A search's id."),
    OpenApiParameter("source", str, description="A source's name."),
    OpenApiParameter("duplicate", str, enum=["none", "suspected", "confirmed", "split"]),
    OpenApiParameter("year", int),
    OpenApiParameter("q", str, description="Text in the title."),
]


@extend_schema_view(
    get=extend_schema(
        summary="Candidate records", tags=["records"], parameters=[SLUG, *FILTER_PARAMS],
        responses={200: RecordSerializer(many=True), **READ_ERRORS},
        description="Review leads. The review's records with their source and duplicate "
        "status, filtered as on the Records page.",
    ),
    post=extend_schema(
        summary="Import a search's records", tags=["records"], parameters=[SLUG],
        request={"multipart/form-data": RecordsImportSerializer},
        responses={201: ImportSummarySerializer, 200: ImportSummarySerializer, **ERRORS},
        description="Review leads. One file (at most IMPORT_MAX_MB) becomes one search; with "
        "`dry_run` nothing is kept (200). A bad file imports nothing: 400 naming the file, the "
        "record or row, and the reason.",
    ),
)
class RecordList(ReviewMixin, ListAPIView):
    permission_classes = [page_permission("records")]
    serializer_class = RecordSerializer
    filter_backends = []

    def get_queryset(self):
        params = self.request.query_params
        return records_filtered(self.get_review(), search=params.get("search", ""),
                                source=params.get("source", ""),
                                duplicate=params.get("duplicate", ""),
                                year=params.get("year", ""), text=params.get("q", ""))

    def post(self, request, slug):
        review = self.get_review()
        payload = RecordsImportSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        upload = data["file"]
        name = Path(upload.name or "").name[:200] or "records"
        suffix = Path(name).suffix.lower()
        if upload.size > settings.IMPORT_MAX_MB * 1024 * 1024:
            raise Refused({"detail": _("%(file)s is larger than the limit of %(limit)s MB.") % {
                "file": name, "limit": settings.IMPORT_MAX_MB}})
        with tempfile.TemporaryDirectory() as folder:
            # A name of our own (the uploaded one may be ".." or the like); its suffix tells
            # the format.
            path = Path(folder) / ("upload" + (suffix if suffix[1:].isalnum() else ""))
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            with service_errors():
                try:
                    summary = records_import(
                        review=review, path=path, source=data["source"],
                        searched_on=data.get("searched_on"), query=data.get("query", ""),
                        filename=name, actor=request.user, dry_run=data["dry_run"])
                except ImportFailed as error:
                    message = f"{name}: {error.where}: {error.reason}"
                    raise Refused({"detail": message, "errors": [message]}) from None
        return Response(summary, status=status.HTTP_200_OK if data["dry_run"]
                        else status.HTTP_201_CREATED)


@extend_schema(
    summary="Searches", tags=["records"], parameters=[SLUG],
    responses={200: SearchSerializer(many=True), **READ_ERRORS},
    description="Review leads. Each import of records is one search: its source, date, query, "
    "file, the records it identified, and how many were removed as duplicates.",
)
class SearchList(ReviewMixin, ListAPIView):
    permission_classes = [page_permission("records")]
    serializer_class = SearchSerializer
    pagination_class = None
    filter_backends = []

    def get_queryset(self):
        return searches_with_counts(self.get_review())


class SettleSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["confirm", "split"], help_text=(
        '"confirm": a duplicate, removed from screening; "split": not a duplicate.'))


class CasesMadeSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.CharField(),
                                    help_text="The numbers of the cases made.")


@extend_schema(
    summary="Settle a suspected duplicate", tags=["records"],
    parameters=[SLUG, OpenApiParameter("id", int, OpenApiParameter.PATH,
                                       description="The record's id.")],
    request=SettleSerializer, responses={200: RecordSerializer, **ERRORS, **CONFLICT},
    description="Review leads. Confirm the suspected duplicate (removed from screening, counted "
    "for its source) or split it (screened on its own). 409 when it is no longer suspected.",
)
class RecordDuplicate(ReviewMixin, APIView):
    permission_classes = [page_permission("records")]
    serializer_class = SettleSerializer

    def post(self, request, slug, pk):
        review = self.get_review()
        record = record_for(user=request.user, review=review, pk=pk)
        payload = SettleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        settle = duplicate_confirm if payload.validated_data["action"] == "confirm" \
            else duplicate_split
        with service_errors():
            settle(record=record, actor=request.user)
        record = record_for(user=request.user, review=review, pk=pk)
        return Response(RecordSerializer(record).data)


@extend_schema(
    summary="Make cases of included records", tags=["records"], parameters=[SLUG],
    request=None, responses={201: CasesMadeSerializer, 200: CasesMadeSerializer, **ERRORS},
    description="Review leads. A case for every record included at the review's final "
    "screening stage that has none yet (201); 200 with an empty list when there is none.",
)
class RecordCases(ReviewMixin, APIView):
    permission_classes = [page_permission("records")]
    serializer_class = CasesMadeSerializer

    def post(self, request, slug):
        with service_errors():
            cases = cases_from_included_records(review=self.get_review(), actor=request.user)
        return Response({"created": [case.number for case in cases]},
                        status=status.HTTP_201_CREATED if cases else status.HTTP_200_OK)

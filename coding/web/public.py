"""Reader pages: the case gallery, the case page, the dashboard and the exports.

Anyone may read a published review; a review's members may also read it unpublished
(coding.access.get_public_review). Readers see consensus values only: never a raw coding, a
coder or who decided.
"""

import tempfile
from urllib.parse import urlencode

import orjson
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from coding.dbbulk import chunked
from coding.documents.selectors import case_documents
from coding.exports import XLSX_CONTENT_TYPE, Table, csv_pieces, xlsx_write
from coding.fileio import csv_writer
from coding.models import Case, Role
from coding.public.cache import (
    case_filter_for,
    codebook_for,
    dashboard_data,
    latest_release_for,
)
from coding.public.dashboard import apply_source_note, source_note_text
from coding.public.responses import reader_page
from coding.public.selectors import (
    case_consensus,
    cases_table,
    export_rows_iter,
    gallery_page,
)
from coding.records.selectors import record_of_case
from coding.reviews.languages import language_chosen, reader_language
from coding.reviews.policies import (
    get_public_review,
    get_review_for_member,
    may_publish,
    review_roles,
)
from coding.reviews.services import review_set_published
from coding.urlmaking import absolute_url_maker
from coding.web.http import post_only
from coding.web.prisma import prisma_context


def _filtered(request, slug):
    review = get_public_review(request.user, slug)
    # The codebook and the filters' choices come from the cache, once per data version.
    case_filter = case_filter_for(review, request.GET, Case.objects.filter(review=review),
                                  request=request)
    case_filter.form.is_valid()  # errors are shown, invalid values ignored
    return review, case_filter.codebook, case_filter


def _query(params: dict[str, list[str]], **extra) -> str:
    merged = {**params, **{k: [v] for k, v in extra.items() if v}}
    return urlencode(merged, doseq=True)


@require_GET
@reader_page
def gallery(request, slug):
    review, codebook, case_filter = _filtered(request, slug)
    page, cards = gallery_page(
        review=review, cases=case_filter.qs, codebook=codebook,
        page_number=request.GET.get("page"),
    )
    filters = case_filter.active_filters()
    sort = request.GET.get("sort", "")
    roles = review_roles(request.user, review)
    return render(request, "coding/gallery.html", {
        "review": review, "roles": roles, "filter": case_filter, "page": page, "cards": cards,
        "filters": filters, "filter_query": _query(filters),
        "page_query": _query(filters, sort=sort), "may_publish": may_publish(request.user, review),
        "source_note": source_note_text(review),
        "latest_release": latest_release_for(review),
    })


@require_GET
@reader_page
def case_detail(request, slug, number):
    review = get_public_review(request.user, slug)
    case = get_object_or_404(Case, review=review, number=number)
    case.review = review  # for get_absolute_url, without a query
    codebook = codebook_for(review)
    return render(request, "coding/case_detail.html", {
        "review": review, "roles": review_roles(request.user, review), "case": case,
        "documents": case_documents(user=request.user, case=case),
        "service_areas": list(case.service_areas.order_by("name").values_list("name", flat=True)),
        "sections": case_consensus(case=case, codebook=codebook),
        "stable_url": request.build_absolute_uri(case.get_absolute_url()),
        "record": record_of_case(user=request.user, case=case),
    })


def _dashboard(request, slug) -> tuple:
    """The review, its filter and the charts' data: computed once per data version and
    filters, then read from the cache (coding.public.cache)."""
    review, _codebook, case_filter = _filtered(request, slug)
    filters = case_filter.active_filters()
    data = dashboard_data(review=review, case_filter=case_filter)
    return review, case_filter, filters, data


def _chart_csv_url(review, chart_id, filters):
    url = reverse("coding:dashboard_csv", args=[review.slug, chart_id])
    return f"{url}?{_query(filters)}" if filters else url


@require_GET
@reader_page
def dashboard(request, slug):
    review, case_filter, filters, data = _dashboard(request, slug)
    groups = data.groups
    charts = data.charts
    apply_source_note(review, [chart for group in groups for chart in group.charts])
    for chart in charts:
        chart.csv = _chart_csv_url(review, chart.id, filters)
    roles = review_roles(request.user, review)
    return render(request, "coding/dashboard.html", {
        "review": review, "roles": roles, "filter": case_filter, "filters": filters,
        "filter_query": _query(filters), "groups": groups,
        "charts": [chart.payload() for chart in charts],
        "total": data.total, "complete": data.complete,
        **prisma_context(review),
        "may_publish": may_publish(request.user, review),
        "source_note": source_note_text(review),
        "latest_release": latest_release_for(review),
    })


def _csv_response(filename: str, columns: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv_writer(response)
    writer.writerow(columns)
    writer.writerows(rows)
    return response


@require_GET
@reader_page
def dashboard_csv(request, slug, chart):
    review, _case_filter, _filters, data = _dashboard(request, slug)
    found = data.chart(chart)  # the dashboard's cached data: nothing computed again
    if found is None:
        raise Http404("No such chart")
    return _csv_response(f"{review.slug}-{found.id}.csv", found.columns, found.rows)


def _export(request, slug):
    """The review, its codebook and the filtered cases of an export, the codebook's labels
    in `?lang=` (a code of settings.LANGUAGES) or else the reader's language; the language
    is request.export_language for the rows read while the response streams."""
    language = language_chosen(request.GET.get("lang")) or reader_language()
    request.export_language = language
    with translation.override(language):
        review, codebook, case_filter = _filtered(request, slug)
    return review, codebook, case_filter.qs


def _streamed(chunks, *, content_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _cases_table(codebook, cases, case_url, language: str) -> Table:
    return cases_table(codebook, export_rows_iter(cases=cases, codebook=codebook,
                                                  language=language), case_url)


@require_GET
def export_csv(request, slug):
    """Streamed in chunks of cases, so memory stays flat whatever the review's size."""
    review, codebook, cases = _export(request, slug)
    case_url = absolute_url_maker(request, "coding:case_detail", review.slug)
    return _streamed(csv_pieces(_cases_table(codebook, cases, case_url,
                                             request.export_language)),
                     content_type="text/csv; charset=utf-8",
                     filename=f"{review.slug}-cases.csv")


@require_GET
def export_xlsx(request, slug):
    """export.csv's table as an .xlsx workbook: written in chunks of cases to a temporary
    file (an .xlsx is a zip, finished only at its end), then streamed from it."""
    review, codebook, cases = _export(request, slug)
    case_url = absolute_url_maker(request, "coding:case_detail", review.slug)
    out = tempfile.TemporaryFile()
    xlsx_write(_cases_table(codebook, cases, case_url, request.export_language), out)
    out.seek(0)
    response = FileResponse(out, content_type=XLSX_CONTENT_TYPE, as_attachment=True,
                            filename=f"{review.slug}-cases.xlsx")
    return response


def _json(value) -> bytes:
    """JSON indented by two spaces, written by orjson: the standard library's encoder works
    in pure Python once it indents, which made half of a large export's time."""
    return orjson.dumps(value, default=DjangoJSONEncoder().default,
                        option=orjson.OPT_INDENT_2)


def _json_chunks(head: dict, cases, codebook, case_url, language: str):
    """The document _json writes for `head` with its "cases" list, one case at a time: each
    case written alone, then indented as an item of the list (orjson escapes every newline
    inside a string, so each newline it writes starts a line of its own)."""
    opening = _json({**head, "cases": []})
    if not head["count"]:
        yield opening
        return
    yield opening.removesuffix(b"[]\n}") + b"[\n"
    separator = b"    "
    for chunk in chunked(export_rows_iter(cases=cases, codebook=codebook,
                                          language=language), 200):
        parts = []
        for row in chunk:
            row["url"] = case_url(row["number"])
            parts.append(separator + _json(row).replace(b"\n", b"\n    "))
            separator = b",\n    "
        yield b"".join(parts)
    yield b"\n  ]\n}"


@require_GET
def export_json(request, slug):
    """Streamed in chunks of cases; the same bytes as _json of the whole document."""
    review, codebook, cases = _export(request, slug)
    head = {
        "review": {"slug": review.slug, "title": review.title,
                   "url": request.build_absolute_uri(review.get_absolute_url())},
        "attributes": [
            {"key": a.key, "label": a.label, "kind": a.kind, "section": a.section,
             "options": [{"key": k, "label": label} for k, label in a.options]}
            for a in codebook.by_key.values()
        ],
        "count": cases.count(),
    }
    case_url = absolute_url_maker(request, "coding:case_detail", review.slug)
    return _streamed(_json_chunks(head, cases, codebook, case_url, request.export_language),
                     content_type="application/json; charset=utf-8",
                     filename=f"{review.slug}-cases.json")


@post_only("coding:gallery", "slug")
def review_publish(request, slug):
    review = get_review_for_member(request.user, slug, Role.LEAD)
    publish = request.POST.get("action") == "publish"
    try:
        changed = review_set_published(review=review, actor=request.user, published=publish)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if changed:
            messages.success(request, gettext(
                "Review published: anyone can now read its consensus data.")
                if publish else gettext("Review withdrawn: only its members can see it now."))
        else:
            messages.info(request, gettext("The review was already published.") if publish
                          else gettext("The review was already withdrawn."))
    return redirect("coding:gallery", slug=review.slug)

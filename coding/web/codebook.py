"""The codebook editor (leads): the page, its check (validation, what a save would do and a
preview of the coding form), its save and "Open a file". Everything goes through
coding.reviews.codebooks (codebook_validate, codebook_save), like the importer and the API.

Without JavaScript the page is a form with the codebook as YAML or JSON text; the page's
script (static/js/codebook-editor.js) builds the structured editor over it and posts JSON.
"""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from coding.fileio import ImportFailed
from coding.input_limits import QDC_MAX_SIZE, YAML_MAX_SIZE
from coding.models import LEVELS_BY_KIND, AttributeKind, MeasurementLevel
from coding.reviews.codebook_files import CODEBOOK_SUFFIXES, codebook_file_load
from coding.reviews.codebooks import (
    CodebookConflict,
    CodebookInvalid,
    codebook_file_data,
    codebook_outcome_message,
    codebook_save,
    codebook_token,
    codebook_validate,
    codebook_yaml,
)
from coding.reviews.languages import translated, wording_split
from coding.reviews.policies import get_review_for_page, review_roles
from coding.web.forms import CodingForm, anchors_name, evidence_name, note_name
from coding.web.http import post_only

PAGE = "codebook"


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _editor_context(review) -> dict:
    """The editor's data: the codebook's file structure, its token and the kinds' levels."""
    codebook = review.current_codebook()
    data = codebook_file_data(codebook) if codebook is not None else {
        "title": review.title, "sections": []}
    kinds = [{"value": value, "label": str(label),
              "levels": [{"value": level, "label": str(MeasurementLevel(level).label)}
                         for level in LEVELS_BY_KIND[value] if level]}
             for value, label in AttributeKind.choices]
    # The languages a label may be given in, each named in itself (the editor's choice).
    languages = [{"code": code.lower(), "name": str(name)} for code, name in settings.LANGUAGES]
    return {"codebook": codebook, "data": data, "token": codebook_token(review),
            "config": {"kinds": kinds, "languages": languages}}


def _render_page(request, review, *, text: str | None = None, token: str | None = None,
                 error: CodebookInvalid | ImportFailed | None = None, status: int = 200,
                 proposal: str = ""):
    context = _editor_context(review)
    data = context["data"]
    if text is None:
        text = codebook_yaml(data) if data["sections"] else ""
    return render(request, "coding/codebook_editor.html", {
        "review": review, "roles": review_roles(request.user, review), **context,
        "text": text, "token": token or context["token"], "error": error,
        "proposal": proposal, "suffixes": ", ".join(CODEBOOK_SUFFIXES),
        "editor_json": {"codebook": data, "token": token or context["token"],
                        "slug": review.slug, **context["config"]},
    }, status=status)


@login_required
def codebook_editor(request, slug: str):
    """GET: the editor. POST: save (field `codebook`: YAML or JSON text, `token`: the
    codebook's token when the page was loaded); JSON in and out when the script posts."""
    review = get_review_for_page(request.user, slug, PAGE)
    if request.method != "POST":
        return _render_page(request, review)
    text = request.POST.get("codebook", "")
    token = request.POST.get("token", "")
    try:
        data = _parse_text(text)
        result = codebook_save(review=review, actor=request.user, data=data, if_match=token,
                               source="editor")
    except (CodebookInvalid, ImportFailed) as error:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": _error_json(error)}, status=400)
        return _render_page(request, review, text=text, token=token, error=error, status=400)
    except CodebookConflict as error:
        if _wants_json(request):
            return JsonResponse({"ok": False, "conflict": True, "message": str(error)},
                                status=409)
        messages.error(request, str(error))
        return _render_page(request, review, text=text, token=token, status=409)
    except ValidationError as error:  # not a lead any more (get_review_for_page let them in)
        return JsonResponse({"ok": False, "message": " ".join(error.messages)}, status=403)
    message = codebook_outcome_message(result.outcome, result.version,
                                       replaced=result.replaced)
    if _wants_json(request):
        return JsonResponse({"ok": True, "outcome": result.outcome, "version": result.version,
                             "token": result.token, "message": message})
    messages.success(request, message)
    return redirect("coding:codebook_editor", slug=review.slug)


def _parse_text(text: str):
    """The codebook in the page's text field: JSON (the script's) or YAML (typed by hand)."""
    data = text.encode("utf-8")
    stripped = text.lstrip()
    name = "codebook.json" if stripped.startswith("{") else "codebook.yaml"
    if not stripped:
        raise CodebookInvalid("codebook", _("the codebook is empty"), "")
    return codebook_file_load(name, data)


def _error_json(error) -> dict:
    if isinstance(error, CodebookInvalid):
        return error.as_json()
    return {"where": error.where, "reason": error.reason, "field": "",
            "message": f"{error.where}: {error.reason}"}


class _Options(list):
    def all(self):
        return self


class _PreviewAttribute:
    """An attribute of a codebook not saved yet, with what the coding form and its
    template read of an Attribute."""

    def __init__(self, data: dict, section: dict, section_id: int):
        self.key, self.kind = data["key"], data["kind"]
        self.label, labels = wording_split(data["label"])
        self.help_text, helps = wording_split(data["help"])
        self.translations = {"label": labels, "help": helps}
        self.required = data["required"]
        self.section, self.section_id = section, section_id
        options = [_PreviewOption(o["key"], o["label"]) for o in data["options"]]
        none = data.get("none_option")
        self.none_key = none["key"] if none else None
        if none:
            options.append(_PreviewOption(none["key"], none["label"]))
        self.options = _Options(options)

    @property
    def is_choice(self) -> bool:
        return self.kind in (AttributeKind.SINGLE, AttributeKind.MULTI)


class _PreviewSection:
    def __init__(self, title: str, titles: dict):
        self.title, self.translations = title, {"title": titles}


class _PreviewOption:
    def __init__(self, key: str, label):
        self.key = key
        self.label, labels = wording_split(label)
        self.translations = {"label": labels}


def codebook_preview(parsed: dict) -> str:
    """The coding form of `parsed` (a validated codebook) as a coder will see it, rendered
    with the coding form's own attribute template."""
    attributes = []
    sections = []
    for index, section in enumerate(parsed["sections"]):
        items = []
        for data in section["attributes"]:
            attributes.append(_PreviewAttribute(data, section, index))
            items.append(attributes[-1])
        title, titles = wording_split(section["title"])
        sections.append({"title": translated(_PreviewSection(title, titles), "title"),
                         "attributes": items})
    form = CodingForm(attributes=attributes, initial={}, auto_id="preview_%s")
    rendered = []
    for section in sections:
        items = [{
            "attribute": a, "field": form[a.key], "evidence": form[evidence_name(a.key)],
            "note": form[note_name(a.key)], "anchors": form[anchors_name(a.key)],
            "answered": False,
        } for a in section["attributes"]]
        rendered.append({"title": section["title"], "items": items})
    return render_to_string("coding/_codebook_preview.html", {"sections": rendered})


@login_required
@post_only("coding:codebook_editor", "slug")
def codebook_check(request, slug: str):
    """The script's check while the lead edits: is the codebook valid (else the error and
    its place), what would saving do, and the preview of the coding form."""
    review = get_review_for_page(request.user, slug, PAGE)
    text = request.POST.get("codebook", "")
    token = request.POST.get("token", "")
    try:
        data = _parse_text(text)
        parsed = codebook_validate(data)
        result = codebook_save(review=review, actor=request.user, data=parsed, if_match=token,
                               dry_run=True)
    except (CodebookInvalid, ImportFailed) as error:
        return JsonResponse({"ok": False, "error": _error_json(error)})
    except CodebookConflict as error:
        return JsonResponse({"ok": False, "conflict": True, "message": str(error)})
    return JsonResponse({
        "ok": True, "outcome": result.outcome, "version": result.version,
        "message": codebook_outcome_message(result.outcome, result.version, dry_run=True,
                                            replaced=result.replaced),
        "preview": codebook_preview(parsed),
    })


@login_required
@post_only("coding:codebook_editor", "slug")
def codebook_open(request, slug: str):
    """"Open a file": the codebook in an uploaded file (YAML, JSON) into the editor as a
    proposal, saved only when the lead saves it."""
    review = get_review_for_page(request.user, slug, PAGE)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ImportFailed(_("(no file)"), "file", _("choose a codebook file to open"))
        most = max(YAML_MAX_SIZE, QDC_MAX_SIZE)
        if upload.size > most:  # before reading it; each format checks its own limit too
            raise ImportFailed(upload.name, "file", _(
                "%(size)s bytes; a codebook file may have at most %(most)s") % {
                "size": f"{upload.size:,}", "most": f"{most:,}"})
        data = codebook_validate(codebook_file_load(upload.name, upload.read()))
    except (CodebookInvalid, ImportFailed) as error:
        name = upload.name if upload is not None else ""
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": _error_json(error), "file": name},
                                status=400)
        return _render_page(request, review, error=error, status=400,
                            text=request.POST.get("codebook"))
    if _wants_json(request):
        return JsonResponse({"ok": True, "codebook": data, "file": upload.name})
    return _render_page(request, review, text=json.dumps(data, indent=2, ensure_ascii=False),
                        proposal=upload.name)

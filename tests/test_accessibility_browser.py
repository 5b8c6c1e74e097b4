"""Accessibility as a test: axe-core (tests/vendor/axe.min.js, scripts/vendor_axe.sh) runs in
Chromium on every page type each role opens, at 1280 and 390 px, and any serious or critical
violation fails. One browser context per role, signed in once."""

import os
import random
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coding.adjudication.services import (
    disagreement_comment,
    disagreement_escalate,
    disagreement_propose,
    disagreements_detect,
)
from coding.documents.services import document_upload
from coding.models import (
    AttributeKind,
    Coding,
    Disagreement,
    ImportJob,
    ImportStatus,
    Record,
    ResolutionMode,
    Review,
    Role,
)
from coding.reviews.services import review_create, review_set_resolution_mode
from tests import factories
from tests.documents.pdfs import minimal_pdf

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_SOURCE = AXE.read_text(encoding="utf-8")
WIDTHS = (1280, 390)
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/coproduction-screenshots"))

CHOICES = {
    "level": ["national", "state", "local"],
    "service_setting": ["single", "multi"],
    "coproduction_type": ["professional", "user", "citizen"],
}


@pytest.fixture
def world(coproduction, settings, tmp_path) -> dict:
    """The bundled review with the demo accounts; cases 2-12 coded by both coders (some
    disagreements open, the rest agreed), consensus on ten further cases for the reader
    pages, and one public document on case 1."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    review = coproduction
    coder_a, coder_b = User.objects.get(username="coder_a"), User.objects.get(username="coder_b")
    rng = random.Random(5)
    cases = list(review.cases.order_by("sort_key"))
    for case in cases[1:12]:
        first = {key: rng.choice(options) for key, options in CHOICES.items()}
        second = dict(first, level=rng.choice(CHOICES["level"]))
        factories.coding_with_values(case=case, coder=coder_a, values=first)
        factories.coding_with_values(case=case, coder=coder_b, values=second)
        disagreements_detect(case=case)
    _public_consensus(review, cases[12:24])
    lead = User.objects.get(username="lead")
    document_upload(case=cases[0], actor=lead, is_public=True, title="Full text",
                    file=ContentFile(b"The council and residents ran the scheme.",
                                     name="case1.txt"))
    disputed = Disagreement.objects.filter(case__review=review).select_related("case").first()
    assert disputed is not None
    # Discussion first: the disputed case's disagreements escalated (the adjudicator decides
    # them, reading the thread); another case's under discussion, with a proposal.
    review_set_resolution_mode(review=review, actor=User.objects.get(username="lead"),
                               mode=ResolutionMode.DISCUSSION)
    for disagreement in Disagreement.objects.filter(case=disputed.case):
        disagreement_escalate(disagreement=disagreement, user=coder_b,
                              body="We read the report differently.")
    discussed = Disagreement.objects.filter(case__review=review).exclude(
        case=disputed.case).select_related("case").first()
    disagreement_comment(disagreement=discussed, user=coder_a, body="Page 2 names the council.")
    disagreement_propose(disagreement=discussed, user=coder_b,
                         value=discussed.coding_b.values.get(
                             attribute=discussed.attribute).options.first().key)
    # PDFs beside the coding form (with a text document: tabs) and beside the decisions.
    for case in (cases[0], disputed.case):
        document_upload(case=case, actor=lead, title="Report",
                        file=ContentFile(minimal_pdf(["The council ran the scheme."]),
                                         name=f"{case.number}.pdf"))
    # Calibration round 1 complete (the coders differed on level), round 2 open.
    from coding.rounds.services import round_create

    first = round_create(review=review, title="Pilot", cases=cases[40:42],
                         coders=[coder_a, coder_b], user=lead)
    for case in cases[40:42]:
        for coder, level in ((coder_a, "local"), (coder_b, "state")):
            factories.round_coding_with_values(
                round_=first, case=case, coder=coder, evidence={"level": "The council ran it."},
                values={"level": level, "service_setting": "single"})
    first.status, first.completed_at = "complete", first.created_at
    first.save()
    round_create(review=review, title="Pilot 2", cases=cases[42:44], coders=[coder_a, coder_b],
                 user=lead)
    # A review the lead has just created: its Progress page shows the next steps.
    review_create(slug="fresh", title="Fresh review", actor=lead)
    # An import checked by its dry run, with cases to add and to change, for the job page.
    import_job = ImportJob.objects.create(
        review=review, kind="cases", filename="cases.xlsx", status=ImportStatus.CHECKED,
        created_by=lead, preview={
            "created": 60, "updated": 2, "unchanged": 40, "sheet": "Sheet1",
            "added": [str(n) for n in range(100, 150)],
            "changed": [{"case": "12", "fields": [["year", "2018", "2019"],
                                                  ["country", "UK", "France"]]},
                        {"case": "13", "fields": [["service_area", "Health",
                                                   "Culture; Health"]]}]})
    # Candidate records from two searches (suspected duplicates among them), and a records
    # file checked by its dry run, for the Records pages.
    from coding.records.services import records_import
    from tests.records.data import GI_RIS, NESTA_RIS

    for name, text, source in (("nesta.ris", NESTA_RIS, "Nesta"),
                               ("gi.ris", GI_RIS, "Governance International")):
        (tmp_path / name).write_text(text)
        records_import(review=review, path=tmp_path / name, source=source, actor=lead,
                       searched_on="2014-06-01", query="coproduction")
    records_job = ImportJob.objects.create(
        review=review, kind="records", filename="gi.ris", status=ImportStatus.CHECKED,
        created_by=lead, options={"source": "Governance International"},
        preview=records_import(review=review, path=tmp_path / "gi.ris", source="GI",
                               actor=lead, dry_run=True))
    # The reliability figures computed, so its page shows its tables, verdicts, the
    # reliability table's downloads, the methods text and the thresholds form.
    factories.reliability_computed(review)
    # Two citable releases, the second with changes since the first.
    from coding.releases.services import release_create

    Review.objects.filter(pk=review.pk).update(is_published=True)
    review.refresh_from_db()
    release_create(review=review, actor=lead, title="First data", authors="The demo team",
                   base_url=live_base())
    _public_consensus(review, cases[24:28])
    second = release_create(review=review, actor=lead, title="Second data",
                            authors="The demo team", notes="Four more cases with consensus.",
                            base_url=live_base())
    # The lead's list of release requests: one made, one failed with its message.
    from coding.models import ReleaseJob, ReleaseJobStatus

    ReleaseJob.objects.create(review=review, title="Second data", authors="The demo team",
                              base_url=live_base(), created_by=lead, release=second,
                              status=ReleaseJobStatus.DONE)
    ReleaseJob.objects.create(review=review, title="Third data", authors="The demo team",
                              base_url=live_base(), created_by=lead,
                              status=ReleaseJobStatus.FAILED,
                              error="Making the release was interrupted; nothing was stored.")
    review.refresh_from_db()
    return {
        "import_job": import_job.pk,
        "records_job": records_job.pk,
        "record": Record.objects.filter(review=review).order_by("pk").first().pk,
        "round_case": cases[42].number,
        "review": review,
        "public_case": cases[12].number,
        "disputed_case": disputed.case.number,
        "discussed_case": discussed.case.number,
        "coding": Coding.objects.filter(case__number=disputed.case.number,
                                        coder=coder_a).get().pk,
    }


def live_base() -> str:
    return "http://testserver"


def _public_consensus(review: Review, cases) -> None:
    """Consensus on every choice attribute of cases no one codes here, so that every kind
    of dashboard chart is drawn."""
    attributes = review.current_codebook().attributes.prefetch_related("options")
    for index, case in enumerate(cases):
        values = {}
        for attribute in attributes:
            keys = [option.key for option in attribute.options.all()]
            if attribute.kind == AttributeKind.SINGLE:
                values[attribute.key] = keys[index % len(keys)]
            elif attribute.kind == AttributeKind.MULTI:
                values[attribute.key] = keys[index % len(keys):][:2]
            elif attribute.kind == AttributeKind.BOOLEAN:
                values[attribute.key] = index % 2 == 0
        factories.consensus_for(case=case, values=values)


def _pages(role: str, world: dict) -> dict[str, str]:
    slug = world["review"].slug
    case = world["public_case"]
    pages = {
        "home": "/",
        "gallery": reverse("coding:gallery", args=[slug]),
        "case page": reverse("coding:case_detail", args=[slug, case]),
        "dashboard": reverse("coding:dashboard", args=[slug]),
        "selection (PRISMA)": reverse("coding:selection", args=[slug]),
        "releases": reverse("coding:releases", args=[slug]),
        "release cases": reverse("coding:release_gallery", args=[slug, 2]),
        "release dashboard": reverse("coding:release_dashboard", args=[slug, 2]),
        "error page": "/no-such-page/",
    }
    if role == "reader":
        pages |= {
            "sign-in": reverse("login"),
            "password reset": reverse("password_reset"),
        }
        return pages
    pages |= {
        "account": reverse("coding:tokens"),
        "language and time zone": reverse("coding:preferences"),
        "notifications": reverse("coding:notifications"),
        "documents": reverse("coding:case_documents", args=[slug, "1"]),
        "password change": reverse("password_change"),
        "new review": reverse("coding:review_new"),
    }
    if role == "coder":
        pages |= {
            "queue": reverse("coding:queue", args=[slug]),
            "coding page": reverse("coding:coding_form", args=[slug, "1"]),
            "coding page, submitted": reverse("coding:coding_form",
                                              args=[slug, world["disputed_case"]]),
            "disagreements to discuss": reverse("coding:discussion_queue", args=[slug]),
            "discussion case": reverse("coding:discussion_case",
                                       args=[slug, world["discussed_case"]]),
            "round page, open": reverse("coding:round_detail", args=[slug, 2]),
            "round coding page": reverse("coding:round_coding_form",
                                         args=[slug, 2, world["round_case"]]),
        }
    if role == "adjudicator":
        pages |= {
            "adjudication queue": reverse("coding:adjudication_queue", args=[slug]),
            "adjudication case": reverse("coding:adjudication_case",
                                         args=[slug, world["disputed_case"]]),
        }
    if role == "lead":
        pages |= {
            "progress": reverse("coding:progress", args=[slug]),
            "progress, new review": reverse("coding:progress", args=["fresh"]),
            "audit log": reverse("coding:audit_log", args=[slug]),
            "reliability": reverse("coding:reliability", args=[slug]),
            "members": reverse("coding:members", args=[slug]),
            "codebook editor": reverse("coding:codebook_editor", args=[slug]),
            "review documents": reverse("coding:review_documents", args=[slug]),
            "rounds": reverse("coding:rounds", args=[slug]),
            "round page, complete": reverse("coding:round_detail", args=[slug, 1]),
            "coding (read-only)": reverse("coding:coding_detail", args=[slug, world["coding"]]),
            "import": reverse("coding:imports", args=[slug]),
            "import dry run": reverse("coding:import_job", args=[slug, world["import_job"]]),
            "records": reverse("coding:records", args=[slug]),
            "records, suspected duplicates": reverse("coding:records_duplicates", args=[slug]),
            "records dry run": reverse("coding:records_import_job",
                                       args=[slug, world["records_job"]]),
            "record": reverse("coding:record_detail", args=[slug, world["record"]]),
        }
    return pages


def _signed_in_context(browser, live_server, username: str | None):
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    if username:
        client = Client()
        client.force_login(User.objects.get(username=username))
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value,
                              "url": live_server.url}])
    return context


def _settle(page) -> None:
    """Wait for the page's scripts: every chart drawn, its drawing hidden from screen readers
    (dashboard, reliability, coder drift)."""
    page.wait_for_function(
        """() => [...document.querySelectorAll(
                   '[data-chart], #alpha-chart, #drift-chart, #rounds-chart')]
                 .every(el => el.querySelector('svg.main-svg[aria-hidden="true"]'))""",
        timeout=30_000,
    )
    # The codebook editor built over its text field, with the coding form's preview.
    page.wait_for_function(
        """() => !document.getElementById('codebook-editor-data')
                 || document.querySelector('#codebook-preview .attribute')""",
        timeout=30_000,
    )
    # And every PDF in view drawn with its text layer (coding and adjudication pages).
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-pdf-src]')]
                 .filter(el => el.offsetParent !== null)
                 .every(el => el.querySelector('.textLayer span'))""",
        timeout=30_000,
    )


def _serious_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's CSP (no inline script) blocks a
        # <script> tag with the file's text, and no page serves the file.
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        """async () => {
            // Plotly's drawing is aria-hidden (the table under each chart has its numbers);
            // skipping its thousands of SVG nodes halves the time on the dashboard.
            const context = {exclude: [["svg.main-svg"]]};
            const results = await axe.run(context, {resultTypes: ["violations"]});
            return results.violations
              .filter(v => v.impact === "serious" || v.impact === "critical")
              .map(v => v.id + " (" + v.impact + "): " + v.help + " at "
                   + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join("; "));
        }"""
    )
    return result


ROLES = {"reader": None, "coder": "coder_a", "adjudicator": "adjudicator", "lead": "lead"}


@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_of_the_role_has_no_serious_accessibility_violation(
    browser, live_server, world, role
):
    context = _signed_in_context(browser, live_server, ROLES[role])
    page = context.new_page()
    found: list[str] = []
    for name, path in _pages(role, world).items():
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(live_server.url + path)
            assert response.status in (200, 404), (name, response.status)
            if name == "error page":
                assert response.status == 404
            elif name in ("discussion case", "disagreements to discuss", "adjudication case"):
                assert response.status == 200, name
            elif role != "reader":
                assert "/accounts/login/" not in page.url, (name, page.url)
            _settle(page)
            found += [f"{name} at {width} px: {v}" for v in _serious_violations(page)]
    context.close()
    assert found == [], "\n".join(found)


def test_the_lead_navigation_fits_on_one_line_at_1280_px(browser, live_server, world):
    """The longest navigation: a lead who also codes and adjudicates, with a long name."""
    lead = User.objects.get(username="lead")
    lead.first_name, lead.last_name = "Magdalena", "Featherstonehaugh-Whitfield"
    lead.save()
    for role in (Role.CODER, Role.ADJUDICATOR):
        factories.MembershipFactory(review=world["review"], user=lead, role=role)
    context = _signed_in_context(browser, live_server, "lead")
    page = context.new_page()
    page.goto(live_server.url + reverse("coding:progress", args=[world["review"].slug]))
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.site-nav > *')]
                 .filter(el => el.getBoundingClientRect().height > 0)
                 .map(el => { const r = el.getBoundingClientRect();
                              return [r.top, r.bottom]; })"""
    )
    page.screenshot(path=SHOTS / "a11y-lead-nav-1280.png")
    context.close()
    assert len(boxes) >= 10
    # One line: every item overlaps every other vertically.
    assert max(top for top, _ in boxes) < min(bottom for _, bottom in boxes), boxes


def test_dashboard_axis_titles_are_not_clipped_at_either_width(browser, live_server, world):
    """Every axis title lies inside its chart's drawing (a long title beside two bars was cut
    to "ormal agreement rea"); screenshots for people to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = _signed_in_context(browser, live_server, None)
    page = context.new_page()
    clipped = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + reverse("coding:dashboard", args=[world["review"].slug]))
        _settle(page)
        titles = page.evaluate(
            """() => [...document.querySelectorAll('[data-chart]')].flatMap(plot => {
                 const box = plot.querySelector('svg.main-svg').getBoundingClientRect();
                 return [...plot.querySelectorAll('text.xtitle, text.ytitle')].map(t => {
                   const r = t.getBoundingClientRect();
                   return [plot.dataset.chart, t.textContent,
                           r.top >= box.top - 1 && r.bottom <= box.bottom + 1
                           && r.left >= box.left - 1 && r.right <= box.right + 1];
                 });
               })"""
        )
        assert len(titles) >= 10
        clipped += [f"{chart} at {width} px: {text}" for chart, text, inside in titles
                    if not inside]
        page.screenshot(path=SHOTS / f"a11y-dashboard-{width}.png", full_page=True)
    context.close()
    assert clipped == []


def test_release_pages_fit_the_width_and_say_which_release(browser, live_server, world):
    """The releases list, a release's cases and dashboard, and the lead's form: nothing wider
    than the window at 390 px, the release named; screenshots for people to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    slug = world["review"].slug
    pages = {
        "releases": (None, reverse("coding:releases", args=[slug]), "Release 2"),
        "release-cases": (None, reverse("coding:release_gallery", args=[slug, 2]),
                          "Release 2 of"),
        "release-dashboard": (None, reverse("coding:release_dashboard", args=[slug, 2]),
                              "Changes since release 1"),
        "releases-lead": ("lead", reverse("coding:releases", args=[slug]), "Make a release"),
        "live-dashboard": (None, reverse("coding:dashboard", args=[slug]),
                           "the same as release 2"),
    }
    too_wide = []
    for name, (username, path, text) in pages.items():
        context = _signed_in_context(browser, live_server, username)
        page = context.new_page()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(live_server.url + path)
            assert response.status == 200, name
            assert text in page.inner_text("main"), (name, text)
            if page.evaluate("document.documentElement.scrollWidth") > width:
                too_wide.append(f"{name} at {width} px")
            page.screenshot(path=SHOTS / f"release-{name}-{width}.png", full_page=True)
        context.close()
    assert too_wide == []

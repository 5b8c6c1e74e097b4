"""The reader pages in real Chromium: charts render, a click on a bar opens the filtered
gallery, the case page shows consensus values with evidence. Screenshots go to
$SCREENSHOT_DIR (default: pytest's tmp dir) at 1280 and 390 px."""

import os
import random
import re
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.browser


def _shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _code_some(review, count=30):
    """Consensus values for the first `count` bundled cases, drawn at random (fixed seed) from
    the codebook: test data for drawing charts, not claims about the cases."""
    rng = random.Random(5)
    codebook = review.current_codebook()
    choices = {a.key: [o.key for o in a.options.all()]
               for a in codebook.attributes.prefetch_related("options") if a.is_choice}
    for case in review.cases.order_by("sort_key")[:count]:
        values = {
            key: rng.choice(options) if key in ("level", "coproduction_type", "service_setting")
            else rng.sample(options, rng.randint(1, 2))
            for key, options in choices.items()
        }
        values["formal_agreement"] = rng.random() < 0.5
        values["main_topic"] = f"Topic of {case.title}"
        factories.consensus_for(
            case=case, values=values,
            evidence={key: f"Quote for {key} from case {case.number}." for key in values},
        )


def test_dashboard_charts_render_and_a_bar_click_opens_the_filtered_gallery(
    page, live_server, coproduction, tmp_path
):
    _code_some(coproduction)
    shots = _shots(tmp_path)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("coding:dashboard", args=["coproduction"]))
    expect(page.locator("#chart-service_area .main-svg").first).to_be_visible()
    expect(page.locator("#chart-country .main-svg").first).to_be_visible()
    expect(page.locator("#chart-process .main-svg").first).to_be_visible()
    # Every chart with data is drawn; the map has its countries.
    assert page.locator(".plot.drawn").count() == page.locator(".plot").count()
    expect(page.locator("#chart-country path.choroplethlocation").first).to_be_attached()
    page.screenshot(path=str(shots / "dashboard-1280.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator("#chart-service_area .main-svg").first).to_be_visible()
    page.screenshot(path=str(shots / "dashboard-390.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page is {width}px wide at 390px"

    # The first service-area bar is Health care (15 cases, the most).
    bar = page.locator("#chart-service_area .bars path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    expect(page.locator("#chart-service_area .hoverlayer .hovertext")).to_contain_text("15")
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(r"/reviews/coproduction/\?.*service_area=health-care"))
    expect(page.locator(".result-count")).to_contain_text("15 cases match these filters")
    page.screenshot(path=str(shots / "gallery-health-390.png"), full_page=True)


def test_gallery_filters_and_case_page_with_evidence(page, live_server, coproduction, tmp_path):
    _code_some(coproduction)
    shots = _shots(tmp_path)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("coding:gallery", args=["coproduction"]))
    page.select_option("#id_country", "UK")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".result-count")).to_contain_text("31 cases match these filters")
    assert "country=UK" in page.url
    page.screenshot(path=str(shots / "gallery-1280.png"), full_page=True)

    page.get_by_role("link", name=re.compile("Supporting older people")).click()
    expect(page.locator("h1")).to_contain_text("Supporting older people")
    expect(page.locator(".consensus-value").first).to_be_visible()
    expect(page.locator(".evidence").first).to_contain_text("Quote for")
    page.screenshot(path=str(shots / "case-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "case-390.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

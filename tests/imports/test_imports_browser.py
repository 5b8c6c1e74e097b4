"""The Import page in Chromium: a lead uploads a cases file, the worker checks it, the page
shows what it would do by itself, the lead confirms, the worker imports, the page shows the
result. Screenshots at 1280 and 390 px go to $SCREENSHOT_DIR (default: pytest's tmp dir)."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from coding.models import Case
from tests.conftest import PASSWORD
from tests.worker import run_queued_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CASES = ("number,title,country,year,service_area,summary,source\n"
         "21,Library run by residents,UK,2015,Culture,,\n"
         "22,School meals,Sweden,,Education,,\n")


def test_a_lead_imports_cases_from_the_browser(page, live_server, review, lead, tmp_path,
                                               settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    upload = tmp_path / "cases.csv"
    upload.write_text(CASES, encoding="utf-8")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + reverse("coding:progress", args=["demo"]))
    page.get_by_role("link", name="Import a codebook, cases or codings").click()
    page.get_by_label("Cases (CSV or .xlsx)").check()
    page.get_by_label("File", exact=True).set_input_files(str(upload))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.locator("#import-status")).to_contain_text("Being checked")
    run_queued_tasks(page)
    # The page notices by itself that the check is done and shows what importing would do.
    expect(page.get_by_role("heading", name="What importing it would do")).to_be_visible(
        timeout=30_000)
    expect(page.locator(".import-summary")).to_contain_text("To add")
    assert not Case.objects.filter(number="21").exists()
    page.screenshot(path=str(shots / "import-checked-1280.png"), full_page=True)
    page.get_by_role("button", name="Import cases.csv").click()
    expect(page.locator("#import-status")).to_contain_text("Waiting to run")
    run_queued_tasks(page)
    expect(page.get_by_role("heading", name="What was imported")).to_be_visible(timeout=30_000)
    assert set(Case.objects.filter(review=review).values_list("number", flat=True)) >= {
        "21", "22"}
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "import-done-390.png"), full_page=True)


def test_a_lead_imports_cases_from_an_xlsx_and_sees_them_listed_before_confirming(
        page, live_server, review, lead, tmp_path, settings):
    from tests.imports.xlsx import cases_workbook

    settings.MEDIA_ROOT = tmp_path / "media"
    upload = tmp_path / "cases.xlsx"
    upload.write_bytes(cases_workbook([21, "Library run by residents", "UK", 2015, "Culture",
                                       None, None],
                                      [22, "School meals", "Sweden", None, "Education", None,
                                       None]))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + reverse("coding:imports", args=["demo"]))
    page.get_by_label("Cases (CSV or .xlsx)").check()
    page.get_by_label("File", exact=True).set_input_files(str(upload))
    page.get_by_role("button", name="Upload and check").click()
    run_queued_tasks(page)
    expect(page.get_by_role("heading", name="Cases to add")).to_be_visible(timeout=30_000)
    expect(page.locator(".import-detail")).to_contain_text("21, 22")
    expect(page.locator(".import-detail")).to_contain_text("Read from the sheet “Sheet1”")
    page.get_by_role("button", name="Import cases.xlsx").click()
    run_queued_tasks(page)
    expect(page.get_by_role("heading", name="What was imported")).to_be_visible(timeout=30_000)
    assert set(Case.objects.filter(review=review).values_list("number", flat=True)) >= {
        "21", "22"}

"""The PRISMA diagram in a browser: drawn inline, and "Download PNG" gives a PNG of it."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.browser


def test_download_png_gives_a_png_of_the_diagram(browser, live_server, coproduction):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("coding:selection", args=["coproduction"]))
    assert page.locator("svg.prisma-diagram text", has_text="(n = 56)").count() == 1
    with page.expect_download() as download:
        page.get_by_role("button", name="Download PNG").click()
    path = download.value.path()
    assert download.value.suggested_filename == "coproduction-prisma.png"
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(data[16:20], "big")
    assert width == 2 * 960  # drawn at twice the diagram's size
    page.close()

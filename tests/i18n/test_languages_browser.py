"""The interface in Spanish and Chinese in real Chromium (issue #23, item 6): what scripts write
(the dashboard's chart axes, the coding form's save state) is in the page's language; the main
pages pass axe in each language at 1280 and 390 px; in Arabic (right to left, layout only) the
main pages lay out right to left with nothing overlapping or cut off.

The pages and the world are the axe walk's (tests/test_accessibility_browser.py); the text
check is tests/i18n/test_untranslated_pages.py's, run over the DOM after the scripts ran."""

import polib
import pytest
from django.urls import reverse

from coding.catalogues import po_path
from tests.i18n.test_untranslated_pages import (
    _catalogue,
    _stored_texts,
    main_pages,
    untranslated_pieces,
)
from tests.test_accessibility_browser import (
    WIDTHS,
    _serious_violations,
    _settle,
    _signed_in_context,
    world,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.browser

LANGUAGES = ("es", "zh-hans")

# Every text node of the page as drawn (SVG text of the charts included), and the
# aria-label, title, placeholder and alt of every element; not <code> and other literals.
DOM_TEXT = """() => {
  const skipped = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT", "CODE", "KBD", "SAMP"]);
  const pieces = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let parent = node.parentElement, literal = false;
    for (; parent; parent = parent.parentElement) {
      if (skipped.has(parent.tagName.toUpperCase())) { literal = true; break; }
    }
    if (!literal && !node.parentElement.closest("svg")) pieces.push(node.textContent);
  }
  // A chart's text whole, its lines (Plotly's tspan.line) joined: "Who participates".
  for (const text of document.body.querySelectorAll("svg text")) {
    const lines = [...text.querySelectorAll("tspan.line")];
    pieces.push(lines.length ? lines.map(l => l.textContent).join(" ") : text.textContent);
  }
  for (const el of document.body.querySelectorAll("[aria-label], [title], [placeholder], [alt]")) {
    for (const name of ["aria-label", "title", "placeholder", "alt"]) {
      if (el.getAttribute(name)) pieces.push(el.getAttribute(name));
    }
  }
  return pieces.map(p => p.replace(/\\s+/g, " ").trim()).filter(Boolean);
}"""

CLIPPED_AXIS_TITLES = """() => [...document.querySelectorAll('[data-chart]')].flatMap(plot => {
  const box = plot.querySelector('svg.main-svg').getBoundingClientRect();
  return [...plot.querySelectorAll('text.xtitle, text.ytitle')].filter(t => {
    const r = t.getBoundingClientRect();
    return !(r.top >= box.top - 1 && r.bottom <= box.bottom + 1
             && r.left >= box.left - 1 && r.right <= box.right + 1);
  }).map(t => plot.dataset.chart + ": " + t.textContent);
})"""


def _js_translation(language: str, msgid: str) -> str:
    directory = "zh_Hans" if language == "zh-hans" else language
    for entry in polib.pofile(str(po_path(directory, "djangojs"))):
        if entry.msgid == msgid:
            return entry.msgstr
    raise AssertionError(f"{msgid!r} is not in the {language} djangojs catalogue")


def _context(browser, live_server, username, language):
    context = _signed_in_context(browser, live_server, username)
    context.set_extra_http_headers({"Accept-Language": language})
    return context


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_scripts_write_is_in_the_page_language(browser, live_server, world,  # noqa: F811
                                                    language):
    plain, patterns, translated = _catalogue(language)
    data = _stored_texts()
    slug = world["review"].slug
    found = []
    # The dashboard's charts, drawn by dashboard.js with Plotly (axis titles, colour bar).
    context = _context(browser, live_server, None, language)
    page = context.new_page()
    page.goto(live_server.url + reverse("coding:dashboard", args=[slug]))
    _settle(page)
    axes = page.locator("[data-chart] text.xtitle, [data-chart] text.ytitle").all_inner_texts()
    assert len(axes) >= 10
    # Translated axis titles (longer in Spanish) still lie inside their chart's drawing.
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.reload()
        _settle(page)
        found += [f"dashboard at {width} px: axis title cut off: {title}"
                  for title in page.evaluate(CLIPPED_AXIS_TITLES)]
    found += [f"dashboard: {p}" for p in untranslated_pieces(
        page.evaluate(DOM_TEXT), plain, patterns, data, translated)]
    context.close()
    # The coding form: its save state after an edit, and the help's "more" toggles.
    context = _context(browser, live_server, "coder_a", language)
    page = context.new_page()
    page.goto(live_server.url + reverse("coding:coding_form", args=[slug, "1"]))
    _settle(page)
    page.locator("textarea:not([readonly]):visible").first.fill("Tenants run the scheme")
    state = page.locator("#save-state")
    unsaved, saving = (_js_translation(language, "Unsaved changes"),
                       _js_translation(language, "Saving…"))
    page.wait_for_function(
        "texts => texts.includes(document.getElementById('save-state').textContent.trim())",
        arg=[unsaved, saving], timeout=10_000)
    # Autosave (a moment after the edit) writes "Saved <time>" in the page's language.
    saved = max(_js_translation(language, "Saved %(time)s").split("%(time)s"), key=len).strip()
    page.wait_for_function(
        "prefix => document.getElementById('save-state').textContent.includes(prefix)",
        arg=saved, timeout=10_000)
    assert "Saved" not in state.inner_text()
    found += [f"coding page: {p}" for p in untranslated_pieces(
        page.evaluate(DOM_TEXT), plain, patterns, data, translated)]
    context.close()
    assert found == [], f"English interface strings in {language}:\n" + "\n".join(
        dict.fromkeys(found))


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
def test_main_pages_pass_axe_in_each_language(browser, live_server, world,  # noqa: F811
                                              language):
    found: list[str] = []
    contexts = {}
    for name, (username, path) in main_pages(world).items():
        if username not in contexts:
            contexts[username] = _context(browser, live_server, username, language)
        page = contexts[username].pages[0] if contexts[username].pages \
            else contexts[username].new_page()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(live_server.url + path)
            assert response.status == 200, (name, response.status)
            assert page.locator("html").get_attribute("lang") == language, name
            _settle(page)
            found += [f"{name} at {width} px: {v}" for v in _serious_violations(page)]
    for context in contexts.values():
        context.close()
    assert found == [], "\n".join(found)


# In a right-to-left page: text cut off by the window's edges (outside any element that
# scrolls or clips on purpose: a wide table's wrapper, a chart), and controls drawn over one
# another (neither inside the other).
LAYOUT_PROBLEMS = """() => {
  const width = document.documentElement.clientWidth;
  const shown = el => {
    const r = el.getBoundingClientRect(), style = getComputedStyle(el);
    return r.width > 3 && r.height > 3 && style.visibility !== "hidden"
      && !el.closest("svg, .textLayer, [hidden], .visually-hidden, "
                     + "details:not([open]) > :not(summary)");
  };
  const clipped = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX !== "visible" || s.position === "fixed") return true;
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : "")
    + " “" + (el.innerText || el.value || el.getAttribute("aria-label") || "")
               .trim().slice(0, 40) + "”";
  const problems = [];
  const textual = [...document.body.querySelectorAll("*")].filter(el =>
    [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) && shown(el));
  for (const el of textual) {
    const r = el.getBoundingClientRect();
    if ((r.left < -1 || r.right > width + 1) && !clipped(el)) {
      problems.push("cut off: " + name(el) + " at " + Math.round(r.left) + "–"
                    + Math.round(r.right));
    }
  }
  const controls = [...document.body.querySelectorAll(
    "a, button, input:not([type=hidden]), select, textarea, summary")].filter(shown);
  // Each line's box of a link that wraps (its bounding box spans both lines).
  const boxes = controls.map(el => [...el.getClientRects()]);
  const overlapping = (first, second) => first.some(a => second.some(b =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > 3
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 3));
  for (let i = 0; i < controls.length; i++) {
    for (let j = i + 1; j < controls.length; j++) {
      if (overlapping(boxes[i], boxes[j]) && !controls[i].contains(controls[j])
          && !controls[j].contains(controls[i])
          && !controls[i].closest("label")?.contains(controls[j])
          && !controls[j].closest("label")?.contains(controls[i])) {
        problems.push("overlap: " + name(controls[i]) + " and " + name(controls[j]));
      }
    }
  }
  if (document.documentElement.scrollWidth > width + 1) {
    problems.push("the page is " + document.documentElement.scrollWidth + " px wide");
  }
  return problems;
}"""


def test_main_pages_lay_out_right_to_left_without_overlap_or_cut_off(
        browser, live_server, world, settings):  # noqa: F811
    """Arabic (offered with RTL_LAYOUT_LANGUAGE=1, no catalogue of its own: the words stay
    English) turns the main pages right to left; at both widths nothing is cut off by the
    window's edge or drawn over another control."""
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "العربية")]
    found: list[str] = []
    contexts = {}
    for name, (username, path) in main_pages(world).items():
        if username not in contexts:
            contexts[username] = _context(browser, live_server, username, "ar")
        page = contexts[username].pages[0] if contexts[username].pages \
            else contexts[username].new_page()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            response = page.goto(live_server.url + path)
            assert response.status == 200, (name, response.status)
            assert page.locator("html").get_attribute("dir") == "rtl", name
            assert page.evaluate("getComputedStyle(document.querySelector('main')).direction") \
                == "rtl", name
            _settle(page)
            found += [f"{name} at {width} px: {p}" for p in page.evaluate(LAYOUT_PROBLEMS)]
    for context in contexts.values():
        context.close()
    assert found == [], "\n".join(dict.fromkeys(found))

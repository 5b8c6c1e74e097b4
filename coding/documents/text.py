"""Text of a document, extracted once after upload (a background task, coding/documents/tasks.py)
and stored for search (and, later, anchors).

PDF pages are separated by a form feed ("\\f"), so page n's text is text.split("\\f")[n - 1].
"""

import io
import logging
from html.parser import HTMLParser

from pypdf import PdfReader

from coding.models import DocumentType

log = logging.getLogger(__name__)
PAGE_BREAK = "\f"
BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
          "pre", "section", "article", "table", "ul", "ol", "dt", "dd", "hr"}


# Not part of the text a reader sees on the page (the <title> shows only in a tab).
HIDDEN = {"title", "script", "style", "template"}


class _TextOf(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in HIDDEN:
            self.hidden += 1
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.replace(PAGE_BREAK, " ").splitlines())
    out, blank = [], False
    for line in lines:
        if line or not blank:
            out.append(line)
        blank = not line
    return "\n".join(out).strip()


def extract_text(content_type: str, data: bytes) -> str:
    """The document's plain text ("" when a PDF has no text layer, e.g. a scan)."""
    if content_type == DocumentType.PDF:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        pages = []
        for number, page in enumerate(reader.pages, start=1):
            try:
                pages.append(_tidy(page.extract_text() or ""))
            except Exception:  # noqa: BLE001 - one unreadable page must not lose the others
                log.warning("No text from page %s of a PDF", number, exc_info=True)
                pages.append("")
        return PAGE_BREAK.join(pages) if any(pages) else ""
    text = data.decode("utf-8")
    if content_type == DocumentType.HTML:
        parser = _TextOf()
        parser.feed(text)
        parser.close()
        return _tidy("".join(parser.parts))
    return _tidy(text)

"""Text of a document, extracted once after upload (a background task, coding/documents/tasks.py)
and stored for search (and, later, anchors).

PDF pages are separated by a form feed ("\\f"), so page n's text is text.split("\\f")[n - 1].

`extract_text_bounded` runs the extraction in a child process (`python -m
coding.documents.text`) with a budget of wall seconds, memory (RLIMIT_AS) and pages
(settings.TEXT_EXTRACTION_LIMITS): a PDF whose pages are compression bombs, or one of 50,000
pages, costs the child its budget and never the worker's memory or time. This module
imports nothing of Django, so that the child starts in a fraction of a second.
"""

import io
import logging
import resource
import signal
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

from pypdf import PdfReader

log = logging.getLogger(__name__)
PDF, HTML = "application/pdf", "text/html"  # coding.models.DocumentType's values
# The child's exit codes (besides 0: the text is on its standard output).
TOO_MANY_PAGES, OUT_OF_MEMORY = 3, 4


class TextTooLarge(Exception):
    """The document needs more than the extraction's budget; `reason` says which."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


class TextUnreadable(Exception):
    """The extraction failed for another reason (a damaged file)."""
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


def extract_text(content_type: str, data: bytes, *, max_pages: int | None = None) -> str:
    """The document's plain text ("" when a PDF has no text layer, e.g. a scan); in this
    process, without a budget but for the pages (TextTooLarge)."""
    if content_type == PDF:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            reader.decrypt("")
        if max_pages is not None and len(reader.pages) > max_pages:
            raise TextTooLarge(f"{len(reader.pages):,} pages, more than {max_pages:,}")
        pages = []
        for number, page in enumerate(reader.pages, start=1):
            try:
                pages.append(_tidy(page.extract_text() or ""))
            except MemoryError:  # over the child's budget: the whole document is too large
                raise
            except Exception:  # noqa: BLE001 - one unreadable page must not lose the others
                log.warning("No text from page %s of a PDF", number, exc_info=True)
                pages.append("")
        return PAGE_BREAK.join(pages) if any(pages) else ""
    text = data.decode("utf-8")
    if content_type == HTML:
        parser = _TextOf()
        parser.feed(text)
        parser.close()
        return _tidy("".join(parser.parts))
    return _tidy(text)


def extract_text_bounded(content_type: str, data: bytes, *, limits: dict) -> str:
    """extract_text in a child process with `limits` {"seconds", "memory_mb", "pages"}.
    Raises TextTooLarge when the document needs more, TextUnreadable when it fails."""
    command = [sys.executable, "-m", "coding.documents.text", content_type,
               str(limits["memory_mb"]), str(limits["pages"]), str(limits["seconds"])]
    try:
        done = subprocess.run(  # noqa: S603 - our own module, no shell, no user input in argv
            command, input=data, capture_output=True, timeout=limits["seconds"],
            cwd=Path(__file__).resolve().parents[2], check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed the child
        raise TextTooLarge(f"more than {limits['seconds']} seconds") from None
    if done.returncode == 0:
        return done.stdout.decode("utf-8")
    if done.returncode == TOO_MANY_PAGES:
        raise TextTooLarge(done.stderr.decode("utf-8", "replace").strip())
    if done.returncode == OUT_OF_MEMORY or done.returncode in (
        -signal.SIGKILL, -signal.SIGXCPU, -signal.SIGSEGV, -signal.SIGABRT
    ):
        # Killed, or out of address space (which may also end in a crash of a C library).
        raise TextTooLarge(f"more than {limits['memory_mb']} MB of memory")
    tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no message"]
    raise TextUnreadable(f"exit code {done.returncode}: {tail[0]}")


def _child(argv: list[str]) -> int:
    content_type, memory_mb, pages, seconds = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    data = sys.stdin.buffer.read()
    try:
        text = extract_text(content_type, data, max_pages=pages)
    except TextTooLarge as error:
        sys.stderr.write(error.reason)
        return TOO_MANY_PAGES
    except MemoryError:
        return OUT_OF_MEMORY
    sys.stdout.buffer.write(text.encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))

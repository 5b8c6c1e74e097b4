"""Small PDFs made in the tests: a hand-written one with text per page, optionally with a
JavaScript action, and one with document-level JavaScript written by pypdf."""

import io

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def minimal_pdf(
    pages: list[str] | None = None, *, javascript: str | None = None, hide_names: bool = False
) -> bytes:
    """A valid PDF with a text in Helvetica per page (a line per "\n" in it); with
    `javascript`, the catalog opens with a JavaScript action (what a malicious PDF does).
    `hide_names` writes the names with #-escapes (/J#53), which a byte search misses but a
    PDF reader decodes."""
    pages = pages or ["A fictional case report for tests."]
    objects: list[bytes] = []
    n_pages = len(pages)
    first_page = 4
    font = first_page + 2 * n_pages
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(n_pages))
    catalog = b"<< /Type /Catalog /Pages 2 0 R"
    if javascript:
        catalog += b" /OpenAction 3 0 R"
    objects.append(catalog + b" >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    if javascript:
        s_name, js_name = ("/Java#53cript", "/J#53") if hide_names else ("/JavaScript", "/JS")
        objects.append(
            f"<< /Type /Action /S {s_name} {js_name} ({_escape(javascript)}) >>".encode()
        )
    else:
        objects.append(b"<< >>")
    for i, text in enumerate(pages):
        lines = " 0 -16 Td ".join(f"({_escape(line)}) Tj" for line in text.split("\n"))
        content = f"BT /F1 12 Tf 72 720 Td {lines} ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents "
            f"{first_page + 2 * i + 1} 0 R /Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out.getvalue()


def pypdf_with_javascript(script: str = "app.alert('hi');") -> bytes:
    """A PDF written by pypdf whose catalog's /Names tree holds document-level JavaScript."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    action = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"),
        NameObject("/JS"): TextStringObject(script),
    }))
    writer._root_object[NameObject("/Names")] = DictionaryObject({
        NameObject("/JavaScript"): DictionaryObject({
            NameObject("/Names"): ArrayObject([TextStringObject("init"), action]),
        }),
    })
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

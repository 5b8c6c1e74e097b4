"""Small PDFs made in the tests: a hand-written one with text per page, optionally with a
JavaScript action, and one with document-level JavaScript written by pypdf."""

import io

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)


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


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(kind: str, **entries) -> DictionaryObject:
    action = DictionaryObject({NameObject("/Type"): NameObject("/Action"),
                               NameObject("/S"): NameObject(kind)})
    for key, value in entries.items():
        action[NameObject(f"/{key}")] = value
    return action


def pdf_with_active_content(kind: str) -> bytes:
    """A one-page PDF written by pypdf holding one kind of active content, each where a
    malicious PDF puts it: catalogue, page, annotation, names tree or form."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    root = writer._root_object
    if kind == "launch":  # the catalogue's open action starts a program
        root[NameObject("/OpenAction")] = writer._add_object(
            _action("/Launch", F=TextStringObject("cmd.exe")))
    elif kind == "uri_javascript":  # a link annotation whose address is a script
        annotation = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0),
                                              NumberObject(50), NumberObject(50)]),
            NameObject("/A"): _action("/URI", URI=TextStringObject(" JavaScript:alert(1)")),
        })
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    elif kind == "submit_form":  # the page's additional action on open posts to a server
        page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _action(
            "/SubmitForm", F=TextStringObject("https://example.org/collect"))})
    elif kind == "goto_remote":  # the catalogue's document-close action opens another file
        root[NameObject("/AA")] = DictionaryObject({NameObject("/WC"): _action(
            "/GoToR", F=TextStringObject("other.pdf"), D=ArrayObject([NumberObject(0)]))})
    elif kind == "xfa":  # an XFA form (which carries scripts in its XML)
        root[NameObject("/AcroForm")] = DictionaryObject({
            NameObject("/Fields"): ArrayObject(),
            NameObject("/XFA"): writer._add_object(StreamObject()),
        })
    elif kind == "embedded_file":  # the names tree of embedded files
        writer.add_attachment("run.exe", b"MZ not really")
    elif kind == "javascript_next":  # JavaScript chained behind a harmless action
        root[NameObject("/OpenAction")] = _action(
            "/GoTo", D=ArrayObject([NumberObject(0)]),
            Next=_action("/JavaScript", JS=TextStringObject("app.alert(1)")))
    elif kind == "https_link":  # an ordinary web link: accepted
        annotation = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0),
                                              NumberObject(50), NumberObject(50)]),
            NameObject("/A"): _action("/URI", URI=TextStringObject("https://example.org/")),
        })
        page[NameObject("/Annots")] = ArrayObject([writer._add_object(annotation)])
    else:
        raise ValueError(kind)
    return _written(writer)


def pdf_with_pages(count: int) -> bytes:
    """A PDF of `count` pages that are one page object listed `count` times (a few bytes
    per page): what an 8 MB file of 50,000 pages looks like."""
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    pages = writer._root_object["/Pages"]
    kids = pages["/Kids"]
    first = kids[0]
    kids.extend([first] * (count - 1))
    pages[NameObject("/Count")] = NumberObject(count)
    return _written(writer)


def pdf_with_compression_bombs(pages: int = 3, megabytes: int = 20) -> bytes:
    """A PDF whose every page's content stream is /FlateDecode of `megabytes` MB of text
    operators (a few hundred times smaller compressed): each page costs a text extractor
    seconds and hundreds of megabytes."""
    import zlib

    compressor = zlib.compressobj(9)
    line = b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n"
    chunk = line * (1024 * 1024 // len(line))
    bomb = b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    for _ in range(pages):
        stream = StreamObject()
        stream._data = bomb
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        page = writer.add_blank_page(width=200, height=200)
        page[NameObject("/Contents")] = writer._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject(
            {NameObject("/F1"): font})})
    return _written(writer)

"""Hostile resume files, generated (never stored as binaries): each is small on the wire and
costs a careless parser seconds, gigabytes or a traceback."""

from __future__ import annotations

import io
import zipfile
import zlib

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_HEAD = f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{_W}"><w:body>'.encode()
_RESUME_PARAGRAPHS = (
    b"<w:p><w:r><w:t>Jordan Rivera, backend engineer</w:t></w:r></w:p>"
    b"<w:p><w:r><w:t>Python, PostgreSQL and Kafka at a Series A startup since 2021"
    b"</w:t></w:r></w:p>"
)
_TAIL = b"</w:body></w:document>"


def _docx(
    document_chunks: list[bytes] | None = None,
    *,
    repeat: tuple[bytes, int] = (b"", 0),
    extra_parts: int = 0,
) -> bytes:
    """A minimal .docx whose document.xml is written in chunks (so a gigabyte never sits in
    memory here) from ``document_chunks`` plus ``repeat[0]`` written ``repeat[1]`` times."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(_HEAD + _RESUME_PARAGRAPHS)
            for chunk in document_chunks or []:
                part.write(chunk)
            block, times = repeat
            if times:
                batch = block * max(1, (1 << 20) // max(1, len(block)))
                full, rest = divmod(times * len(block), len(batch))
                for _ in range(full):
                    part.write(batch)
                part.write(block * (rest // max(1, len(block))))
            part.write(_TAIL)
        for i in range(extra_parts):
            archive.writestr(f"word/media/part{i}.xml", "<x/>")
    return out.getvalue()


def docx_bomb(inflated_bytes: int = 1 << 30) -> bytes:
    """A .docx under 1 MB whose document.xml inflates to ``inflated_bytes`` (whitespace)."""
    return _docx(repeat=(b" " * 4096, inflated_bytes // 4096))


def docx_many_paragraphs(paragraphs: int = 10_000_000) -> bytes:
    """A .docx of tens of KB holding ``paragraphs`` empty paragraphs."""
    return _docx(repeat=(b"<w:p/>", paragraphs))


def docx_many_parts(parts: int = 5_000) -> bytes:
    return _docx(extra_parts=parts)


def _pdf(content: bytes, form: bytes | None = None) -> bytes:
    """A one-page PDF whose page content stream is ``content`` (deflated); with ``form``,
    the page also draws a form XObject of that content."""
    return _pdf_raw(zlib.compress(content, 9), form)


def pdf_text_runs(runs: int = 200_000) -> bytes:
    """A one-page PDF of ~tens of KB that shows ``runs`` separate one-letter text runs."""
    body = b"BT /F1 9 Tf 40 750 Td (Jordan Rivera, backend engineer, Python and Kafka) Tj "
    return _pdf(body + b"(a) Tj " * runs + b"ET")


def pdf_text_in_a_form(runs: int = 200_000) -> bytes:
    """The text runs hidden in a form XObject the page draws, not in the page's own stream."""
    body = b"BT /F1 9 Tf 40 750 Td (Jordan Rivera, backend engineer, Python and Kafka) Tj "
    return _pdf(b"q /X1 Do Q", form=body + b"(a) Tj " * runs + b"ET")


def pdf_many_operators(operators: int = 250_000) -> bytes:
    """A one-page PDF of a few KB with ``operators`` text-matrix operators and one line."""
    body = b"BT /F1 9 Tf 40 750 Td (Jordan Rivera, backend engineer, Python and Kafka) Tj "
    return _pdf(body + b"1 0 0 1 0 0 Tm\n" * operators + b"ET")


def pdf_flate_bomb(inflated_bytes: int = 200 * 1024 * 1024) -> bytes:
    """A PDF whose content stream inflates to ``inflated_bytes`` (more than pypdf allows)."""
    compressor = zlib.compressobj(9)
    chunk = b" " * (1 << 20)
    stream = b"".join(compressor.compress(chunk) for _ in range(inflated_bytes >> 20))
    stream += compressor.flush()
    return _pdf_raw(stream)


def _pdf_raw(deflated: bytes, form: bytes | None = None) -> bytes:
    """A one-page PDF (Helvetica as F1) whose page content stream is ``deflated``."""
    fonts = b"/Font << /F1 5 0 R >>"
    xobjects = b" /XObject << /X1 6 0 R >>" if form is not None else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << " + fonts + xobjects + b" >> >>",
        _stream(b"/Filter /FlateDecode", deflated),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if form is not None:
        objects.append(
            _stream(
                b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Filter /FlateDecode "
                b"/Resources << " + fonts + b" >>",
                zlib.compress(form, 9),
            )
        )
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _stream(entries: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n" % (entries, len(data)) + data + b"\nendstream"

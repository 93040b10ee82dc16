"""Resume files: the text out of a PDF, DOCX or plain-text file, read within fixed bounds.

Files are recognised by their content (magic bytes), never by their name. Every bound a
hostile file could push is checked here, before the expensive step it protects, so every
caller (the careers page, CSV imports, any later API) is protected alike: the file's size,
how far a DOCX unpacks and how many parts and paragraphs it has, how many bytes of drawing
instructions and how many pieces of text a PDF's pages hold, how long reading may take, and
how much text comes out. A resume is a few pages, so each bound sits far above any real one
(ten dense pages are about 40,000 characters) and far below what costs the server seconds.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from dataclasses import dataclass
from typing import Any

MAX_BYTES = 5 * 1024 * 1024
MIN_TEXT_CHARS = 30
MAX_TEXT_CHARS = 100_000
MAX_PDF_PAGES = 50
# The pages' content streams (and the forms they draw), inflated: their bytes, their tokens
# (operators and operands; pypdf reads about 100,000 a second) and their text-showing
# operators. A one-page resume has tens of kilobytes, a few thousand tokens and a few
# hundred pieces of text.
MAX_PDF_CONTENT_BYTES = 2 * 1024 * 1024
# Any one PDF stream, inflated (pypdf's own default is 75 MB, which a flate bomb reaches
# with 150 MB of peak memory). Generous for a resume: embedded fonts are the largest parts.
MAX_PDF_STREAM_BYTES = 16 * 1024 * 1024
MAX_PDF_TOKENS = 100_000
MAX_PDF_TEXT_RUNS = 20_000
MAX_DOCX_PARTS = 1_000
MAX_DOCX_UNPACKED_BYTES = 40 * 1024 * 1024  # every part, inflated (pictures included)
MAX_DOCX_XML_BYTES = 8 * 1024 * 1024  # any one XML part, inflated
MAX_DOCX_PARAGRAPHS = 10_000
MAX_SECONDS = 5.0

_TEXT_RUN = re.compile(rb"(?<![A-Za-z])(?:Tj|TJ|'|\")(?![A-Za-z])")
# Each token starts after a space or line break or with a delimiter; counting those bytes
# (C speed) bounds the tokens from above without parsing.
_TOKEN_STARTS = (b" ", b"\n", b"\r", b"(", b"[", b"<", b"/")
_PARAGRAPH = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?p[\s/>]")
_CHUNK = 1 << 16


class ResumeFileError(ValueError):
    """The uploaded file cannot be read as a resume; the message says why, for the user."""


@dataclass(frozen=True)
class ExtractedText:
    kind: str  # "pdf", "docx" or "text"
    text: str
    pages: int


def detect_kind(data: bytes) -> str:
    """'pdf', 'docx' or 'text' from the bytes themselves; ResumeFileError otherwise."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            raise ResumeFileError("The file looks like a damaged Word document.") from None
        raise ResumeFileError(
            "The file is not a Word document: upload your resume as a PDF, a Word document "
            "(.docx) or a plain-text file."
        )
    sample = data[:4096]
    if b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ResumeFileError(
            "Unsupported file type: upload your resume as a PDF, a Word document (.docx) "
            "or a plain-text file."
        )
    return "text"


def extract_text(data: bytes, *, max_seconds: float = MAX_SECONDS) -> ExtractedText:
    """The text of a resume file (PDF, DOCX or plain text), checked by content and bounds."""
    if not data:
        raise ResumeFileError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ResumeFileError("The file is larger than 5 MB; upload a smaller copy of your resume.")
    kind = detect_kind(data)
    deadline = time.monotonic() + max_seconds
    if kind == "pdf":
        text, pages = _pdf_text(data, deadline)
    elif kind == "docx":
        text, pages = _docx_text(data), 1
    else:
        text, pages = _plain_text(data), 1
    if len(text) > 2 * MAX_TEXT_CHARS:  # before tidying, which is linear but not free
        _too_much_text()
    text = _tidy(text)
    if len(text) > MAX_TEXT_CHARS:
        _too_much_text()
    if len(text) < MIN_TEXT_CHARS:
        raise ResumeFileError(
            "No text found in the file. If it is a scan or a photo, upload a PDF or Word "
            "document whose text can be selected."
        )
    return ExtractedText(kind, text, pages)


def _too_much_text() -> None:
    raise ResumeFileError(
        f"The file holds more than {MAX_TEXT_CHARS:,} characters of text; a resume is far "
        "shorter. Upload your resume on its own."
    )


# ----------------------------------------------------------------------------- PDF


def _pdf_text(data: bytes, deadline: float) -> tuple[str, int]:
    from pypdf import apply_configuration

    # Scoped to this call (a context variable), so other pypdf users keep their limits.
    with apply_configuration(
        zlib_maximum_output_length=MAX_PDF_STREAM_BYTES,
        maximum_declared_stream_length=MAX_PDF_STREAM_BYTES,
        lzw_maximum_output_length=MAX_PDF_STREAM_BYTES,
        run_length_maximum_output_length=MAX_PDF_STREAM_BYTES,
        array_based_stream_maximum_output_length=MAX_PDF_STREAM_BYTES,
    ):
        return _read_pdf(data, deadline)


def _read_pdf(data: bytes, deadline: float) -> tuple[str, int]:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ResumeFileError(
                "The PDF is password-protected; save a copy without a password and upload that."
            )
        if len(reader.pages) > MAX_PDF_PAGES:
            raise ResumeFileError(
                f"The PDF has more than {MAX_PDF_PAGES} pages; a resume should be shorter."
            )
        _check_pdf_content(reader.pages)
        texts = []
        for page in reader.pages:
            if time.monotonic() > deadline:
                raise ResumeFileError(_TOO_SLOW)
            texts.append(page.extract_text() or "")
        return "\n".join(texts), len(reader.pages)
    except ResumeFileError:
        raise
    except LimitReachedError:
        raise ResumeFileError(
            "The PDF holds a compressed part that unpacks to far more than a resume; print "
            "your resume to a new PDF and upload that."
        ) from None
    except (PdfReadError, ValueError, KeyError, TypeError, OSError, RecursionError):
        raise ResumeFileError("The PDF is damaged and cannot be read.") from None


_TOO_SLOW = (
    "The file takes too long to read; a resume is far simpler. Print it to a new PDF or save "
    "it again, and upload that."
)


def _check_pdf_content(pages: Any) -> None:
    """Refuse before extracting text when the pages' drawing instructions (with the forms
    they draw) exceed :data:`MAX_PDF_CONTENT_BYTES` or :data:`MAX_PDF_TOKENS`, or show more than
    :data:`MAX_PDF_TEXT_RUNS` pieces of text: text extraction costs time per token."""
    size = tokens = runs = 0
    for page in pages:
        for stream in _content_streams(page):
            size += len(stream)
            tokens += sum(stream.count(start) for start in _TOKEN_STARTS)
            if size > MAX_PDF_CONTENT_BYTES or tokens > MAX_PDF_TOKENS:
                raise ResumeFileError(
                    "The PDF's pages hold far more drawing instructions than a resume; print "
                    "your resume to a new PDF and upload that."
                )
            runs += len(_TEXT_RUN.findall(stream))
            if runs > MAX_PDF_TEXT_RUNS:
                raise ResumeFileError(
                    f"The PDF shows more than {MAX_PDF_TEXT_RUNS:,} separate pieces of text; a "
                    "resume has far fewer. Print it to a new PDF and upload that."
                )


def _content_streams(page: Any) -> list[bytes]:
    """The page's content stream and the form XObjects it can draw (nested ones too, each
    object once), inflated."""
    contents = page.get_contents()
    streams = [contents.get_data()] if contents is not None else []
    seen: set[int] = set()
    resources = [page.get("/Resources")]
    while resources:
        found = resources.pop()
        found = found.get_object() if found is not None else None
        xobjects = found.get("/XObject") if found is not None else None
        for ref in (xobjects.get_object() if xobjects is not None else {}).values():
            form = ref.get_object()
            key = id(form)
            if key in seen or form.get("/Subtype") != "/Form":
                continue
            seen.add(key)
            streams.append(form.get_data())
            resources.append(form.get("/Resources"))
    return streams


# ----------------------------------------------------------------------------- DOCX


def _docx_text(data: bytes) -> str:
    import docx

    document_xml = _check_docx_package(data)
    if len(_PARAGRAPH.findall(document_xml)) > MAX_DOCX_PARAGRAPHS:
        raise ResumeFileError(
            f"The Word document has more than {MAX_DOCX_PARAGRAPHS:,} paragraphs; a resume is "
            "far shorter. Save it again or upload a PDF."
        )
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # noqa: BLE001 - python-docx raises many kinds on broken files
        raise ResumeFileError("The Word document is damaged and cannot be read.") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def _check_docx_package(data: bytes) -> bytes:
    """Unpack the DOCX in chunks, stopping at the first bound it passes (parts, bytes in all,
    bytes in one XML part), and return ``word/document.xml``; python-docx would otherwise
    inflate every part whole, however large."""
    damaged = ResumeFileError("The Word document is damaged and cannot be read.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if len(members) > MAX_DOCX_PARTS:
                raise ResumeFileError(
                    f"The Word document has more than {MAX_DOCX_PARTS:,} parts; a resume has "
                    "far fewer. Save it again or upload a PDF."
                )
            total, document = 0, b""
            for member in members:
                is_xml = member.filename.endswith((".xml", ".rels"))
                chunks, size = [], 0
                with archive.open(member) as part:
                    while chunk := part.read(_CHUNK):
                        size += len(chunk)
                        total += len(chunk)
                        if total > MAX_DOCX_UNPACKED_BYTES or (
                            is_xml and size > MAX_DOCX_XML_BYTES
                        ):
                            raise ResumeFileError(
                                "The Word document unpacks to far more than a resume; save it "
                                "again without large pictures, or upload a PDF."
                            )
                        if member.filename == "word/document.xml":
                            chunks.append(chunk)
                if chunks:
                    document = b"".join(chunks)
            return document
    except ResumeFileError:
        raise
    except Exception:  # noqa: BLE001 - zlib and zipfile raise many kinds on broken archives
        raise damaged from None


# ----------------------------------------------------------------------------- plain text


def _plain_text(data: bytes) -> str:
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _tidy(text: str) -> str:
    # Common mojibake in exported resumes, and runs of blank space.
    text = text.replace("\u00e2\u0080\u0093", "–").replace("\u00e2\u0080\u0099", "'")
    text = text.replace("\u00e2\u00a2", "•")
    text = re.sub(r"[ \t\u00a0]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()

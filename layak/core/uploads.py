"""Checks on evidence files (bukti dukung) that OPD upload for the KLA evaluation.

Accepted: PDF, JPEG, PNG and WebP images, Word and Excel documents (DOCX, XLSX and the
legacy 97-2003 DOC and XLS). Everything else is refused, CSV and SVG included. The type is
decided by the file's content, never by its name or by the content type the browser sent;
the name's extension must then agree with what the content is, so a file is always served
with the type it really has. A file is read once, in chunks, for its SHA-256 and never
whole into memory.

Why no detection library: this is an allowlist of seven formats, each told apart by a fixed
signature at offset 0 (``%PDF-``, ``FF D8 FF``, the PNG signature and IHDR, ``RIFF....WEBP``,
``PK\\x03\\x04``, the OLE2 signature), so a few explicit byte comparisons are the whole
check and cannot be widened by a library update. ``puremagic`` (maintained) ranks guesses
from hundreds of signatures and hints with the file name, which suits "what is this?" more
than "is this one of ours?"; ``filetype`` has had no release since 2022. Neither looks inside
containers, which is where the risk is (macros, embedded programs), so that is done here:
ZIP-based Office files with :mod:`zipfile`, legacy Office files with ``olefile``, the
maintained pure-Python OLE2 reader behind oletools. Reading the OLE2 directory is what tells
a Word document from an Excel workbook (so the extension can be checked), and an Office
file from a Windows installer (MSI), Outlook message or password-protected package that
share the same signature.

Uploads never reach the disk in clear (issue #11): :class:`MemoryOnlyUploadHandler` is the
only upload handler (``FILE_UPLOAD_HANDLERS``), so Django never spools a file to a temporary
file; services encrypt what must be kept before it is stored.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

import olefile  # type: ignore[import-untyped]  # olefile ships no type information
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from openpyxl.utils.exceptions import InvalidFileException

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# A ZIP-based document may declare at most this many times the upload limit, unpacked.
UNPACKED_FACTOR = 10

_CHUNK_BYTES = 64 * 1024
_HEAD_BYTES = 64
# Readers accept "%%EOF" anywhere in the last 1024 bytes of a PDF.
_PDF_TAIL_BYTES = 1024
_ZIP_MAX_MEMBERS = 10_000
_CONTENT_TYPES_MAX_BYTES = 2 * 1024 * 1024

_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_WEBP_CHUNKS = (b"VP8 ", b"VP8L", b"VP8X")
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_PROGRAM_SUFFIXES = (
    ".exe", ".dll", ".bat", ".cmd", ".com", ".scr", ".msi", ".js", ".jse", ".vbs", ".vbe",
    ".wsf", ".hta", ".ps1", ".jar", ".lnk", ".docm", ".dotm", ".xlsm", ".xltm", ".xlam",
)  # fmt: skip
# Windows PE, ELF, Mach-O (both byte orders, 32 and 64 bit), scripts with an interpreter line.
_PROGRAM_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"#!",
)
# VBA project storages of Word ("Macros") and Excel ("_VBA_PROJECT_CUR") 97-2003 files.
_OLE_MACRO_STORAGES = frozenset({"macros", "_vba_project_cur", "_vba_project", "vba"})

NOT_ACCEPTED = _("The file is not an accepted document type (PDF, image, Word or Excel).")
_MACROS = _(
    "Documents with macros are not accepted. Save it as a plain Word or Excel document "
    "(.docx, .xlsx) and upload it again."
)
_PROGRAM = _("The document contains an embedded program and cannot be accepted.")
_PASSWORD = _(
    "Password-protected documents are not accepted. Remove the password and upload the file again."
)


@dataclass(frozen=True)
class CheckedUpload:
    """What an accepted upload is: ``kind`` and ``content_type`` come from its content."""

    kind: str  # "pdf", "jpeg", "png", "webp", "docx", "xlsx" or "ole" (Word or Excel 97-2003)
    content_type: str  # the MIME type to serve it with
    size: int
    sha256: str  # hex digest of the whole content
    extension: str  # lower case and canonical: ".jpg" for JPEG, ".doc" or ".xls" for "ole"


@dataclass(frozen=True)
class _Format:
    kind: str
    content_type: str
    extension: str
    extensions: frozenset[str]
    label: StrOrPromise


_FORMATS = {
    "pdf": _Format("pdf", "application/pdf", ".pdf", frozenset({".pdf"}), _("a PDF document")),
    "jpeg": _Format("jpeg", "image/jpeg", ".jpg", frozenset({".jpg", ".jpeg"}), _("a JPEG image")),
    "png": _Format("png", "image/png", ".png", frozenset({".png"}), _("a PNG image")),
    "webp": _Format("webp", "image/webp", ".webp", frozenset({".webp"}), _("a WebP image")),
    "docx": _Format(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
        frozenset({".docx"}),
        _("a Word document (.docx)"),
    ),
    "xlsx": _Format(
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
        frozenset({".xlsx"}),
        _("an Excel workbook (.xlsx)"),
    ),
    "doc": _Format(
        "ole",
        "application/msword",
        ".doc",
        frozenset({".doc"}),
        _("a Word 97-2003 document (.doc)"),
    ),
    "xls": _Format(
        "ole",
        "application/vnd.ms-excel",
        ".xls",
        frozenset({".xls"}),
        _("an Excel 97-2003 workbook (.xls)"),
    ),
}

# For the ``accept`` attribute of file inputs and for help texts.
ACCEPTED_EXTENSIONS = tuple(sorted(ext for f in _FORMATS.values() for ext in f.extensions))


def check_upload(
    upload: UploadedFile | File[bytes],
    *,
    name: str | None = None,
    max_bytes: int | None = None,
) -> CheckedUpload:
    """Accept an evidence file or raise ``ValidationError`` saying why it is refused.

    ``name`` overrides the upload's own name; ``max_bytes`` overrides
    ``settings.LAYAK_UPLOAD_MAX_BYTES`` (20 MiB when unset). Error codes: ``upload_extension``
    (name not accepted, or not matching the content), ``upload_size`` (too large, or a ZIP
    that unpacks to more than ``UNPACKED_FACTOR`` times the limit), ``upload_empty`` and
    ``upload_type`` (content not accepted, macros, embedded programs, password protection).
    The file is left positioned at its start, accepted or not.
    """
    limit = max_bytes if max_bytes is not None else _configured_limit()
    extension = _extension_of(name if name is not None else upload.name)
    if extension not in ACCEPTED_EXTENSIONS:
        raise _unknown_extension(extension)
    declared = _declared_size(upload)
    if declared is not None and declared > limit:
        raise _too_large(limit)
    if upload.closed:
        upload.open("rb")
    try:
        size, sha256, head, tail = _scan(upload, limit)
        if size == 0:
            raise ValidationError(_("The file is empty."), code="upload_empty")
        detected = _FORMATS[_detect(upload, head, tail, limit)]
    finally:
        upload.seek(0)
    if extension not in detected.extensions:
        raise ValidationError(
            _(
                "The file name ends in “%(extension)s” but the file is %(detected)s. "
                "Rename it to end in “%(expected)s” and upload it again."
            ),
            code="upload_extension",
            params={
                "extension": extension,
                "detected": detected.label,
                "expected": detected.extension,
            },
        )
    return CheckedUpload(
        kind=detected.kind,
        content_type=detected.content_type,
        size=size,
        sha256=sha256,
        extension=detected.extension,
    )


def _configured_limit() -> int:
    return int(settings.LAYAK_UPLOAD_MAX_BYTES)


def _extension_of(filename: str | None) -> str:
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem:
        return ""
    return f".{suffix.lower()}"


def _unknown_extension(extension: str) -> ValidationError:
    if not extension:
        return ValidationError(
            _(
                "The file name has no extension. Upload a PDF, an image (JPEG, PNG, WebP), "
                "or a Word or Excel document."
            ),
            code="upload_extension",
        )
    return ValidationError(
        _(
            "Files ending in “%(extension)s” are not accepted. Upload a PDF, an image "
            "(JPEG, PNG, WebP), or a Word or Excel document."
        ),
        code="upload_extension",
        params={"extension": extension},
    )


def _too_large(limit: int) -> ValidationError:
    return ValidationError(
        _("The file is larger than %(limit)s, the largest size accepted."),
        code="upload_size",
        params={"limit": filesizeformat(limit)},
    )


def _refused(message: StrOrPromise = NOT_ACCEPTED) -> ValidationError:
    return ValidationError(message, code="upload_type")


def _declared_size(upload: UploadedFile | File[bytes]) -> int | None:
    """The size the upload says it has, when it can tell without being read."""
    try:
        size = upload.size
    except (AttributeError, OSError):  # File.size gives up with AttributeError
        return None
    return size if isinstance(size, int) else None


def _scan(upload: UploadedFile | File[bytes], limit: int) -> tuple[int, str, bytes, bytes]:
    """Size, SHA-256, first and last bytes; stops as soon as the limit is passed."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    tail = b""
    for chunk in upload.chunks(_CHUNK_BYTES):
        if not isinstance(chunk, bytes):
            raise TypeError("check_upload needs a file opened in binary mode")
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        digest.update(chunk)
        if len(head) < _HEAD_BYTES:
            head += chunk[: _HEAD_BYTES - len(head)]
        tail = (tail + chunk)[-_PDF_TAIL_BYTES:]
    return size, digest.hexdigest(), head, tail


def _detect(upload: UploadedFile | File[bytes], head: bytes, tail: bytes, limit: int) -> str:
    """The key in ``_FORMATS`` of what the content is; refuses anything else."""
    if head.startswith(b"%PDF-"):
        if b"%%EOF" not in tail:
            raise _refused(_("The PDF file is incomplete or damaged."))
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(_PNG_SIGNATURE) and head[12:16] == b"IHDR":
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP" and head[12:16] in _WEBP_CHUNKS:
        return "webp"
    if head.startswith(b"PK\x03\x04"):
        return _inspect_ooxml(upload, limit)
    if head.startswith(_OLE2_SIGNATURE):
        return _inspect_ole(upload)
    raise _refused()


def _inspect_ooxml(upload: UploadedFile | File[bytes], limit: int) -> str:
    try:
        with zipfile.ZipFile(upload) as archive:
            return _ooxml_kind(archive, limit)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        NotImplementedError,  # unsupported compression method
        OSError,
        RuntimeError,  # encrypted member
        ValueError,
        zlib.error,
    ) as exc:
        raise _refused() from exc


def _ooxml_kind(archive: zipfile.ZipFile, limit: int) -> str:
    """``docx`` or ``xlsx`` for a ZIP that is a plain Word or Excel document (ECMA-376 part 2)."""
    members = archive.infolist()
    if len(members) > _ZIP_MAX_MEMBERS:
        raise _refused()
    # Part names in an Office package are case-insensitive.
    by_name = {member.filename.lower(): member for member in members}
    content_types = by_name.get("[content_types].xml")
    is_word = "word/document.xml" in by_name
    is_excel = "xl/workbook.xml" in by_name
    if content_types is None or is_word == is_excel:
        raise _refused()
    if sum(member.file_size for member in members) > UNPACKED_FACTOR * limit:
        raise ValidationError(
            _("The document would unpack to more than %(limit)s and cannot be accepted."),
            code="upload_size",
            params={"limit": filesizeformat(UNPACKED_FACTOR * limit)},
        )
    for lower, member in by_name.items():
        if member.flag_bits & 0x1:
            raise _refused(_PASSWORD)
        if lower.endswith("vbaproject.bin"):
            raise _refused(_MACROS)
        if lower.endswith(_PROGRAM_SUFFIXES):
            raise _refused(_PROGRAM)
    if content_types.file_size > _CONTENT_TYPES_MAX_BYTES:
        raise _refused()
    with archive.open(content_types) as stream:
        declared_types = stream.read(_CONTENT_TYPES_MAX_BYTES + 1).lower()
    if b"macroenabled" in declared_types:
        raise _refused(_MACROS)
    if (_DOCX_MAIN if is_word else _XLSX_MAIN) not in declared_types:
        raise _refused()
    for member in members:
        if member.is_dir() or member.file_size < 2:
            continue
        with archive.open(member) as stream:
            if stream.read(4).startswith(_PROGRAM_SIGNATURES):
                raise _refused(_PROGRAM)
    return "docx" if is_word else "xlsx"


def _inspect_ole(upload: UploadedFile | File[bytes]) -> str:
    """``doc`` or ``xls`` for an OLE2 compound file that is a Word or Excel 97-2003 file."""
    paths = {tuple(part.lower() for part in path) for path in _ole_paths(upload)}
    top = {path[0] for path in paths if len(path) == 1}
    if {"encryptioninfo", "encryptedpackage"} <= top:
        # How Office stores a password-protected .docx or .xlsx (MS-OFFCRYPTO).
        raise _refused(_PASSWORD)
    if any(part in _OLE_MACRO_STORAGES for path in paths for part in path):
        raise _refused(_MACROS)
    is_word = "worddocument" in top
    is_excel = "workbook" in top or "book" in top  # BIFF8, BIFF5
    if is_word == is_excel:
        raise _refused()
    return "doc" if is_word else "xls"


def _ole_paths(upload: UploadedFile | File[bytes]) -> list[list[str]]:
    try:
        ole = olefile.OleFileIO(upload)
        try:
            listed = ole.listdir(streams=True, storages=True)
        finally:
            ole.close()
        return [[str(part) for part in path] for path in listed]
    except Exception as exc:  # any failure to parse an untrusted file means "not accepted"
        raise _refused() from exc


# A request may hold several files; together they never take more than this many times the
# per-file limit in memory.
REQUEST_FACTOR = 4


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Keep every uploaded file in memory, never in a temporary file (issue #11).

    Django's ``TemporaryFileUploadHandler`` writes large uploads to ``/tmp`` in clear; this is
    the only handler Layak configures. Bytes past ``LAYAK_UPLOAD_MAX_BYTES`` (per file) or
    ``REQUEST_FACTOR`` times that (per request) are read from the network but not kept: such a
    file arrives with its real ``size`` and no content, so :func:`check_upload` refuses it as
    too large before reading anything.
    """

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = _configured_limit()
        self.kept_in_request = 0
        self.buffer = io.BytesIO()
        self.received = 0
        self.oversized = False

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.received = 0
        self.oversized = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.oversized:
            return
        if self.received > self.limit or (
            self.kept_in_request + len(raw_data) > REQUEST_FACTOR * self.limit
        ):
            self.oversized = True
            self.kept_in_request -= self.buffer.tell()
            self.buffer = io.BytesIO()
            return
        self.buffer.write(raw_data)
        self.kept_in_request += len(raw_data)

    def file_complete(self, file_size: int) -> UploadedFile:
        self.buffer.seek(0)
        size = max(file_size, self.limit + 1) if self.oversized else file_size
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


#: What a damaged or truncated XLSX workbook raises while openpyxl opens and reads it: broken
#: ZIP data, broken XML (ElementTree's and lxml's parse errors are SyntaxErrors), missing
#: parts. Every workbook reader (instruments, history, indicator imports) catches these.
UNREADABLE_WORKBOOK: tuple[type[BaseException], ...] = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    KeyError,
    OSError,
    ValueError,
    SyntaxError,
)

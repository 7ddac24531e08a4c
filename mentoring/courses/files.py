"""What an uploaded material may be: checked by its extension AND by its content.

A name says what a file claims to be; the first bytes (or, for office documents, the zip
directory) say what it is. Both must agree with one of the allowed types, so a renamed
executable or an HTML page called `notes.pdf` is refused. The stored content type comes from
this table, never from the browser.
"""

import codecs
import os
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

_CHUNK = 64 * 1024
# OpenDocument keeps its type in a first, stored member this small.
_ODF_MIMETYPE_MAX = 200

Check = Callable[[IO[bytes]], bool]


def _starts_with(*signatures: bytes) -> Check:
    def check(stream: IO[bytes]) -> bool:
        stream.seek(0)
        head = stream.read(max(len(s) for s in signatures))
        return any(head.startswith(s) for s in signatures)

    return check


def _ooxml(folder: str) -> Check:
    """Office Open XML (docx, pptx, xlsx): a zip with `[Content_Types].xml` and its part."""

    def check(stream: IO[bytes]) -> bool:
        stream.seek(0)
        if stream.read(4) != b"PK\x03\x04":
            return False
        try:
            with zipfile.ZipFile(stream) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        return "[Content_Types].xml" in names and any(n.startswith(folder) for n in names)

    return check


def _odf(mimetype: str) -> Check:
    """OpenDocument (odt, odp, ods): a zip whose first member `mimetype` names the type."""

    def check(stream: IO[bytes]) -> bool:
        stream.seek(0)
        if stream.read(4) != b"PK\x03\x04":
            return False
        try:
            with zipfile.ZipFile(stream) as archive:
                members = archive.infolist()
                if not members or members[0].filename != "mimetype":
                    return False
                if members[0].file_size > _ODF_MIMETYPE_MAX:
                    return False
                return archive.read(members[0]) == mimetype.encode()
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
            return False

    return check


def _utf8_text(stream: IO[bytes]) -> bool:
    """Valid UTF-8 from start to end, and no NUL byte (which no text file has)."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(_CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@dataclass(frozen=True)
class FileType:
    label: str
    content_type: str
    check: Check


_ODF = "application/vnd.oasis.opendocument."
_OOXML = "application/vnd.openxmlformats-officedocument."
_PDF = FileType("PDF", "application/pdf", _starts_with(b"%PDF-"))
_JPEG = FileType("JPEG", "image/jpeg", _starts_with(b"\xff\xd8\xff"))

# By lower-case extension.
ALLOWED_TYPES: dict[str, FileType] = {
    "pdf": _PDF,
    "docx": FileType("Word", _OOXML + "wordprocessingml.document", _ooxml("word/")),
    "pptx": FileType("PowerPoint", _OOXML + "presentationml.presentation", _ooxml("ppt/")),
    "xlsx": FileType("Excel", _OOXML + "spreadsheetml.sheet", _ooxml("xl/")),
    "odt": FileType("OpenDocument text", _ODF + "text", _odf(_ODF + "text")),
    "odp": FileType(
        "OpenDocument presentation", _ODF + "presentation", _odf(_ODF + "presentation")
    ),
    "ods": FileType("OpenDocument spreadsheet", _ODF + "spreadsheet", _odf(_ODF + "spreadsheet")),
    "txt": FileType("text", "text/plain; charset=utf-8", _utf8_text),
    "md": FileType("Markdown", "text/markdown; charset=utf-8", _utf8_text),
    "csv": FileType("CSV", "text/csv; charset=utf-8", _utf8_text),
    "png": FileType("PNG", "image/png", _starts_with(b"\x89PNG\r\n\x1a\n")),
    "jpg": _JPEG,
    "jpeg": _JPEG,
}

ALLOWED_HELP = gettext_lazy(
    "PDF, Word, PowerPoint or Excel (.docx, .pptx, .xlsx), OpenDocument (.odt, .odp, .ods), "
    "text (.txt, .md, .csv in UTF-8), PNG or JPEG images."
)


def max_bytes() -> int:
    return int(settings.MATERIAL_MAX_MB) * 1024 * 1024


def clean_filename(name: str) -> str:
    """The name shown and offered on download: no folders, no control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(base) > 200:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 190 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else base[:200]
    return base or "file"


def extension(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def check_upload(upload: UploadedFile) -> FileType:
    """The allowed type the upload is, or a ValidationError on `file` saying why not."""
    name = clean_filename(upload.name or "")
    size = upload.size or 0
    if size == 0:
        raise ValidationError({"file": [_("This file is empty.")]})
    if size > max_bytes():
        raise ValidationError(
            {
                "file": [
                    _("This file is %(size)s MB; the limit is %(limit)s MB.")
                    % {"size": f"{size / (1024 * 1024):.1f}", "limit": settings.MATERIAL_MAX_MB}
                ]
            }
        )
    file_type = ALLOWED_TYPES.get(extension(name))
    if file_type is None:
        raise ValidationError(
            {
                "file": [
                    _("Files of this type cannot be uploaded. Allowed: %(types)s")
                    % {"types": ALLOWED_HELP}
                ]
            }
        )
    stream = upload.file
    if stream is None:
        raise ValidationError({"file": [_("This file could not be read.")]})
    try:
        ok = file_type.check(stream)
    finally:
        stream.seek(0)
    if not ok:
        raise ValidationError(
            {
                "file": [
                    _(
                        "The content of this file is not %(type)s, although its name ends in .%(ext)s."
                    )
                    % {"type": file_type.label, "ext": extension(name)}
                ]
            }
        )
    return file_type

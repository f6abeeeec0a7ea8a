"""What a file is, read from its bytes, and whether Fieldbook keeps it (plain Python, no Flask).

The media type is recognised from the bytes (`filetype`: magic numbers; docx/xlsx/pptx from the
parts of the zip), never taken from the name or the Content-Type the client sent: a name can say
anything. Text has no magic number: bytes that are UTF-8 with no control characters but tab and
line ends are text, CSV when the name says `.csv`. What is kept is an allow-list of the files an
office attaches to a record: PDF, images, office documents, text and CSV. A name whose extension
says another type than the bytes ("invoice.pdf" that is not a PDF) is refused: a download would
open it with the wrong program.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import filetype

# media type → the extensions a name may have for it (the first is the usual one)
ALLOWED: dict[str, tuple[str, ...]] = {
    "application/pdf": ("pdf",),
    "image/jpeg": ("jpg", "jpeg", "jpe"),
    "image/png": ("png",),
    "image/apng": ("png", "apng"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "image/tiff": ("tif", "tiff"),
    "image/bmp": ("bmp",),
    "image/heic": ("heic", "heif"),
    "application/msword": ("doc", "dot"),
    "application/vnd.ms-excel": ("xls", "xlt"),
    "application/vnd.ms-powerpoint": ("ppt", "pps"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
    "application/vnd.oasis.opendocument.presentation": ("odp",),
    "application/rtf": ("rtf",),
    "text/plain": ("txt", "text", "log", "md"),
    "text/csv": ("csv",),
}
# a name's extension → the media type it claims, for the message when the bytes say otherwise
CLAIMED = {ext: mime for mime, exts in ALLOWED.items() for ext in exts if mime != "image/apng"}
LABELS = {
    "application/pdf": "a PDF",
    "text/plain": "plain text",
    "text/csv": "a CSV file",
}

SNIFF_BYTES = 8192  # filetype reads no further; text is checked on the whole file
FILENAME_MAX = 255
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NOT_TEXT = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")  # tab, LF, FF, CR (and \x0c) are text


class Refused(ValueError):
    """The file is not one Fieldbook keeps; `reason` says why, for the 422 on `file`."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Recognised:
    media_type: str
    extension: str  # the usual extension of that type


def clean_filename(raw: str | None) -> str:
    """The name to keep: its last path segment, NFC, without control characters, at most 255
    characters (the extension kept). Refused when nothing is left."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name).strip().strip(".")
    if not name:
        raise Refused("The file needs a name (the multipart part's filename).")
    if len(name) > FILENAME_MAX:
        stem, dot, ext = name.rpartition(".")
        keep = ext if dot and len(ext) <= 10 else ""
        name = (stem if keep else name)[: FILENAME_MAX - len(keep) - 1 if keep else FILENAME_MAX]
        name = f"{name}.{keep}" if keep else name
    return name


def extension(name: str) -> str | None:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else None


def _is_text(data: bytes) -> bool:
    if _NOT_TEXT.search(data):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff(data: bytes, ext: str | None) -> str | None:
    """The media type the bytes are, or None when neither a known magic number nor text."""
    kind = filetype.guess(data[:SNIFF_BYTES])
    if kind is not None:
        return kind.mime
    if data and _is_text(data):
        return "text/csv" if ext == "csv" else "text/plain"
    return None


def recognise(data: bytes, filename: str) -> Recognised:
    """The file's media type from its bytes, checked against the allow-list and its name."""
    if not data:
        raise Refused("The file is empty.")
    ext = extension(filename)
    media_type = sniff(data, ext)
    if media_type is None or media_type not in ALLOWED:
        what = f"its content is {media_type}" if media_type else "its content is not a type Fieldbook knows"
        raise Refused(
            f"Not a file Fieldbook keeps ({what}): send a PDF, an image (JPEG, PNG, GIF, WebP, TIFF, "
            "BMP, HEIC), an office document (Word, Excel, PowerPoint, OpenDocument, RTF), text or CSV."
        )
    if ext is not None and ext not in ALLOWED[media_type]:
        claimed = CLAIMED.get(ext)
        says = LABELS.get(claimed or "", f"a .{ext} file")
        raise Refused(
            f"The name says {says} but the content is {LABELS.get(media_type, media_type)}: "
            f"name it .{ALLOWED[media_type][0]}, or send the file it claims to be."
        )
    return Recognised(media_type, ALLOWED[media_type][0])

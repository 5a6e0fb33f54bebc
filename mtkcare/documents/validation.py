"""What a document may be: decided by its content (its first bytes, read by ``filetype``), never
by its name or the browser's word. PDF, images, Office documents and plain text are allowed;
anything else — an executable renamed ``.pdf`` included — is refused with the reason."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import filetype

# How much of a file is read to decide what it is (filetype needs 262 bytes; a zip-based
# Office file is recognised from its first entries).
HEAD_BYTES = 8192


@dataclass(frozen=True)
class Kind:
    extension: str
    content_type: str
    label: str
    inline: bool  # a browser can show it itself (opened in a tab rather than downloaded)


ALLOWED: dict[str, Kind] = {
    k.extension: k
    for k in (
        Kind("pdf", "application/pdf", "PDF", True),
        Kind("jpg", "image/jpeg", "JPEG image", True),
        Kind("png", "image/png", "PNG image", True),
        Kind("gif", "image/gif", "GIF image", True),
        Kind("webp", "image/webp", "WebP image", True),
        Kind("heic", "image/heic", "HEIC image", False),
        Kind("tif", "image/tiff", "TIFF image", False),
        Kind("doc", "application/msword", "Word document", False),
        Kind(
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "Word document",
            False,
        ),
        Kind("xls", "application/vnd.ms-excel", "Excel workbook", False),
        Kind(
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Excel workbook",
            False,
        ),
        Kind("ppt", "application/vnd.ms-powerpoint", "PowerPoint presentation", False),
        Kind(
            "pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            "PowerPoint presentation",
            False,
        ),
        Kind("odt", "application/vnd.oasis.opendocument.text", "OpenDocument text", False),
        Kind("rtf", "application/rtf", "Rich text document", False),
        Kind("txt", "text/plain; charset=utf-8", "Plain text", True),
    )
}

ALLOWED_WORDS = "PDF, images (JPEG, PNG, GIF, WebP, HEIC, TIFF), Word, Excel, PowerPoint, OpenDocument text, RTF or plain text"


class FileRefused(ValueError):
    """Why a file cannot be a document (said to the uploader as it is)."""


def kind_of(head: bytes) -> Kind:
    """What the file is, from its first bytes; FileRefused when it is not an allowed kind."""
    if not head:
        raise FileRefused("The file is empty.")
    found = filetype.guess(head)
    if found is not None:
        kind = ALLOWED.get(found.extension)
        if kind is None:
            raise FileRefused(
                f"This file is {found.mime}, which cannot be stored. Allowed: {ALLOWED_WORDS}."
            )
        return kind
    if _is_text(head):
        return ALLOWED["txt"]
    raise FileRefused(f"This file's type could not be recognised. Allowed: {ALLOWED_WORDS}.")


_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _is_text(head: bytes) -> bool:
    """Plain UTF-8 text: decodes (allowing a character cut at the end of what was read) and
    holds no control characters but tab, line feed and carriage return."""
    if _CONTROL.search(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3 and exc.reason == "unexpected end of data"
    return True


_NAME_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]+')


def clean_file_name(raw: str, kind: Kind) -> str:
    """The name a file is shown and downloaded under: no folders, no control or reserved
    characters, at most 120 characters, and the extension of what it really is."""
    base = Path(unicodedata.normalize("NFC", raw or "").replace("\\", "/")).name
    stem = Path(base).stem if "." in base else base
    stem = _NAME_UNSAFE.sub("-", stem).strip(" .-") or "document"
    return f"{stem[:110]}.{kind.extension}"


def title_from(file_name: str) -> str:
    """A title from a file's name when the uploader gave none ("passport-scan.pdf" →
    "passport scan")."""
    stem = Path(file_name).stem
    words = re.sub(r"[_\-.]+", " ", stem).strip()
    return (words or "Document")[:200]

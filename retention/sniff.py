"""What an uploaded file really is, from its bytes (pure), checked against what the client declared.

A declared content type is never trusted alone: the bytes must carry the matching signature (PNG, JPEG,
GIF, WebP, PDF, ZIP, gzip) or decode as text for text types. `application/octet-stream` or no type means
"ask the bytes". Anything unrecognised is refused, so a script or executable cannot ride in as a "log".
"""

from __future__ import annotations

TEXT_TYPES = frozenset({"text/plain", "text/csv", "application/json"})
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"PK\x07\x08", "application/zip"),
    (b"\x1f\x8b\x08", "application/gzip"),
)
_ALIASES = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "application/x-zip-compressed": "application/zip",
    "application/x-zip": "application/zip",
    "application/x-gzip": "application/gzip",
    "text/x-log": "text/plain",
    "text/log": "text/plain",
    "application/x-log": "text/plain",
}
_UNKNOWN = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/unknown"})
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v\x1b")


class UploadRefused(Exception):
    """The reason, fit to show the uploader (never the file's content)."""


def normalize_type(declared: str | None) -> str | None:
    """'Image/JPG; charset=x' -> 'image/jpeg'; unknown/generic -> None (decide from the bytes)."""
    if declared is None:
        return None
    base = declared.split(";", 1)[0].strip().lower()
    base = _ALIASES.get(base, base)
    return None if base in _UNKNOWN else base


def looks_like_text(data: bytes) -> bool:
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            return False
    else:
        if b"\x00" in data:
            return False
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return False
    controls = sum(1 for ch in text if (ord(ch) < 32 or ord(ch) == 127) and ch not in _ALLOWED_CONTROLS)
    return controls <= max(1, len(text) // 100)


def sniff(data: bytes) -> str | None:
    """The content type the bytes show ('text/plain' for text), or None when unrecognised."""
    for magic, ctype in _SIGNATURES:
        if data.startswith(magic):
            return ctype
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return "text/plain" if looks_like_text(data) else None


def check_upload(declared: str | None, data: bytes, allowed: tuple[str, ...] | frozenset[str]) -> str:
    """The content type to store, or UploadRefused saying clearly why not."""
    allowed_list = ", ".join(sorted(allowed))
    if not data:
        raise UploadRefused("the file is empty")
    claimed = normalize_type(declared)
    if claimed is not None and claimed not in allowed:
        raise UploadRefused(f"files of type {claimed} are not accepted; accepted types: {allowed_list}")
    found = sniff(data)
    if found is None:
        what = f"a {claimed} file" if claimed else "a file type we accept"
        raise UploadRefused(f"the file's contents do not look like {what}; accepted types: {allowed_list}")
    if claimed is None:
        result = found
    elif found == "text/plain":
        if claimed not in TEXT_TYPES:
            raise UploadRefused(f"the file says it is {claimed} but its contents are text")
        result = claimed
    elif found != claimed:
        raise UploadRefused(f"the file says it is {claimed} but its contents look like {found}")
    else:
        result = found
    if result not in allowed:
        raise UploadRefused(f"files of type {result} are not accepted; accepted types: {allowed_list}")
    return result

"""Uploaded files (上传文件): what a file really is, and which of its bytes we keep.

Pure: bytes in, bytes out; no disk, no database. The type of a file is read from its
content, never from its name or the type the browser declared, and a file is kept only
if it also parses as that type: a renamed program is refused, a renamed PNG is a PNG.
Images are re-encoded without their metadata (EXIF with GPS, XMP, comments, colour
profiles), because a photo of a form says where and with which phone it was taken.
"""

from __future__ import annotations

import hashlib
import math
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from io import BytesIO
from typing import Any

import puremagic
from PIL import ExifTags, Image, ImageCms, ImageOps
from pypdf import PdfReader
from pypdf.errors import FileNotDecryptedError

from tongban.errors import BadInput


class MediaType(StrEnum):
    """The types the kernel can verify and clean; callers accept a subset."""

    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"

    @property
    def label(self) -> str:
        return self.name


ALL_TYPES: frozenset[MediaType] = frozenset(MediaType)
IMAGES: frozenset[MediaType] = frozenset({MediaType.JPEG, MediaType.PNG})

# A 600 dpi A4 scan is 35 megapixels and phone photos are 12 to 50; past this a small
# compressed file could still decode to gigabytes of pixels.
MAX_PIXELS = 50_000_000
JPEG_QUALITY = 95
# Where a complete PDF keeps its end marker: writers may append a few bytes after it.
PDF_TAIL = 1024
_PIL_FORMATS = {MediaType.JPEG: "JPEG", MediaType.PNG: "PNG"}
_NAME_LIMIT = 80
_MIB = 1024 * 1024


# --- errors ------------------------------------------------------------------------


def shown_name(name: str) -> str:
    """The file name as it may appear in a message: last path part, no control characters, short.

    Browsers may send a full path (``C:\\fakepath\\x.pdf``) and a name is the uploader's text.
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    clean = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return clean if len(clean) <= _NAME_LIMIT else clean[: _NAME_LIMIT - 1] + "…"


class FileRefused(BadInput):
    """An upload that is not kept; ``name`` is the file's name as the uploader gave it."""

    def __init__(self, name: str, message_zh: str, message_en: str) -> None:
        super().__init__(message_zh, message_en)
        self.name = name


def _zh(name: str) -> str:
    shown = shown_name(name)
    return f"文件 {shown} " if shown else "文件"


def _en(name: str) -> str:
    return shown_name(name) or "the file"


class FileEmpty(FileRefused):
    def __init__(self, name: str) -> None:
        super().__init__(name, f"{_zh(name)}是空的", f"{_en(name)} is empty")


class FileTooLarge(FileRefused):
    def __init__(self, name: str, max_bytes: int) -> None:
        limit = f"{max_bytes / _MIB:g} MB"
        super().__init__(name, f"{_zh(name)}超过 {limit} 上限", f"{_en(name)} is larger than the {limit} limit")
        self.max_bytes = max_bytes


class ImageTooLarge(FileRefused):
    """Few bytes but too many pixels: refused before the pixels are decoded."""

    def __init__(self, name: str, max_pixels: int = MAX_PIXELS) -> None:
        super().__init__(
            name,
            f"{_zh(name)}超过 {max_pixels / 10_000:g} 万像素上限",
            f"{_en(name)} is larger than the {max_pixels / 1_000_000:g} megapixel limit",
        )
        self.max_pixels = max_pixels


class FileTypeRefused(FileRefused):
    def __init__(self, name: str, detected: str | None, accepted: Collection[MediaType]) -> None:
        allowed = "、".join(sorted(kind.label for kind in accepted))
        allowed_en = ", ".join(sorted(kind.label for kind in accepted))
        if detected is None:
            zh, en = f"无法识别{_zh(name)}的类型", f"the type of {_en(name)} is not recognised"
        else:
            zh, en = f"{_zh(name)}的实际类型是 {detected}", f"{_en(name)} is really {detected}"
        super().__init__(name, f"{zh}，只接受 {allowed}", f"{en}; only {allowed_en} are accepted")
        self.detected = detected


class FileDamaged(FileRefused):
    def __init__(self, name: str, media_type: MediaType) -> None:
        super().__init__(
            name,
            f"{_zh(name)}已损坏或不完整，无法作为 {media_type.label} 打开",
            f"{_en(name)} is damaged or incomplete and does not open as a {media_type.label}",
        )
        self.media_type = media_type


class FileLocked(FileRefused):
    """A PDF with an opening password: staff could not read it either."""

    def __init__(self, name: str) -> None:
        super().__init__(
            name,
            f"{_zh(name)}设有打开密码，请上传未加密的版本",
            f"{_en(name)} is password-protected; upload a copy without a password",
        )


# --- size and type -----------------------------------------------------------------


def check_size(data: bytes, max_bytes: int, *, name: str = "") -> None:
    if not data:
        raise FileEmpty(name)
    if len(data) > max_bytes:
        raise FileTooLarge(name, max_bytes)


def sniff(data: bytes, *, accepted: Collection[MediaType] = ALL_TYPES, name: str = "") -> MediaType:
    """The type of ``data`` by its content, once it is known to parse as that type."""
    if not data:
        raise FileEmpty(name)
    candidates = _candidates(data)
    # puremagic lists every signature that matches, best first; ours are unambiguous
    # at offset 0, so the first one we know is the type.
    known = next((MediaType(mime) for mime, _ in candidates if mime in ALL_TYPES), None)
    if known is None or known not in accepted:
        raise FileTypeRefused(name, known.label if known else _describe(candidates), accepted)
    if known is MediaType.PDF:
        _check_pdf(data, name)
    else:
        _check_image(data, known, name)
    return known


def _candidates(data: bytes) -> list[tuple[str, str]]:
    """(MIME type, description) of every signature that matches, best first."""
    try:
        matches = puremagic.magic_string(data)
    except puremagic.PureError:
        return []
    return [(match.mime_type, match.mime_type or match.name or match.extension) for match in matches]


def _describe(candidates: list[tuple[str, str]]) -> str | None:
    """What an unwanted file is, for the message: a MIME type if any match has one.

    Short signatures are shared by obscure formats (a Windows program's header also
    opens a "ZoneAlarm data file"), which puremagic may rank first; MIME types name the
    common ones.
    """
    with_mime = [mime for mime, _ in candidates if mime]
    if with_mime:
        return with_mime[0]
    return candidates[0][1] if candidates else None


def _check_pdf(data: bytes, name: str) -> None:
    # pypdf repairs what it can, so it would open an upload cut off halfway;
    # a complete PDF starts with its header and ends with its end marker.
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-PDF_TAIL:]:
        raise FileDamaged(name, MediaType.PDF)
    try:
        # Opens with the empty password too, so a PDF that is only locked against printing passes.
        pages = len(PdfReader(BytesIO(data)).pages)
    except FileNotDecryptedError as exc:
        raise FileLocked(name) from exc
    except Exception as exc:  # a parser's failures on hostile input are not a closed list
        raise FileDamaged(name, MediaType.PDF) from exc
    if pages == 0:
        raise FileDamaged(name, MediaType.PDF)


def _check_image(data: bytes, media_type: MediaType, name: str) -> None:
    try:
        with _open_image(data, media_type) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ImageTooLarge(name, MAX_PIXELS)
            image.verify()
        # verify() checks PNG chunks but does not decode JPEG data: a truncated JPEG
        # only fails when its pixels are read.
        with _open_image(data, media_type) as image:
            image.load()
    except FileRefused:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge(name, MAX_PIXELS) from exc
    except Exception as exc:  # a decoder's failures on hostile input are not a closed list
        raise FileDamaged(name, media_type) from exc


def _open_image(data: bytes, media_type: MediaType) -> Image.Image:
    # Only the decoder of the sniffed type may read the bytes. A JPEG from a camera
    # with a depth map comes back as an MPO, whose first frame is the JPEG.
    return Image.open(BytesIO(data), formats=[_PIL_FORMATS[media_type]])


# --- metadata ------------------------------------------------------------------------


def strip_metadata(data: bytes, media_type: MediaType) -> bytes:
    """Images re-encoded upright and without metadata; PDFs unchanged.

    A PDF is kept as given: rewriting it would break the signature of a signed
    certificate (电子证照), the very thing staff need to check.
    """
    if media_type is MediaType.PDF:
        return data
    with _open_image(data, media_type) as image:
        upright = ImageOps.exif_transpose(image)
    clean = _in_srgb(upright, upright.info.get("icc_profile"))
    # Only what the pixels need survives: palette transparency lives in `info`.
    clean.info = {key: value for key, value in upright.info.items() if key == "transparency"}
    out = BytesIO()
    if media_type is MediaType.JPEG:
        clean.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    else:
        clean.save(out, "PNG")
    return out.getvalue()


@cache
def _srgb() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _in_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Converts pixels with an embedded colour profile to sRGB, so dropping the profile keeps the colours."""
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(BytesIO(icc))
        output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, _srgb(), outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A broken profile: the pixels as they are beat refusing a readable photo.
        return image
    return converted if converted is not None else image


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- location ------------------------------------------------------------------------

_WGS84 = {"", "WGS84"}


def read_location(data: bytes) -> tuple[float, float] | None:
    """Where a photo was taken, as WGS-84 (lat, lon) in decimal degrees, from its EXIF GPS.

    Read it before `strip_metadata`, which removes it. Anything missing, garbled or
    out of range gives None: a photo without a place is still a photo.
    """
    try:
        with Image.open(BytesIO(data), formats=list(_PIL_FORMATS.values())) as image:
            gps = dict(image.getexif().get_ifd(ExifTags.IFD.GPSInfo))
    except Exception:  # not an image, or EXIF a parser cannot read: no location
        return None
    if _text(gps.get(ExifTags.GPS.GPSMapDatum)).replace("-", "").replace(" ", "") not in _WGS84:
        # Coordinates on another datum (TOKYO, a local grid) would be off by hundreds of metres.
        return None
    lat = _signed(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef), "N", "S")
    lon = _signed(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef), "E", "W")
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    # Some phones write 0/0 when they had no fix; nobody reports a pothole in the Gulf of Guinea.
    if lat == 0 and lon == 0:
        return None
    return lat, lon


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="ignore")
    return str(value or "").strip("\x00 ").upper()


def _signed(value: Any, ref: Any, positive: str, negative: str) -> float | None:
    degrees = _degrees(value)
    hemisphere = _text(ref)
    if degrees is None or hemisphere not in (positive, negative):
        return None
    return -degrees if hemisphere == negative else degrees


def _degrees(value: Any) -> float | None:
    """Degrees, minutes and seconds (each a rational) as decimal degrees."""
    parts: Sequence[Any] = value if isinstance(value, tuple | list) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    try:
        numbers = [float(part) for part in parts]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    # A zero denominator reads as NaN; minutes and seconds past 60 are not a place.
    if not all(math.isfinite(n) and n >= 0 for n in numbers) or any(n >= 60 for n in numbers[1:]):
        return None
    return sum(n / 60**i for i, n in enumerate(numbers))


# --- putting it together -----------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """The bytes to keep, their type and their SHA-256 (the name of the content file)."""

    data: bytes
    media_type: MediaType
    sha256: str


def prepare(name: str, data: bytes, *, accepted: Collection[MediaType], max_bytes: int) -> Prepared:
    """Checks an upload and cleans it; the hash is of the cleaned bytes, which are what is stored."""
    check_size(data, max_bytes, name=name)
    media_type = sniff(data, accepted=accepted, name=name)
    clean = strip_metadata(data, media_type)
    return Prepared(clean, media_type, sha256_hex(clean))

"""Real files made in memory: photos with EXIF and GPS, PNGs with metadata, PDFs, impostors."""

from __future__ import annotations

import zipfile
from io import BytesIO
from typing import Any

from PIL import ExifTags, Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from pypdf import PdfReader, PdfWriter

# 31°29'30" N, 120°18'45" E: Binhu, Wuxi.
WUXI = ((31.0, 29.0, 30.0), "N", (120.0, 18.0, 45.0), "E")
WUXI_DEGREES = (31 + 29 / 60 + 30 / 3600, 120 + 18 / 60 + 45 / 3600)


def exif(gps: tuple[Any, Any, Any, Any] | None = WUXI, orientation: int = 1, datum: str | None = None) -> Image.Exif:
    data = Image.Exif()
    data[ExifTags.Base.Make] = "HUAWEI"
    data[ExifTags.Base.Model] = "P60 Pro"
    data[ExifTags.Base.Orientation] = orientation
    if gps is not None:
        lat, lat_ref, lon, lon_ref = gps
        ifd = data.get_ifd(ExifTags.IFD.GPSInfo)
        for tag, value in (
            (ExifTags.GPS.GPSLatitude, lat),
            (ExifTags.GPS.GPSLatitudeRef, lat_ref),
            (ExifTags.GPS.GPSLongitude, lon),
            (ExifTags.GPS.GPSLongitudeRef, lon_ref),
            (ExifTags.GPS.GPSMapDatum, datum),
        ):
            if value is not None:
                ifd[tag] = value
    return data


def jpeg(size: tuple[int, int] = (64, 48), *, metadata: Image.Exif | None = None, colour: str = "red") -> bytes:
    out = BytesIO()
    extra: dict[str, Any] = {"comment": b"taken at the district office"}
    if metadata is not None:
        extra["exif"] = metadata
    Image.new("RGB", size, colour).save(out, "JPEG", quality=95, **extra)
    return out.getvalue()


def photo(**exif_args: Any) -> bytes:
    """A phone photo: EXIF with the camera and, unless told otherwise, where it was taken."""
    return jpeg(metadata=exif(**exif_args))


def png(size: tuple[int, int] = (40, 30), *, metadata: bool = True) -> bytes:
    out = BytesIO()
    extra: dict[str, Any] = {}
    if metadata:
        info = PngInfo()
        info.add_text("Author", "张三")
        extra = {
            "pnginfo": info,
            "icc_profile": ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
            "exif": exif(),
        }
    Image.new("RGB", size, "blue").save(out, "PNG", **extra)
    return out.getvalue()


def transparent_png() -> bytes:
    image = Image.new("P", (10, 10), 0)
    image.putpalette([255, 255, 255, 0, 0, 0])
    image.paste(1, (2, 2, 8, 8))
    out = BytesIO()
    image.save(out, "PNG", transparency=0)
    return out.getvalue()


def pdf() -> bytes:
    """The smallest valid one-page PDF, written by hand so that pypdf is tested, not trusted."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def locked_pdf() -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(pdf())))
    writer.encrypt(user_password="123456", owner_password="owner")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def executable() -> bytes:
    """The start of a Windows program: the DOS header, a stub and the PE signature."""
    header = bytearray(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(0x80 - 16))
    header[0x3C] = 0x80
    return bytes(header) + b"PE\x00\x00" + bytes(200)


def zip_archive() -> bytes:
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "not a pdf")
    return out.getvalue()


def multi_picture_jpeg() -> bytes:
    """A camera JPEG carrying a second picture (a depth map, a preview): Pillow calls it MPO."""
    out = BytesIO()
    second = Image.new("RGB", (64, 48), "blue")
    Image.new("RGB", (64, 48), "red").save(out, "MPO", save_all=True, append_images=[second])
    return out.getvalue()

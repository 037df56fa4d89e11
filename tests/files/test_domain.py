from __future__ import annotations

from io import BytesIO

import pytest
from PIL import ExifTags, Image, TiffImagePlugin

from tests.files import samples
from tongban.errors import BadInput
from tongban.files import domain
from tongban.files.domain import (
    IMAGES,
    FileDamaged,
    FileEmpty,
    FileLocked,
    FileTooLarge,
    FileTypeRefused,
    ImageTooLarge,
    MediaType,
)

MB = 1024 * 1024


def _open(data: bytes) -> Image.Image:
    return Image.open(BytesIO(data))


# --- sniffing by content ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "expected"),
    [(samples.photo, MediaType.JPEG), (samples.png, MediaType.PNG), (samples.pdf, MediaType.PDF)],
)
def test_each_accepted_type_is_recognised_by_its_content(make: object, expected: MediaType) -> None:
    assert callable(make)
    assert domain.sniff(make(), name="upload.bin") is expected


def test_a_png_named_pdf_is_a_png() -> None:
    assert domain.sniff(samples.png(), name="身份证.pdf") is MediaType.PNG


def test_a_camera_jpeg_with_a_second_picture_is_a_jpeg() -> None:
    data = samples.multi_picture_jpeg()
    assert domain.sniff(data) is MediaType.JPEG
    with _open(domain.strip_metadata(data, MediaType.JPEG)) as image:
        assert (image.format, image.size) == ("JPEG", (64, 48))


def test_a_renamed_program_is_refused_naming_what_it_really_is() -> None:
    with pytest.raises(FileTypeRefused) as refused:
        domain.sniff(samples.executable(), name="申请表.pdf")
    assert isinstance(refused.value, BadInput)
    assert "portable-executable" in (refused.value.detected or "")
    assert refused.value.message_zh.startswith("文件 申请表.pdf 的实际类型是")
    assert refused.value.message_zh.endswith("只接受 JPEG、PDF、PNG")
    assert refused.value.message_en.endswith("only JPEG, PDF, PNG are accepted")


def test_a_renamed_zip_is_refused() -> None:
    with pytest.raises(FileTypeRefused):
        domain.sniff(samples.zip_archive(), name="材料.pdf")


def test_plain_text_is_refused_as_unrecognised() -> None:
    with pytest.raises(FileTypeRefused) as refused:
        domain.sniff("这不是图片".encode(), name="photo.jpg")
    assert refused.value.detected is None
    assert refused.value.message_en.startswith("the type of photo.jpg is not recognised")


def test_a_known_type_the_caller_does_not_accept_is_refused() -> None:
    with pytest.raises(FileTypeRefused) as refused:
        domain.sniff(samples.pdf(), accepted=IMAGES, name="report.pdf")
    assert refused.value.detected == "PDF"
    assert refused.value.message_en == "report.pdf is really PDF; only JPEG, PNG are accepted"


def test_a_truncated_jpeg_is_damaged() -> None:
    data = samples.photo()
    with pytest.raises(FileDamaged) as damaged:
        domain.sniff(data[: len(data) // 2], name="photo.jpg")
    assert damaged.value.message_zh == "文件 photo.jpg 已损坏或不完整，无法作为 JPEG 打开"


def test_a_truncated_png_is_damaged() -> None:
    data = samples.png()
    with pytest.raises(FileDamaged):
        domain.sniff(data[: len(data) - 20])


def test_a_pdf_cut_off_before_its_end_is_damaged() -> None:
    data = samples.pdf()
    with pytest.raises(FileDamaged):
        domain.sniff(data[: len(data) - 30])


def test_a_pdf_header_on_garbage_is_damaged() -> None:
    with pytest.raises(FileDamaged):
        domain.sniff(b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\n%%EOF\n")


def test_a_password_protected_pdf_is_refused() -> None:
    with pytest.raises(FileLocked) as locked:
        domain.sniff(samples.locked_pdf(), name="合同.pdf")
    assert "密码" in locked.value.message_zh


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(FileEmpty) as empty:
        domain.sniff(b"", name="x.pdf")
    assert (empty.value.message_zh, empty.value.message_en) == ("文件 x.pdf 是空的", "x.pdf is empty")


def test_a_file_over_the_limit_is_refused_before_it_is_read() -> None:
    oversized = samples.pdf() + bytes(10 * MB)
    with pytest.raises(FileTooLarge) as too_large:
        domain.prepare("x.pdf", oversized, accepted=domain.ALL_TYPES, max_bytes=10 * MB)
    assert too_large.value.message_zh == "文件 x.pdf 超过 10 MB 上限"
    assert too_large.value.message_en == "x.pdf is larger than the 10 MB limit"


def test_an_image_with_too_many_pixels_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(domain, "MAX_PIXELS", 1_000)
    with pytest.raises(ImageTooLarge) as too_large:
        domain.sniff(samples.png(size=(40, 30)), name="scan.png")
    assert too_large.value.message_en == "scan.png is larger than the 0.001 megapixel limit"


def test_a_message_names_the_file_without_its_path_or_control_characters() -> None:
    with pytest.raises(FileEmpty) as empty:
        domain.sniff(b"", name="C:\\fakepath\\re\x1b[31mport.pdf")
    assert empty.value.message_en == "re[31mport.pdf is empty"


def test_a_nameless_upload_is_called_the_file() -> None:
    with pytest.raises(FileEmpty) as empty:
        domain.sniff(b"")
    assert (empty.value.message_zh, empty.value.message_en) == ("文件是空的", "the file is empty")


# --- stripping metadata --------------------------------------------------------------


def test_stripping_a_photo_removes_its_exif_gps_and_comment() -> None:
    clean = domain.strip_metadata(samples.photo(), MediaType.JPEG)
    with _open(clean) as image:
        assert not image.getexif()
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert not {"exif", "comment", "icc_profile", "xmp"} & image.info.keys()
    assert b"HUAWEI" not in clean


def test_stripping_keeps_a_photo_upright() -> None:
    # Orientation 6: the camera was turned a quarter; viewers rotate the stored pixels.
    clean = domain.strip_metadata(samples.jpeg((64, 48), metadata=samples.exif(orientation=6)), MediaType.JPEG)
    with _open(clean) as image:
        assert image.size == (48, 64)


def test_stripping_keeps_a_photo_close_to_the_original() -> None:
    clean = domain.strip_metadata(samples.jpeg(colour="#3a7bd5"), MediaType.JPEG)
    with _open(clean) as image:
        red, green, blue = image.convert("RGB").getpixel((32, 24))  # type: ignore[misc]
    assert abs(red - 0x3A) <= 3 and abs(green - 0x7B) <= 3 and abs(blue - 0xD5) <= 3


def test_stripping_a_png_drops_text_profile_and_exif() -> None:
    clean = domain.strip_metadata(samples.png(), MediaType.PNG)
    with _open(clean) as image:
        assert not {"Author", "icc_profile", "exif"} & image.info.keys()
        assert image.size == (40, 30)
    assert "张三".encode() not in clean


def test_stripping_a_png_keeps_its_transparency() -> None:
    clean = domain.strip_metadata(samples.transparent_png(), MediaType.PNG)
    with _open(clean) as image:
        rgba = image.convert("RGBA")
        assert rgba.getpixel((0, 0))[3] == 0  # type: ignore[index]
        assert rgba.getpixel((5, 5))[3] == 255  # type: ignore[index]


def test_a_pdf_is_kept_byte_for_byte() -> None:
    data = samples.pdf()
    assert domain.strip_metadata(data, MediaType.PDF) == data


def test_a_stripped_image_is_still_the_same_type() -> None:
    assert domain.sniff(domain.strip_metadata(samples.photo(), MediaType.JPEG)) is MediaType.JPEG


def test_preparing_hashes_the_bytes_that_are_kept() -> None:
    prepared = domain.prepare("x.jpg", samples.photo(), accepted=IMAGES, max_bytes=MB)
    assert prepared.media_type is MediaType.JPEG
    assert prepared.sha256 == domain.sha256_hex(prepared.data)
    assert prepared.data != samples.photo()


# --- location ------------------------------------------------------------------------


def test_the_location_is_read_from_the_photos_gps() -> None:
    assert domain.read_location(samples.photo()) == pytest.approx(samples.WUXI_DEGREES)


def test_south_and_west_are_negative() -> None:
    gps = ((33.0, 52.0, 4.0), "S", (151.0, 12.0, 36.0), "W")
    lat, lon = domain.read_location(samples.photo(gps=gps)) or (0.0, 0.0)
    assert lat == pytest.approx(-(33 + 52 / 60 + 4 / 3600))
    assert lon == pytest.approx(-(151 + 12 / 60 + 36 / 3600))


def test_decimal_degrees_in_one_rational_are_read() -> None:
    gps = ((31.4916,), "N", (120.3125,), "E")
    assert domain.read_location(samples.photo(gps=gps)) == pytest.approx((31.4916, 120.3125))


def test_wgs84_written_out_is_accepted() -> None:
    assert domain.read_location(samples.photo(datum="WGS-84")) == pytest.approx(samples.WUXI_DEGREES)


@pytest.mark.parametrize(
    "gps",
    [
        pytest.param(((31.0, 29.0, 30.0), None, (120.0, 18.0, 45.0), "E"), id="no hemisphere"),
        pytest.param(((31.0, 29.0, 30.0), "Q", (120.0, 18.0, 45.0), "E"), id="unknown hemisphere"),
        pytest.param(((31.0, 75.0, 30.0), "N", (120.0, 18.0, 45.0), "E"), id="75 minutes"),
        pytest.param(((95.0, 0.0, 0.0), "N", (120.0, 18.0, 45.0), "E"), id="past the pole"),
        pytest.param(((0.0, 0.0, 0.0), "N", (0.0, 0.0, 0.0), "E"), id="no fix written as 0/0"),
        pytest.param((None, "N", (120.0, 18.0, 45.0), "E"), id="no latitude"),
    ],
)
def test_missing_or_garbled_gps_gives_no_location(gps: tuple[object, object, object, object]) -> None:
    assert domain.read_location(samples.photo(gps=gps)) is None


def test_a_zero_denominator_gives_no_location() -> None:
    nan = TiffImagePlugin.IFDRational(1, 0)
    gps = ((31.0, nan, 30.0), "N", (120.0, 18.0, 45.0), "E")
    assert domain.read_location(samples.photo(gps=gps)) is None


def test_another_datum_gives_no_location() -> None:
    assert domain.read_location(samples.photo(datum="TOKYO")) is None


def test_a_photo_without_gps_has_no_location() -> None:
    assert domain.read_location(samples.photo(gps=None)) is None


@pytest.mark.parametrize("data", [b"", b"not an image", samples.pdf()], ids=["empty", "text", "pdf"])
def test_something_that_is_not_a_photo_has_no_location(data: bytes) -> None:
    assert domain.read_location(data) is None


def test_the_location_is_gone_after_stripping() -> None:
    assert domain.read_location(domain.strip_metadata(samples.photo(), MediaType.JPEG)) is None

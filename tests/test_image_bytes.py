"""Image data URLs are checked against their bytes: format (FT114, FT133) and colour mode
(FT134), read from the headers of real PNG files and of JPEG headers."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

import pytest
from helpers import write_jsonl

from ftprep.checks.image_bytes import bytes_at, colour_mode, image_type
from ftprep.validate import validate


def png(colour_type: int, width: int = 2, height: int = 2) -> bytes:
    """A complete PNG (8-bit, all zero pixels) of the given IHDR colour type."""
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + bytes(width * channels) for _ in range(height))
    body = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0))
    if colour_type == 3:
        body += chunk(b"PLTE", bytes(3))
    return b"\x89PNG\r\n\x1a\n" + body + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def jpeg_header(components: int, exif: int = 0) -> bytes:
    """SOI, JFIF APP0, an APP1 of `exif` filler bytes, DQT, then a baseline frame header
    with `components` components: what a reader meets before the first scan."""
    def segment(marker: int, data: bytes) -> bytes:
        return bytes([0xFF, marker]) + struct.pack(">H", len(data) + 2) + data
    out = b"\xff\xd8" + segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    if exif:
        out += segment(0xE1, b"Exif\x00\x00" + bytes(exif))
    out += segment(0xDB, bytes(65))
    frame = struct.pack(">BHHB", 8, 16, 16, components) + bytes(3 * components)
    return out + segment(0xC0, frame) + b"\xff\xd9"


GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


def url(declared: str, data: bytes) -> str:
    return f"data:{declared};base64,{base64.b64encode(data).decode()}"


def image_line(image_url: str) -> dict:
    return {"messages": [
        {"role": "user", "content": [{"type": "text", "text": "What is this?"},
                                     {"type": "image_url", "image_url": {"url": image_url}}]},
        {"role": "assistant", "content": "A square."}]}


@pytest.mark.parametrize("start", range(0, 9))
def test_bytes_at_any_offset(start: int) -> None:
    data = bytes(range(40))
    payload = base64.b64encode(data).decode()
    assert bytes_at(payload, start, 7) == data[start:start + 7]
    assert bytes_at(payload, 38, 7) == data[38:]


def test_header_readers() -> None:
    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()
    assert [image_type(b64(d)) for d in (png(2), jpeg_header(3), WEBP, GIF, b"BM\x00\x00")] == [
        "image/png", "image/jpeg", "image/webp", "image/gif", None]
    assert [colour_mode(b64(png(t)), "image/png") for t in (0, 2, 3, 4, 6)] == [
        "greyscale", None, "palette (indexed colour)", "greyscale with alpha", None]
    # The frame header after 65 kB of EXIF is found by skipping, not decoding, the APP1.
    assert [colour_mode(b64(jpeg_header(n, exif=65_000)), "image/jpeg") for n in (1, 3, 4)] == [
        "greyscale", None, "CMYK"]
    assert colour_mode(b64(b"\xff\xd8\xff"), "image/jpeg") is None  # truncated: cannot tell


def test_data_url_bytes_are_checked(tmp_path: Path) -> None:
    lines = [
        image_line(url("image/png", GIF)),                 # 1 GIF labelled PNG
        image_line(url("image/png", png(0))),              # 2 greyscale
        image_line(url("image/png", png(3))),              # 3 palette
        image_line(url("image/jpeg", jpeg_header(4, exif=3000))),  # 4 CMYK
        image_line(url("image/jpg", jpeg_header(3))),      # 5 image/jpg, JPEG data
        image_line(url("image/jpeg", png(2))),             # 6 PNG labelled JPEG
        image_line(url("image/gif", png(6))),              # 7 declared GIF, PNG data
        image_line(url("image/png", b"BM" + bytes(40))),   # 8 a BMP
        image_line(url("image/png", png(2))),              # 9 fine
        image_line(url("image/png", png(6))),              # 10 fine
        image_line(url("image/webp", WEBP)),               # 11 fine
        image_line(url("image/jpeg", jpeg_header(3, exif=500))),  # 12 fine
    ]
    report = validate([write_jsonl(tmp_path / "img.jsonl", lines, pad_to=20)])
    found = {(f.line, f.code) for f in report.findings if f.code != "FT124"}
    assert found == {(1, "FT114"), (2, "FT134"), (3, "FT134"), (4, "FT134"), (5, "FT133"),
                     (6, "FT133"), (7, "FT114"), (8, "FT114")}
    by_line = {f.line: f for f in report.findings if f.line}
    assert all(f.path == "$.messages[0].content[1].image_url.url" for f in by_line.values())
    assert "GIF image, though the URL says image/png" in by_line[1].message
    assert "skips" in by_line[1].message and "skips" in by_line[2].message
    assert "greyscale, not RGB or RGBA" in by_line[2].message
    assert "CMYK" in by_line[4].message
    assert "'image/jpg' is not a registered media type: write data:image/jpeg" in by_line[5].message
    assert "says image/jpeg but the data is a PNG image: write data:image/png" in by_line[6].message
    assert "the data is a PNG image: write data:image/png" in by_line[7].message
    assert "not a JPEG, PNG or WEBP image" in by_line[8].message
    assert {f.severity.label for f in report.findings if f.code in ("FT133", "FT134")} == {"warning"}

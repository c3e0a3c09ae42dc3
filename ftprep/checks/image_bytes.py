"""What an image in a base64 data URL is, read from its first bytes.

Only the few bytes a header needs are decoded: base64 turns every 3 bytes into 4
characters, so the bytes at any offset are a short slice of the text away, and a
10 MB image costs what a 1 KB one does.
"""

from __future__ import annotations

import base64
import binascii

JPEG, PNG, WEBP, GIF = "image/jpeg", "image/png", "image/webp", "image/gif"
NAMES = {JPEG: "JPEG", PNG: "PNG", WEBP: "WEBP", GIF: "GIF"}

# PNG IHDR colour types other than RGB (2) and RGBA (6).
_PNG_MODES = {0: "greyscale", 3: "palette (indexed colour)", 4: "greyscale with alpha"}
# JPEG frame components other than 3 (YCbCr, decoded as RGB).
_JPEG_MODES = {1: "greyscale", 4: "CMYK"}
# JPEG markers that start a frame header (SOF0-SOF15 but DHT, JPG and DAC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Segments to walk before giving up on finding the frame header.
_MAX_SEGMENTS = 32


def bytes_at(payload: str, start: int, size: int) -> bytes:
    """`size` bytes from offset `start` of the data that base64 text `payload` encodes
    (fewer at its end; b"" where the text is not base64)."""
    first = start // 3 * 4
    chunk = payload[first:(start + size + 2) // 3 * 4]
    try:
        data = base64.b64decode(chunk + "=" * (-len(chunk) % 4))
    except (binascii.Error, ValueError):
        return b""
    return data[start % 3:start % 3 + size]


def image_type(payload: str) -> str | None:
    """The media type the image's signature says (JPEG, PNG, WEBP or GIF), else None."""
    head = bytes_at(payload, 0, 12)
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"GIF8"):
        return GIF
    return None


def colour_mode(payload: str, kind: str | None) -> str | None:
    """The image's colour mode when it is neither RGB nor RGBA ("greyscale", "CMYK"
    ...), from a PNG's IHDR or a JPEG's frame header; None when it is, or cannot tell."""
    if kind == PNG:
        ihdr = bytes_at(payload, 8, 18)  # length, "IHDR", width, height, depth, colour
        return _PNG_MODES.get(ihdr[17]) if ihdr[4:8] == b"IHDR" and len(ihdr) == 18 else None
    if kind == JPEG:
        components = _jpeg_components(payload)
        return None if components is None else _JPEG_MODES.get(components)
    return None


def _jpeg_components(payload: str) -> int | None:
    # Segments are FF, marker, 2-byte length (which counts itself); the frame header's
    # component count is its 10th byte. APP segments (EXIF, ICC) come first and may be
    # long: they are skipped, not decoded.
    pos = 2
    for _ in range(_MAX_SEGMENTS):
        segment = bytes_at(payload, pos, 10)
        if len(segment) < 4 or segment[0] != 0xFF:
            return None
        marker = segment[1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker in _SOF:
            return segment[9] if len(segment) == 10 else None
        elif 0xD0 <= marker <= 0xD9 or marker == 0x01:  # markers without a length
            pos += 2
        else:
            pos += 2 + int.from_bytes(segment[2:4], "big")
    return None

"""QR codes for point and poster pages, drawn as inline SVG so a page prints with its code."""

from __future__ import annotations

import segno
from markupsafe import Markup

DARK = "#111827"
LIGHT = "#ffffff"


def qr_svg(text: str) -> Markup:
    """An SVG QR code (error correction M: survives a scuffed or partly covered poster).

    It has a viewBox and no fixed size, so the stylesheet decides how big it prints.
    """
    svg = segno.make(text, error="m").svg_inline(dark=DARK, light=LIGHT, title=text, omitsize=True)
    # segno escapes the title and writes nothing else from the input, so the markup is safe.
    return Markup(svg)

"""What every Excel download shares: the media type, a file name that survives old clients, a readable header.

Workbooks themselves are built by the context that owns the figures (openpyxl); this holds only
the presentation offices expect of any sheet they are handed.
"""

from __future__ import annotations

from collections.abc import Mapping
from io import BytesIO
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Wide enough for a county bureau's or a town's full name in a CJK font; the rest fit a number.
NAME_WIDTH = 36
NUMBER_WIDTH = 12


def disposition(ascii_name: str, name: str) -> str:
    """An ASCII fallback for old clients and the Chinese name in RFC 5987 form for the rest."""
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


def frame(ws: Worksheet, widths: Mapping[int, int] | None = None) -> None:
    """Bold header kept in view while scrolling; columns as wide as ``widths`` (1-based) says, else a number's."""
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    ws.freeze_panes = "A2"
    for column in range(1, ws.max_column + 1):
        ws.column_dimensions[get_column_letter(column)].width = (widths or {}).get(column, NUMBER_WIDTH)


def saved(book: Workbook) -> bytes:
    out = BytesIO()
    book.save(out)
    return out.getvalue()

"""The indicators as an Excel workbook (诉求指标_2026-11.xlsx): a sheet per breakdown, as offices pass them on.

Rates are stored as fractions with a percentage format, not as text, so the numbers can still be
summed, charted and sorted in Excel; each index cell is filled with its colour (三色图).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from tongban.calendar.limits import Colour
from tongban.requests.index import INDICATOR_NAMES, Indicator, Scheme, Standing, Window
from tongban.web import spreadsheet

PERCENT = "0.0%"
# Light fills that keep black text readable when printed.
FILLS = {Colour.green: "C6EFCE", Colour.yellow: "FFEB9C", Colour.red: "FFC7CE"}
COLOUR_WORDS = {Colour.green: "绿", Colour.yellow: "黄", Colour.red: "红"}


@dataclass(frozen=True)
class Sheet:
    """One breakdown: its tab's title, what its first column holds, its rows and how a key is named."""

    title: str
    key_heading: str
    rows: Sequence[Standing]
    name_of: Callable[[str | None], str]
    ranked: bool = True


def filename(window: Window) -> str:
    return f"诉求指标_{window.label()}.xlsx"


def disposition(window: Window) -> str:
    return spreadsheet.disposition(f"request-indicators_{window.label()}.xlsx", filename(window))


def workbook(sheets: Sequence[Sheet], scheme: Scheme, window: Window) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        _fill(book.create_sheet(sheet.title), sheet)
    _notes(book.create_sheet("说明"), scheme, window)
    return spreadsheet.saved(book)


def _fill(ws: Worksheet, sheet: Sheet) -> None:
    lead = [*(["排名"] if sheet.ranked else []), sheet.key_heading, "收到诉求"]
    ws.append([*lead, *(INDICATOR_NAMES[name][0] for name in Indicator), "指数", "颜色"])
    index_column = len(lead) + len(Indicator) + 1
    for row in sheet.rows:
        ranked = [row.rank] if sheet.ranked else []
        rates = [row.rates[name] for name in Indicator]
        colour = COLOUR_WORDS[row.colour] if row.colour else None
        ws.append([*ranked, sheet.name_of(row.key), row.counts.received, *rates, row.score, colour])
        if row.colour is not None:
            ws.cell(ws.max_row, index_column).fill = PatternFill("solid", fgColor=FILLS[row.colour])
    for column in range(len(lead) + 1, index_column):
        for (cell,) in ws.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = PERCENT
    spreadsheet.frame(ws, {len(lead) - 1: spreadsheet.NAME_WIDTH})


def _notes(ws: Worksheet, scheme: Scheme, window: Window) -> None:
    """What the numbers mean: the window, each indicator's weight and the colour thresholds."""
    ws.append(["项目", "内容"])
    ws.append(["统计期间（北京时间，按收到诉求的日期）", f"{window.first.isoformat()} 至 {window.last.isoformat()}"])
    ws.append(["指数权重来源", f"服务包 {scheme.pack_code}" if scheme.pack_code else "默认：各项等权"])
    for name in Indicator:
        ws.append([f"权重：{INDICATOR_NAMES[name][0]}", scheme.weights.get(name, 0.0)])
        ws.cell(ws.max_row, 2).number_format = PERCENT
    ws.append(["绿色", f"指数不低于 {scheme.green:g}"])
    ws.append(["黄色", f"指数不低于 {scheme.yellow:g}"])
    ws.append(["红色", f"指数低于 {scheme.yellow:g}"])
    ws.append(["说明", "某项无可统计的诉求（如尚无评价）时不计入，其权重按比例由其余各项分担。"])
    spreadsheet.frame(ws, {1: spreadsheet.NAME_WIDTH, 2: spreadsheet.NAME_WIDTH})

"""The run report as an Excel workbook (静默认证_2025-12-31_批次3.xlsx): the same figures as the page.

Shares are stored as fractions with a percentage format, not as text, so they can still be
summed, charted and sorted in Excel.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from tongban.registries.domain import Status
from tongban.registries.qualification import FOLLOW_UP_WORKING_DAYS, STATUS_TEXT, VALIDITY_MONTHS
from tongban.registries.run_report import RunReport
from tongban.web import spreadsheet

PERCENT = "0.0%"
LEVEL_NAMES = {"county": "县（市、区）", "town": "乡镇（街道）", "village": "村（社区）"}
UNNAMED = "未登记地区"


def filename(found: RunReport) -> str:
    return f"静默认证_{found.run.as_of.isoformat()}_批次{found.run.id}.xlsx"


def disposition(found: RunReport) -> str:
    ascii_name = f"certification_{found.run.as_of.isoformat()}_run{found.run.id}.xlsx"
    return spreadsheet.disposition(ascii_name, filename(found))


def workbook(found: RunReport) -> bytes:
    book = Workbook()
    book.remove(book.active)
    _by_status(book.create_sheet("按状态"), found)
    _by_district(book.create_sheet(f"按{LEVEL_NAMES[found.level]}"), found)
    _notes(book.create_sheet("说明"), found)
    return spreadsheet.saved(book)


def _by_status(ws: Worksheet, found: RunReport) -> None:
    ws.append(["状态", "人数", "占比"])
    for status in Status:
        count = found.totals[status]
        ws.append([STATUS_TEXT[status][0], count, count / found.total if found.total else None])
        ws.cell(ws.max_row, 3).number_format = PERCENT
    ws.append(["合计", found.total, 1 if found.total else None])
    ws.cell(ws.max_row, 3).number_format = PERCENT
    spreadsheet.frame(ws, {1: 16})


def _by_district(ws: Worksheet, found: RunReport) -> None:
    ws.append(["区划代码", LEVEL_NAMES[found.level], *(STATUS_TEXT[s][0] for s in Status), "合计", "认证通过率"])
    for row in found.districts:
        rate = row.counts[Status.CERTIFIED] / row.total if row.total else None
        ws.append([row.code, row.name or UNNAMED, *(row.counts[s] for s in Status), row.total, rate])
        ws.cell(ws.max_row, ws.max_column).number_format = PERCENT
    spreadsheet.frame(ws, {1: 16, 2: spreadsheet.NAME_WIDTH})


def _notes(ws: Worksheet, found: RunReport) -> None:
    """Where the figures come from and what the import did."""
    run = found.run
    ws.append(["项目", "内容"])
    rows: list[tuple[str, object]] = [
        ("批次", run.id),
        ("数据截止日期", run.as_of.isoformat()),
        ("结果文件", run.file_name),
        ("结果文件 SHA-256", run.digest),
        ("所属部门", run.department or "—"),
        ("导入人", run.imported_by),
        ("导入时间（UTC）", run.imported_at.strftime("%Y-%m-%d %H:%M")),
        ("统计范围", "全部" if found.whole else "本人辖区"),
        ("身份证号匹配", run.matched_by_id),
        ("姓名拼音匹配", run.matched_fuzzy),
        ("未匹配", run.unmatched),
        ("新派核实任务", run.follow_ups_opened),
        ("撤回核实任务（数据已确定）", run.follow_ups_withdrawn),
        ("发出暂停发放告知书", run.notices_issued),
        ("恢复发放", run.resumed),
        ("因人工核实而未改变状态", run.kept_by_checks),
        ("资格有效期", f"最后一次生存证据后 {VALIDITY_MONTHS} 个月"),
        ("核实任务期限", f"下达后 {FOLLOW_UP_WORKING_DAYS} 个工作日"),
    ]
    for label, value in rows:
        ws.append([label, value])
    spreadsheet.frame(ws, {1: 28, 2: 72})

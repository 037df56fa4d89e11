"""The officer's tasks as an Excel workbook (助联体任务_2025-02-10.xlsx): a sheet of tasks, one of needs, one of notes.

Households are named by their household id (户号) only: no ID number leaves the platform in a
workbook. Dates are real dates and day counts real numbers, so that Excel can sort and sum them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from tongban.registries.assistance_service import TaskRow
from tongban.registries.discovery import NEED_STATUS_NAMES, TaskStatus
from tongban.registries.models import AssistanceResource
from tongban.web.spreadsheet import MEDIA_TYPE, disposition, frame, saved

__all__ = ["MEDIA_TYPE", "disposition_for", "workbook"]
DATE = "yyyy-mm-dd"
TASK_HEADINGS = (
    "任务编号", "户号", "镇（街道）", "村（社区）", "发现日期", "期限", "状态", "超期", "命中规则", "需求", "办结日期",
    "发现到办结（天）",
)  # fmt: skip
NEED_HEADINGS = (
    "任务编号",
    "户号",
    "镇（街道）",
    "需求类别",
    "匹配资源",
    "状态",
    "帮扶情况或原因",
    "办结日期",
    "办理人",
)


def filename(today: date) -> str:
    return f"助联体任务_{today.isoformat()}.xlsx"


def disposition_for(today: date) -> str:
    return disposition(f"assistance-tasks_{today.isoformat()}.xlsx", filename(today))


def workbook(
    rows: Sequence[TaskRow],
    places: Mapping[str, str],
    categories: Mapping[str, str],
    resources: Mapping[str, AssistanceResource],
    today: date,
) -> bytes:
    book = Workbook()
    tasks = book.active
    assert tasks is not None  # a new workbook has one sheet
    tasks.title = "任务"
    tasks.append(TASK_HEADINGS)
    for row in rows:
        tasks.append(_task_line(row, places, categories))
    _dates(tasks, (5, 6, 11))
    frame(tasks, {9: 36, 10: 36})
    needs = book.create_sheet("需求")
    needs.append(NEED_HEADINGS)
    for row in rows:
        for need in row.needs:
            resource = resources.get(need.resource_code or "")
            needs.append([
                row.task.id, row.task.household_id, places.get(row.task.town_code, row.task.town_code),
                categories.get(need.category_code, need.category_code),
                f"{resource.organisation}：{resource.offer}" if resource else "（待转介）",
                NEED_STATUS_NAMES[need.status][0], need.note, need.settled_on, need.settled_by,
            ])  # fmt: skip
    _dates(needs, (8,))
    frame(needs, {5: 40, 7: 36})
    notes = book.create_sheet("说明")
    notes.append(["项目", "内容"])
    notes.append(["导出日期", today.isoformat()])
    notes.append(["期限", "自发现之日起 1 个自然月（如 1 月 31 日发现，2 月最后一天到期）"])
    notes.append(["个人信息", "工作表只列户号，不含身份证号码；成员信息请在平台任务页查看（查看留痕）"])
    frame(notes, {1: 16, 2: 60})
    return saved(book)


def _task_line(row: TaskRow, places: Mapping[str, str], categories: Mapping[str, str]) -> list[object]:
    task = row.task
    closed = task.status == TaskStatus.closed and task.closed_on is not None
    rules = "；".join(f"{hit['id']} {hit['name']}" for hit in task.hits)
    needs = "；".join(
        f"{categories.get(need.category_code, need.category_code)}（{NEED_STATUS_NAMES[need.status][0]}）"
        for need in row.needs
    )
    return [
        task.id, task.household_id, places.get(task.town_code, task.town_code),
        places.get(task.village_code, task.village_code), task.discovered_on, task.due_on,
        "已办结" if closed else "办理中", "是" if row.overdue else "否", rules, needs, task.closed_on,
        (task.closed_on - task.discovered_on).days if closed and task.closed_on else None,
    ]  # fmt: skip


def _dates(sheet: Worksheet, columns: Sequence[int]) -> None:
    for column in columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            cell.number_format = DATE

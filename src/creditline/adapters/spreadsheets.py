"""Writing statements as CSV or Excel (xlsx, Chinese headers) for people to open."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

COLUMNS = [
    ("time_local", "时间（北京时间）"),
    ("type_zh", "类型"),
    ("type", "type"),
    ("order", "订单号"),
    ("flow", "流水号"),
    ("from_account", "转出账户"),
    ("to_account", "转入账户"),
    ("amount", "金额"),
    ("available", "可用额度"),
    ("held", "预授权"),
    ("occupied", "已占用"),
    ("frozen", "冻结"),
    ("fees_due", "应付滞纳金"),
]


def statement_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([zh for _, zh in COLUMNS])
    for row in rows:
        writer.writerow([_cell(k, row[k]) for k, _ in COLUMNS])
    return out.getvalue()


def statement_xlsx(body: dict[str, Any], path: Path) -> None:
    path.write_bytes(statement_xlsx_bytes(body))


def statement_xlsx_bytes(body: dict[str, Any]) -> bytes:
    """The statement workbook as bytes (a download from the pages)."""
    # openpyxl takes longer to import than a CSV statement takes to write: only xlsx loads it.
    from openpyxl import Workbook  # type: ignore[import-untyped]  # noqa: PLC0415
    from openpyxl.styles import Font  # type: ignore[import-untyped]  # noqa: PLC0415

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "对账单"
    sheet.append(
        [f"额度对账单 {body['line']}  {body['from']} ~ {body['to']}  币种 {body['currency']}"]
    )
    sheet.append([zh for _, zh in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in body["rows"]:
        sheet.append([_cell(k, row[k]) for k, _ in COLUMNS])
    for cells in sheet.iter_rows(min_row=3):
        for cell, (key, _) in zip(cells, COLUMNS, strict=False):
            if key in AMOUNTS:
                cell.number_format = "#,##0.00"
    for column, width in zip(
        "ABCDEFGHIJKLM", (18, 10, 12, 16, 40, 12, 12, 14, 14, 14, 14, 12, 12), strict=True
    ):
        sheet.column_dimensions[column].width = width
    return _saved(book)


def _saved(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


#: The daily quota monitor's columns (额度监控表), Chinese headers.
MONITOR_COLUMNS = [
    ("date", "日期"),
    ("available", "可用额度"),
    ("monthly_flow", "月均流水"),
    ("yellow_line", "黄线（50%）"),
    ("red_line", "红线（30%）"),
    ("reserve", "建议储备（20%）"),
    ("available_percent", "可用占月均流水 %"),
    ("level", "等级"),
]
MONITOR_LEVELS = {"green": "正常", "yellow": "黄色预警", "red": "红色预警", "none": "无回款流水"}


def monitor_xlsx_bytes(body: dict[str, Any]) -> bytes:
    """The daily quota monitor as a workbook: one row a day, amounts exact."""
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.styles import Font, PatternFill  # noqa: PLC0415

    fills = {"yellow": "FFF2CC", "red": "F8CBAD", "green": "E2EFDA"}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "额度监控表"
    sheet.append([f"额度监控表 {body['line']}  截至 {body['as_of']}  币种 {body['currency']}"])
    sheet.append([zh for _, zh in MONITOR_COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in body["days"]:
        cells = [_cell(k, row[k]) for k, _ in MONITOR_COLUMNS[:-1]]
        sheet.append([*cells, MONITOR_LEVELS.get(row["level"], row["level"])])
        fill = fills.get(row["level"])
        if fill:
            sheet.cell(sheet.max_row, len(MONITOR_COLUMNS)).fill = PatternFill(
                "solid", start_color=fill, end_color=fill
            )
    for cells in sheet.iter_rows(min_row=3):
        for cell, (key, _) in zip(cells, MONITOR_COLUMNS, strict=False):
            if key in AMOUNTS:
                cell.number_format = "#,##0.00"
    today = body["today"]
    sheet.append([])
    if today["reserve"] is not None:
        covered = "是" if today["covers_reserve"] else "否"
        sheet.append(
            [
                (
                    f"建议保留月均流水的 {body['reserve_percent']}% 作为储备：{today['reserve']}；"
                    f"今日可用额度 {today['available']} 是否覆盖：{covered}"
                )
            ]
        )
    else:
        sheet.append(["近 90 天没有已结算回款，无法计算月均流水。"])
    for column, width in zip("ABCDEFGH", (12, 14, 14, 14, 14, 16, 16, 12), strict=True):
        sheet.column_dimensions[column].width = width
    return _saved(book)


AMOUNTS = frozenset(
    {"amount", "available", "held", "occupied", "frozen", "fees_due", "monthly_flow"}
    | {"yellow_line", "red_line", "reserve"}
)


def _cell(key: str, value: Any) -> Any:
    """Amounts go in as Decimal, written exactly ("1234.56"), so Excel can sum them and no
    float ever touches money."""
    if value is None:
        return ""
    if key in AMOUNTS:
        return Decimal(value)
    return _inert(value)


#: What a spreadsheet reads as the start of a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _inert(value: Any) -> Any:
    """Text a holder chose (an order id, a note) that a spreadsheet would run as a formula is
    written with a leading apostrophe: shown as text in Excel, WPS and LibreOffice."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value

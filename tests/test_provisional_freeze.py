"""A freeze's end counted over estimated holidays says so (``provisional``), and keeps saying it."""

from __future__ import annotations

import json
from datetime import datetime

from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.holiday_source import parse_notice
from creditline.domain.access.roles import Principal, Role
from creditline.service import sandbox_clock as clock
from creditline.service import workday_notices as calendar
from creditline.service.access import operators
from creditline.service.quota import freeze_admin as freezes
from creditline.service.quota import why as diagnosis
from tests.helpers import active_line, js

#: Monday 4 January 2027, 10:00 Beijing time: the end of both two-working-day freezes below.
JAN_4 = datetime.fromisoformat("2027-01-04T10:00:00+08:00")
NOTICE_2027 = {
    "year": 2027,
    "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"}],
    "workdays": [],
}


def test_a_two_working_day_freeze_set_on_30_december_2026_ends_provisionally_and_stays_so(
    db: SqlDatabase, db_url: str
) -> None:
    """The known calendar ends with 2026: two working days from Wednesday 30 December are the
    31st and Monday 4 January 2027, after an estimated 元旦. The freeze, its list and ``why``
    all say that end is provisional, and still do once the 2027 notice is loaded."""
    clock.set_clock(db, "2026-12-28T10:00:00+08:00")
    _, line = active_line(db, limit="500000.00")
    known = freezes.add_freeze(db, line, reason="risk", working_days=2, key="f1").body
    assert (at(known["ends_at"]), known["provisional"]) == (at("2026-12-30T10:00+08:00"), False)

    clock.set_clock(db, "2026-12-30T10:00:00+08:00")
    operators.add_operator(db, "boss", role="admin", by=None)
    operators.add_operator(db, "wang", role="operations", by=Principal("boss", role=Role.ADMIN))
    added = js(db_url, "freeze", "add", line, "--reason", "dispute", "--working-days", "2",
               "--key", "f2", "--as", "wang")  # fmt: skip
    assert (at(added["ends_at"]), added["provisional"]) == (JAN_4, True)

    def provisional_now() -> tuple[list[bool], list[tuple[datetime, bool]]]:
        listed = freezes.list_freezes(db, line).body["freezes"]
        told = diagnosis.why(db, line, amount="100.00", purpose="procurement").body["reasons"]
        return (
            [f["provisional"] for f in listed],
            [(at(r["clears_at"]), r["provisional"]) for r in told if r["code"] == "line_frozen"],
        )

    assert provisional_now() == ([False, True], [(JAN_4, True)])
    told = diagnosis.why(db, line, amount="100.00", purpose="procurement", lang="en").body
    [frozen] = told["reasons"]
    assert frozen["facts"]["provisional"] is True
    assert "holidays estimated; it may move" in frozen["message_en"]

    calendar.load_calendar(db, parse_notice(json.dumps(NOTICE_2027)), "notice-2027.json")
    assert provisional_now() == ([False, True], [(JAN_4, True)])
    # The same count on the notice rests on no estimate (the estimate happened to be right).
    later = freezes.add_freeze(db, line, reason="operator", working_days=2, key="f3").body
    assert (at(later["ends_at"]), later["provisional"]) == (JAN_4, False)


def at(text: str) -> datetime:
    """An instant from the answers' ISO text, whichever offset they write it in."""
    return datetime.fromisoformat(text)

"""Idempotency keys (幂等键) at their edges, on SQLite and PostgreSQL: a key names one request on
one line; a different request under it is refused and writes nothing; bad input uses no key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from creditline.adapters.db.database import SqlDatabase
from creditline.domain.errors import IdempotencyKeyReused, InvalidInput
from creditline.service.event_log import list_events
from creditline.service.idempotency import Answer
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import line_admin as lines
from creditline.service.quota import spending
from tests.helpers import active_line


def _written(db: SqlDatabase, line: str) -> dict[str, Any]:
    """Everything a request could have written that a reader can see."""
    return {
        "line": lines.show_line(db, line).body,
        "transfers": verify_ledger(db).transfers,
        "events": len(list_events(db, limit=1000).body["data"]),
    }


def _captured(db: SqlDatabase, line: str) -> str:
    hold = spending.authorize(db, line, amount="500.00", purpose="procurement", key="a0").body
    spending.capture(db, hold["id"], amount=None, key="c0")
    return hold["id"]


#: Requests on a line with a captured hold, by (db, line, hold, amount, key).
REQUESTS: dict[str, Callable[[SqlDatabase, str, str, str, str], Answer]] = {
    "authorize": lambda db, line, _hold, amount, key: spending.authorize(
        db, line, amount=amount, purpose="procurement", key=key, order="PO-7"
    ),
    "repay": lambda db, line, _hold, amount, key: spending.repay(db, line, amount=amount, key=key),
    "refund": lambda db, _line, hold, amount, key: spending.refund(
        db, hold, amount=amount, key=key
    ),
}


@pytest.mark.parametrize("request_name", REQUESTS)
def test_a_key_reused_with_only_the_amount_changed_is_refused_and_writes_nothing(
    db: SqlDatabase, request_name: str
) -> None:
    _, line = active_line(db)
    hold = _captured(db, line)
    send = REQUESTS[request_name]
    first = send(db, line, hold, "100.00", "k1")
    assert not first.refused
    assert send(db, line, hold, "100.00", "k1").body == first.body  # the same request: replayed
    before = _written(db, line)
    with pytest.raises(IdempotencyKeyReused) as reused:
        send(db, line, hold, "100.01", "k1")
    assert reused.value.code == "idempotency_key_reused"
    assert reused.value.param == "key"
    assert _written(db, line) == before
    assert send(db, line, hold, "100.00", "k1").body == first.body  # the first answer stands


def test_one_key_on_two_lines_is_two_requests_each_with_its_own_first_answer(
    db: SqlDatabase,
) -> None:
    """衣尚坊 and 杭州织造 both number their requests from 1: the same key on another line is
    another request, never the first line's answer and never a reuse."""
    _, line_a = active_line(db, "衣尚坊")
    _, line_b = active_line(db, "杭州织造")
    a = spending.authorize(db, line_a, amount="100.00", purpose="procurement", key="1").body
    b = spending.authorize(db, line_b, amount="200.00", purpose="logistics", key="1").body
    assert (a["status"], b["status"]) == ("authorized", "authorized")
    assert a["id"] != b["id"]
    assert (b["line"], b["amount"]) == (line_b, "200.00")
    assert lines.show_line(db, line_a).body["held"] == "100.00"
    assert lines.show_line(db, line_b).body["held"] == "200.00"
    again_a = spending.authorize(db, line_a, amount="100.00", purpose="procurement", key="1")
    again_b = spending.authorize(db, line_b, amount="200.00", purpose="logistics", key="1")
    assert (again_a.body, again_b.body) == (a, b)
    with pytest.raises(IdempotencyKeyReused):  # line b's key "1" is line b's request
        spending.authorize(db, line_b, amount="100.00", purpose="procurement", key="1")


@pytest.mark.parametrize(
    ("amount", "purpose", "param"),
    [
        ("1.001", "procurement", "amount"),  # refused before the transaction opens
        ("0", "procurement", "amount"),  # refused inside it, after the line is locked
        ("100.00", "gambling", "purpose"),
    ],
)
def test_a_key_first_refused_for_bad_input_stays_free_for_the_real_request(
    db: SqlDatabase, amount: str, purpose: str, param: str
) -> None:
    """Bad input is not an answer: nothing is stored under the key, so the corrected request
    with the same key is served for the first time. Once it is, the same bad input under that
    key is still answered as bad input (it never reaches the key), not as a reuse."""
    _, line = active_line(db)
    before = _written(db, line)
    with pytest.raises(InvalidInput) as bad:
        spending.authorize(db, line, amount=amount, purpose=purpose, key="k1")
    assert bad.value.param == param
    assert _written(db, line) == before
    good = spending.authorize(db, line, amount="100.00", purpose="procurement", key="k1").body
    assert good["status"] == "authorized"
    with pytest.raises(InvalidInput) as again:
        spending.authorize(db, line, amount=amount, purpose=purpose, key="k1")
    assert again.value.param == param
    replay = spending.authorize(db, line, amount="100.00", purpose="procurement", key="k1").body
    assert replay == good
    assert lines.show_line(db, line).body["held"] == "100.00"


def test_a_refusal_is_an_answer_and_is_stored_under_its_key(db: SqlDatabase) -> None:
    """Unlike bad input, a refusal by the rules is the request's answer: the same request gets
    it again even once it would pass, and another request under the key is a reuse."""
    _, line = active_line(db, limit="100.00")
    held = spending.authorize(db, line, amount="80.00", purpose="procurement", key="k0").body
    refused = spending.authorize(db, line, amount="50.00", purpose="procurement", key="k1")
    assert refused.refused
    assert [r["code"] for r in refused.body["reasons"]] == ["insufficient_available"]
    spending.void(db, held["id"], key="v0")  # now 50.00 would fit
    again = spending.authorize(db, line, amount="50.00", purpose="procurement", key="k1")
    assert (again.refused, again.body) == (True, refused.body)
    assert lines.show_line(db, line).body["held"] == "0.00"
    with pytest.raises(IdempotencyKeyReused):
        spending.authorize(db, line, amount="40.00", purpose="procurement", key="k1")

"""A forged ledger does not pass ``ledger verify``, even when the forger can write the database.

Found in the field: someone with write access rewrote a transfer's amount, recomputed every
hash after it with the project's own ``chain_hash``, moved the line's balances and head to
match, and ``verify`` said ok; the hold still said 1000.00 while the ledger said 500.00. Each
story here is one such edit, made behind creditline's back (append-only triggers dropped first),
and names exactly the problems ``verify`` must report, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from creditline.adapters.db import hotpath as hp
from creditline.adapters.db import tables as t
from creditline.adapters.db.database import SqlDatabase
from creditline.adapters.db.schema import upgrade
from creditline.adapters.ledger_keys import ENV_KEY_FILE, ENV_PUBLIC_KEY
from creditline.domain.checkpoints import SigningKey, sign_head
from creditline.domain.ledger import GENESIS_HASH, LINE_BOOK, Balances, PostedTransfer, chain_hash
from creditline.domain.money import Money
from creditline.service import sandbox_clock as clock
from creditline.service.due_jobs import run_due
from creditline.service.ledger_verify import verify_ledger
from creditline.service.quota import spending
from creditline.service.settlement import funds
from creditline.service.settlement import order_flow as orders
from creditline.service.settlement import split_runs as splits
from tests.helpers import (
    START,
    active_line,
    backend_of,
    cli,
    drop_append_only_guards,
    js,
    tamper,
)

#: The triggers that keep checkpoints and keys append-only, per backend.
CHECKPOINT_GUARDS = {
    "sqlite": [
        "DROP TRIGGER ledger_checkpoints_no_update",
        "DROP TRIGGER ledger_checkpoints_no_delete",
        "DROP TRIGGER ledger_keys_no_update",
        "DROP TRIGGER ledger_keys_no_delete",
    ],
    "postgresql": [
        "DROP TRIGGER ledger_checkpoints_append_only ON ledger_checkpoints",
        "DROP TRIGGER ledger_keys_append_only ON ledger_keys",
    ],
}

REWRITE_TRANSFER = (
    "UPDATE ledger_transfers SET amount = :amount, prev_hash = :prev, hash = :hash "
    "WHERE line_id = :line AND seq = :seq"
)
SIGNATURE_OF_SEQ_3_ON_SEQ_2 = (
    "UPDATE ledger_checkpoints SET signature = (SELECT c.signature FROM ledger_checkpoints c "
    "WHERE c.book_id = :line AND c.seq = 3) WHERE book_id = :line AND seq = 2"
)


@dataclass
class Books:
    url: str
    merchant: str
    line: str
    big_hold: str  # 1000.00, authorised (line seq 2)
    small_hold: str  # 300.00, captured for order PO1 (seq 3 authorise, seq 4 capture)
    payout: str  # the supplier's 300.00 of order TB1, paid


@pytest.fixture
def books(db: SqlDatabase, db_url: str) -> Books:
    """衣尚坊's line (limit 5,000.00): seq 1 the grant, 2 a 1,000.00 hold, 3 a 300.00 hold, 4
    its capture (occupancy of order PO1); and its funds book from one 500.00 sale (seq 1),
    split 60% to its supplier 杭州织造 and 40% to itself (2, 3), the supplier paid out (4)."""
    clock.set_clock(db, "2024-05-06T10:00:00+08:00")
    merchant, line = active_line(db, limit="5000.00")
    big = spending.authorize(db, line, amount="1000.00", purpose="procurement", key="a1")
    small = spending.authorize(
        db, line, amount="300.00", purpose="procurement", key="a2", order="PO1"
    )
    spending.capture(db, small.body["id"], amount=None, key="c2")
    supplier = splits.add_supplier(db, merchant, name="杭州织造", tier="core", account="6222-S")
    splits.set_split_rule(db, merchant, rule=f"supplier:{supplier.body['id']}:60,merchant:40")
    orders.add_order(db, merchant, order_id="TB1", amount="500.00", buyer="b")
    orders.ship_order(db, "TB1")
    orders.confirm_order(db, "TB1")
    run_due(db)
    [payout] = funds.list_payouts(db, merchant).body["data"]
    assert payout["status"] == "paid"
    report = verify_ledger(db)
    assert report.ok, report.problems
    assert report.trust.anchored
    drop_append_only_guards(db_url)
    return Books(db_url, merchant, line, big.body["id"], small.body["id"], payout["id"])


def _problems(db: SqlDatabase) -> list[tuple[str, int, str]]:
    report = verify_ledger(db)
    assert report.ok is not bool(report.problems)
    return [(p.get("line") or p["funds"], p["seq"], p["problem"]) for p in report.problems]


def _found(db: SqlDatabase, problem: str) -> dict[str, Any]:
    [found] = [p for p in verify_ledger(db).problems if p["problem"] == problem]
    return found


def _transfers(db: SqlDatabase, line: str) -> list[PostedTransfer]:
    with db.transaction(write=False) as uow:
        return list(uow.lines.transfers_of(line))


def _set_line(url: str, line: str, posted: list[PostedTransfer]) -> None:
    """Move the line's head and every balance to what ``posted`` adds up to."""
    derived = Balances.empty(LINE_BOOK, "CNY").apply(p.transfer for p in posted)
    values = dict(zip(hp.LINE_COLUMNS, (m.minor for m in derived.amounts), strict=True))
    last = posted[-1] if posted else None
    values |= {"seq": last.seq if last else 0, "head_hash": last.hash if last else GENESIS_HASH}
    columns = ", ".join(f"{c} = :{c}" for c in values)
    tamper(url, [f"UPDATE lines SET {columns} WHERE id = :line"], {**values, "line": line})


def forge_amount(db: SqlDatabase, url: str, line: str, seq: int, minor: int) -> None:
    """What the intruder did: row ``seq`` gets a new amount, every row from it on gets its
    hash recomputed with creditline's own ``chain_hash``, and the line's balances and head are
    moved to match, so that the chain and the balances hold."""
    posted = _transfers(db, line)
    prev = posted[seq - 2].hash if seq > 1 else GENESIS_HASH
    forged: list[PostedTransfer] = posted[: seq - 1]
    for p in posted[seq - 1 :]:
        transfer = p.transfer
        if p.seq == seq:
            transfer = dataclasses.replace(transfer, amount=Money(minor, transfer.amount.currency))
        digest = chain_hash(
            prev,
            book_id=p.book_id,
            seq=p.seq,
            movement_id=p.movement_id,
            transfer=transfer,
            created_at=p.created_at,
        )
        forged.append(dataclasses.replace(p, transfer=transfer, prev_hash=prev, hash=digest))
        tamper(
            url,
            [REWRITE_TRANSFER],
            {"amount": transfer.amount.minor, "prev": prev, "hash": digest, "line": line}
            | {"seq": p.seq},
        )
        prev = digest
    _set_line(url, line, forged)


# -- the forgery from the field, and its neighbours ------------------------------------------
def test_the_forged_amount_with_recomputed_hashes_and_balances_is_caught(
    db: SqlDatabase, books: Books
) -> None:
    """The 1,000.00 hold's transfer rewritten to 500.00: every hash and balance agrees with
    the forged rows, so only the signed checkpoint at seq 2 and the hold's own row can tell."""
    forge_amount(db, books.url, books.line, 2, 500_00)
    assert _problems(db) == [
        (books.line, 2, "checkpoint_mismatch"),
        (books.line, 4, "hold_mismatch"),
    ]
    mismatch = _found(db, "hold_mismatch")
    assert mismatch["hold"] == books.big_hold
    assert (mismatch["stored"]["amount"], mismatch["ledger"]["amount"]) == (1000_00, 500_00)


def test_the_cli_exits_1_and_names_the_forgery(db: SqlDatabase, books: Books) -> None:
    forge_amount(db, books.url, books.line, 2, 500_00)
    report = js(books.url, "ledger", "verify", check=1)
    assert report["ok"] is False
    assert report["keys"]["anchored"] is True
    assert report["first_bad"] == {
        "line": books.line,
        "seq": 2,
        "problem": "checkpoint_mismatch",
        "signed_hash": report["first_bad"]["signed_hash"],
        "chain_hash": report["first_bad"]["chain_hash"],
    }
    assert {p["problem"] for p in report["problems"]} == {"checkpoint_mismatch", "hold_mismatch"}
    text = cli(books.url, "ledger", "verify", check=1).stdout
    assert f"line {books.line} seq 2: checkpoint_mismatch" in " ".join(text.split())


def test_a_forged_hold_amount_is_caught(db: SqlDatabase, books: Books) -> None:
    """The hold row says 1,500.00 (a capture reads it): the ledger only ever held 1,000.00."""
    tamper(books.url, ["UPDATE holds SET amount = 150000 WHERE id = :id"], {"id": books.big_hold})
    assert _problems(db) == [(books.line, 4, "hold_mismatch")]
    assert _found(db, "hold_mismatch")["ledger"]["amount"] == 1000_00


def test_a_forged_occupancy_is_caught(db: SqlDatabase, books: Books) -> None:
    """PO1's occupancy rewritten to 100.00 (as if 200.00 were repaid), and the line's balances
    moved to match: the capture and no repayment in the ledger say 300.00 is outstanding."""
    tamper(
        books.url,
        [
            "UPDATE occupancies SET amount = 10000, outstanding = 10000",
            "UPDATE lines SET occupied = occupied - 20000, available = available + 20000",
        ],
    )
    assert _problems(db) == [
        (books.line, 4, "balance_mismatch"),
        (books.line, 4, "occupancy_mismatch"),
    ]
    found = _found(db, "occupancy_mismatch")
    assert found["stored"] == {"amount": 100_00, "outstanding": 100_00}
    assert found["ledger"] == {"amount": 300_00, "outstanding": 300_00}


def test_a_forged_occupancy_amount_is_caught_though_the_totals_still_agree(
    db: SqlDatabase, books: Books
) -> None:
    """PO1's occupancy says 500.00 was spent, 300.00 of it unpaid: what is outstanding still
    adds up to the line's occupied balance, but the capture was 300.00."""
    tamper(books.url, ["UPDATE occupancies SET amount = 50000"])
    assert _problems(db) == [(books.line, 4, "occupancy_mismatch")]
    assert _found(db, "occupancy_mismatch")["stored"] == {"amount": 500_00, "outstanding": 300_00}


def test_a_forged_count_of_open_orders_is_caught(db: SqlDatabase, books: Books) -> None:
    """The line's running count of open orders (what the diagnosis and the quota page say)
    raised by five: the occupancy rows say otherwise."""
    tamper(books.url, ["UPDATE lines SET open_orders = open_orders + 5"])
    assert _problems(db) == [(books.line, 4, "open_orders_mismatch")]
    found = _found(db, "open_orders_mismatch")
    assert found["open_orders"] == found["open_rows"] + 5


def test_a_forged_payout_amount_is_caught(db: SqlDatabase, books: Books) -> None:
    """The paid supplier payout rewritten to 3,000.00: the funds book paid 300.00."""
    tamper(books.url, ["UPDATE payouts SET amount = 300000 WHERE id = :id"], {"id": books.payout})
    assert _problems(db) == [(books.merchant, 4, "payout_mismatch")]
    found = _found(db, "payout_mismatch")
    assert (found["payout"], found["stored"], found["ledger"]) == (
        books.payout,
        {"paid": 3000_00},
        {"paid": 300_00},
    )


def test_a_deleted_last_transfer_with_the_head_rewound_is_caught(
    db: SqlDatabase, books: Books
) -> None:
    """The capture (seq 4) deleted and the line's head and balances rewound to seq 3: the
    chain is intact and adds up, but it ends before the head a checkpoint signed, and the hold
    and the occupancy still say captured."""
    tamper(books.url, ["DELETE FROM ledger_transfers WHERE seq = 4"])
    _set_line(books.url, books.line, _transfers(db, books.line))
    assert _problems(db) == [
        (books.line, 3, "chain_truncated"),
        (books.line, 3, "hold_mismatch"),
        (books.line, 3, "occupancy_mismatch"),
    ]
    assert _found(db, "chain_truncated")["signed_seq"] == 4


def test_a_replaced_signature_is_caught(db: SqlDatabase, books: Books) -> None:
    """The checkpoint of seq 2 carries the signature of seq 3: a real signature by the real
    key, of another head."""
    tamper(books.url, CHECKPOINT_GUARDS[backend_of(books.url)])
    tamper(
        books.url,
        [SIGNATURE_OF_SEQ_3_ON_SEQ_2],
        {"line": books.line},
    )
    assert _problems(db) == [(books.line, 2, "checkpoint_signature_invalid")]


def test_checkpoints_re_signed_with_the_forgers_own_key_are_untrusted(
    db: SqlDatabase, books: Books
) -> None:
    """The forger signs the forged chain with a key of their own and records it in the
    database: its signatures verify, but the key is not one verify trusts."""
    forge_amount(db, books.url, books.line, 2, 500_00)
    _re_sign(db, books, SigningKey(b"\x07" * 32))
    assert _problems(db) == [
        (books.line, 1, "checkpoint_key_untrusted"),
        (books.line, 4, "hold_mismatch"),
    ]


def _re_sign(db: SqlDatabase, books: Books, key: SigningKey) -> None:
    """Replace the line's checkpoints with ones ``key`` signed over its chain as it stands."""
    tamper(books.url, CHECKPOINT_GUARDS[backend_of(books.url)])
    rows = [
        sign_head(key, "line", (p.book_id, p.seq, p.hash), START)
        for p in _transfers(db, books.line)
    ]
    tamper(
        books.url, ["DELETE FROM ledger_checkpoints WHERE book_id = :line"], {"line": books.line}
    )
    with db.engine.begin() as conn:
        conn.execute(sa.insert(t.ledger_checkpoints), [dataclasses.asdict(c) for c in rows])
        conn.execute(
            sa.insert(t.ledger_keys),
            {
                "fingerprint": key.public.fingerprint,
                "algorithm": "ed25519",
                "public_key": key.public.text,
                "recorded_at": START,
            },
        )


# -- where verify's trust comes from ---------------------------------------------------------
def test_without_the_key_file_verify_checks_the_recorded_key_and_says_so(
    db: SqlDatabase, books: Books, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "elsewhere.key"))
    report = verify_ledger(db)
    assert report.ok, report.problems
    assert (report.trust.source, report.trust.anchored) == ("database", False)
    assert report.to_json()["keys"]["fingerprints"] == [_recorded(db)]
    tamper(books.url, CHECKPOINT_GUARDS[backend_of(books.url)])
    tamper(
        books.url, ["UPDATE ledger_checkpoints SET head_hash = :h WHERE seq = 1"], {"h": "0" * 64}
    )
    assert {p for _, _, p in _problems(db)} == {"checkpoint_signature_invalid"}


def test_without_an_anchor_a_forger_with_a_key_of_their_own_passes_and_verify_says_so(
    db: SqlDatabase, books: Books, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The limit of trusting the database (docs/ledger-integrity.md): the forger recorded a
    key of their own beside ours. Only the records kept beside the chain still tell; an
    anchored verify (pinned public key or key file) names the key, as above."""
    forge_amount(db, books.url, books.line, 2, 500_00)
    _re_sign(db, books, SigningKey(b"\x07" * 32))
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "elsewhere.key"))
    assert _problems(db) == [(books.line, 4, "hold_mismatch")]
    assert not verify_ledger(db).trust.anchored


def test_a_pinned_public_key_is_trusted_without_the_key_file(
    db: SqlDatabase, books: Books, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    public = _recorded_key(db)
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "elsewhere.key"))
    monkeypatch.setenv(ENV_PUBLIC_KEY, public)
    report = verify_ledger(db)
    assert report.ok, report.problems
    assert (report.trust.source, report.trust.anchored) == (f"${ENV_PUBLIC_KEY}", True)
    _re_sign(db, books, SigningKey(b"\x07" * 32))
    assert [p for _, _, p in _problems(db)] == ["checkpoint_key_untrusted"]


def _recorded(db: SqlDatabase) -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(sa.select(t.ledger_keys.c.fingerprint)).scalar_one())


def _recorded_key(db: SqlDatabase) -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(sa.select(t.ledger_keys.c.public_key)).scalar_one())


def test_running_init_again_never_signs_what_a_forger_left(db: SqlDatabase, books: Books) -> None:
    """Only the upgrade that adds checkpoints signs the heads a database already had; a later
    init that found unsigned heads would otherwise launder a forgery."""
    forge_amount(db, books.url, books.line, 4, 200_00)
    tamper(books.url, CHECKPOINT_GUARDS[backend_of(books.url)])
    tamper(books.url, ["DELETE FROM ledger_checkpoints WHERE seq = 4"])
    done = upgrade(db.engine, sandbox=True, now=START)
    assert done["heads_signed_on_upgrade"] == 0
    assert ("line", "checkpoint_missing") in {
        ("line" if "line" in p else "funds", p["problem"]) for p in verify_ledger(db).problems
    }


def test_after_a_key_rotation_the_old_key_is_trusted_once_pinned(
    db: SqlDatabase, books: Books, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old = _recorded_key(db)
    monkeypatch.setenv(ENV_KEY_FILE, str(tmp_path / "new.key"))
    assert upgrade(db.engine, sandbox=True, now=START)["ledger_key_created"] is True
    rotated = SqlDatabase(db.engine)  # a new process: it reads the new key
    spending.authorize(rotated, books.line, amount="1.00", purpose="procurement", key="r1")
    assert _problems(rotated) == [
        (books.line, 1, "checkpoint_key_untrusted"),
        (books.merchant, 1, "checkpoint_key_untrusted"),
    ]
    monkeypatch.setenv(ENV_PUBLIC_KEY, old)
    assert verify_ledger(rotated).ok

"""The operator desk's use cases (dashboard, review queue with features, a line's audit trail
and events, stored rings) through the use cases, the API and the CLI, on SQLite and
PostgreSQL; and the in-memory fake of their port."""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass

import pytest

import creditline
from creditline.adapters.db.database import SqlDatabase
from creditline.domain.money import Money
from creditline.domain.settlement.payouts import Payout, PayoutKind, PayoutStatus
from creditline.entrypoints.pages.graph import ring_drawing
from creditline.service import desk_ports
from creditline.service.quota.alert_ports import StoredAlert
from tests.api_helpers import World, make_world
from tests.fakes import FakeDatabase
from tests.fakes_desk import FakeDesk
from tests.helpers import cli

REVIEW_BIG = """name: desk
thresholds: {review: 40, decline: 95}
rules:
  - name: big_spend
    signal: velocity
    outcome: review
    reason: big_spend
    weight: 50
    when: amount >= 5000
"""


@dataclass
class Desk:
    world: World
    decision: str  # alice's spend held for review
    held: str  # its hold
    freeze: str  # a freeze on bob's line
    ring: str
    case: str


def seed_desk(world: World) -> Desk:
    """Alice spends (one approved, one held for review, one declined); bob's line is frozen;
    alice's line has a red alert; a supplier payout of alice's failed; alice and bob share a
    device and money, as a stored ring with its case."""
    db = world.db
    alice, bob = world.lines["alice"], world.lines["bob"]
    creditline.load_rules(db, REVIEW_BIG, note="desk", key="desk-rules")
    creditline.authorize(db, alice, amount="100.00", purpose="procurement", key="d-1")
    held = creditline.authorize(db, alice, amount="6000.00", purpose="procurement", key="d-2")
    creditline.authorize(db, alice, amount="900000.00", purpose="procurement", key="d-3")
    decision = creditline.queue(db).body["pending"][0]["id"]
    freeze = creditline.add_freeze(db, bob, reason="risk", note="look", key="d-4").body["id"]
    pa, pb = world.parties["alice"], world.parties["bob"]
    with db.transaction() as uow:
        now = uow.reference.now()
        uow.alerts.open_alert(
            StoredAlert("alr_desk1", alice, "occupancy_overdue", "red", {"days": 31}, now)
        )
        uow.payouts.insert_payout(
            Payout(
                id="po_desk1",
                party_id=pa,
                kind=PayoutKind.SUPPLIER,
                account="6222000011112222",
                amount=Money(123456),
                status=PayoutStatus.PENDING,
                next_attempt_at=now,
                attempts=2,
                failures_in_row=2,
                last_error="timeout",
            ),
            now,
        )
        for party in (pa, pb):
            uow.risk.add_identifiers(party, [("device", "dev-shared-1")], now)
        uow.risk.add_identifiers(pa, [("phone", "13800000000")], now)
        uow.payouts.open_case(
            case_id="case_desk000000000001",
            kind="cashout_ring",
            party_id=pa,
            subject="ring_desk1",
            details={"members": [pa, pb]},
            now=now,
        )
        uow.rings.save_ring(
            {
                "id": "ring_desk1",
                "members": [pa, pb],
                "score": 80,
                "pattern": "round_trip",
                "evidence": {
                    "shared": [{"kind": "device", "value": "dev-shared-1"}],
                    "spends_between_members": [
                        {"spend": "hold_x", "from": pa, "to": pb, "amount": "300.00"}
                    ],
                    "money_back": [{"spend": "hold_x", "order": "O1", "to": pa, "from": pb}],
                },
                "case": "case_desk000000000001",
            },
            new=True,
            now=now,
        )
    return Desk(world, decision, held.body["id"], freeze, "ring_desk1", "case_desk000000000001")


@pytest.fixture
def desk(db: SqlDatabase) -> Desk:
    return seed_desk(make_world(db))


def test_the_dashboard_counts_todays_spends_backlog_red_alerts_and_failing_payouts(
    desk: Desk,
) -> None:
    body = creditline.dashboard(desk.world.db).body
    assert body["authorizations"] == {"approved": 1, "review": 1, "declined": 1, "total": 3}
    assert body["day"] == body["at"][:10]
    assert body["review_backlog"]["count"] == 1
    assert body["review_backlog"]["oldest_at"].endswith("+08:00")
    assert body["review_backlog"]["oldest_age_minutes"] == 0
    assert body["red_alerts"]["count"] == 1
    assert body["red_alerts"]["data"][0]["line"] == desk.world.lines["alice"]
    assert body["failing_payouts"]["count"] == 1
    failing = body["failing_payouts"]["data"][0]
    assert (failing["id"], failing["amount"], failing["last_error"]) == (
        "po_desk1",
        "1234.56",
        "timeout",
    )
    with pytest.raises(creditline.InvalidInput):
        creditline.dashboard(desk.world.db, listed=0)


def test_the_dashboard_through_the_api_is_for_operators_in_minor_units(desk: Desk) -> None:
    w = desk.world
    got = w.get("ops", "/v1/dashboard")
    assert got.status_code == 200
    body = got.json()
    assert body["object"] == "dashboard"
    assert body["failing_payouts"]["data"][0]["amount"] == 123456
    assert body["authorizations"]["total"] == 3
    assert w.get("alice", "/v1/dashboard").status_code == 403


def test_the_queue_carries_the_features_and_rules_behind_each_decision(desk: Desk) -> None:
    item = creditline.review_queue(desk.world.db).body["pending"][0]
    assert item["id"] == desk.decision
    assert [r["rule"] for r in item["reasons"]] == ["big_spend"]
    named = {f["name"]: f for f in item["features"]}
    assert named["amount"]["value"] == "6000.00"
    assert "yuan" in named["amount"]["meaning"]
    api = desk.world.get("risk", "/v1/risk/queue?features=true").json()
    assert api["data"][0]["features"]
    assert "features" not in desk.world.get("risk", "/v1/risk/queue").json()["data"][0]
    with pytest.raises(creditline.InvalidInput):
        creditline.review_queue(desk.world.db, limit=0)


def test_a_lines_audit_trail_and_events_are_filtered_to_the_line(desk: Desk) -> None:
    w = desk.world
    bob, alice = w.lines["bob"], w.lines["alice"]
    lifted = w.post("ops", f"/v1/freezes/{desk.freeze}/lift", {"note": "cleared"})
    assert lifted.status_code == 200
    assert w.post("risk", f"/v1/lines/{alice}/freezes", {"reason": "risk"}).status_code == 200
    trail = creditline.line_audit(w.db, bob).body["data"]
    assert [(r["action"], r["target"], r["note"]) for r in trail] == [
        ("freeze.lift", desk.freeze, "cleared")
    ]
    api = w.get("root", f"/v1/audit?line={bob}").json()
    assert [r["action"] for r in api["data"]] == ["freeze.lift"]
    assert w.get("ops", f"/v1/audit?line={bob}").status_code == 403  # audit.read: admin, risk
    assert w.get("root", f"/v1/audit?line={bob}&actor=ops").status_code == 400
    events = creditline.line_events(w.db, bob).body["data"]
    assert {e["line"] for e in events} == {bob}
    assert "freeze.lifted" in [e["type"] for e in events]
    api_events = w.get("ops", f"/v1/events?line={bob}").json()["data"]
    assert [e["id"] for e in api_events] == [e["id"] for e in events[:10]]
    assert w.get("ops", f"/v1/events?line={bob}&type=freeze.lifted").status_code == 400
    newest = creditline.line_events(w.db, bob, limit=2, newest=True).body
    assert [e["id"] for e in newest["data"]] == [e["id"] for e in events[::-1][:2]]
    assert newest["has_more"] is (len(events) > 2)
    w.post("ops", f"/v1/lines/{bob}/freezes", {"reason": "operator", "note": "second"})
    latest = creditline.line_audit(w.db, bob, limit=1, newest=True).body
    assert [r["action"] for r in latest["data"]] == ["freeze.add"]
    assert latest["has_more"] is True
    with pytest.raises(creditline.NotFound):
        creditline.line_audit(w.db, "line_0000000000000000")
    with pytest.raises(creditline.InvalidInput):
        creditline.line_events(w.db, bob, after=-1)


def test_stored_rings_say_which_member_holds_which_shared_identifier(desk: Desk) -> None:
    w = desk.world
    ring = creditline.list_rings(w.db).body["data"][0]
    pa, pb = w.parties["alice"], w.parties["bob"]
    assert ring["id"] == desk.ring
    assert ring["links"] == [
        {"party": p, "kind": "device", "value": "dev-shared-1"} for p in sorted([pa, pb])
    ]  # the phone only alice holds is no link
    assert ring["shared"] == [{"kind": "device", "value": "dev-shared-1"}]
    assert "shared" not in ring["evidence"]
    api = w.get("risk", "/v1/risk/rings").json()
    assert api["object"] == "list"
    assert api["data"][0]["evidence"]["spends_between_members"][0]["amount"] == 30000
    assert w.get("alice", "/v1/risk/rings").status_code == 403
    drawing = ring_drawing(ring)
    kinds = sorted(n.kind for n in drawing.nodes)
    assert kinds == ["device", "member", "member"]
    assert sorted(e.kind for e in drawing.edges) == ["money_back", "shared", "shared", "spend"]
    assert all(0 <= n.x <= drawing.width and 0 <= n.y <= drawing.height for n in drawing.nodes)
    assert ring_drawing(ring) == drawing  # a fixed seed: the same picture every time
    assert ring_drawing({"members": []}).nodes == []


def test_the_cli_shows_the_dashboard_queue_trail_events_and_rings(desk: Desk) -> None:
    w = desk.world
    url = w.db.engine.url.render_as_string(hide_password=False)
    body = json.loads(cli(url, "ops", "dashboard", "--json", process=True).stdout)  # real script
    assert body["authorizations"]["review"] == 1
    text = cli(url, "ops", "dashboard").stdout
    assert "po_desk1" in text
    assert "review 待审 1" in text
    queue = json.loads(cli(url, "ops", "queue", "--json").stdout)
    assert queue["pending"][0]["features"]
    assert "big_spend" in cli(url, "ops", "queue").stdout
    bob = w.lines["bob"]
    w.post("ops", f"/v1/freezes/{desk.freeze}/lift", {"note": "cleared"})
    trail = json.loads(cli(url, "ops", "audit", bob, "--as", "risk", "--json").stdout)
    assert [r["action"] for r in trail["data"]] == ["freeze.lift"]
    assert "freeze.lift" in cli(url, "ops", "audit", bob, "--as", "root").stdout
    cli(url, "ops", "audit", bob, "--as", "ops", check=3)  # operations may not read the log
    events = json.loads(cli(url, "ops", "events", bob, "--json").stdout)
    assert "freeze.lifted" in [e["type"] for e in events["data"]]
    assert "freeze.lifted" in cli(url, "ops", "events", bob).stdout
    rings = json.loads(cli(url, "ops", "rings", "--json").stdout)
    assert rings["data"][0]["id"] == desk.ring
    assert desk.ring in cli(url, "ops", "rings").stdout


def test_the_desk_port_has_a_fake_with_the_same_methods_and_parameters() -> None:
    def methods(cls: type) -> dict[str, list[str]]:
        return {
            name: list(inspect.signature(member).parameters)
            for name, member in vars(cls).items()
            if callable(member) and not name.startswith("_")
        }

    assert methods(desk_ports.DeskRepo) == methods(FakeDesk)


def test_the_dashboard_runs_on_the_fakes() -> None:
    db = FakeDatabase()
    body = creditline.dashboard(db).body  # type: ignore[arg-type]
    assert body["authorizations"]["total"] == 0
    assert body["review_backlog"] == {"count": 0, "oldest_at": None, "oldest_age_minutes": None}

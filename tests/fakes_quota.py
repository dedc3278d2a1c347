"""In-memory fakes of the quota ports: lines and their book, holds and occupancy, freezes,
parties and documents (see ``tests/fakes.py``).

Over 400 lines on purpose: it mirrors the quota context's repository ports one class each, as
``quota_ports`` declares them, so that a port and its fake are read side by side."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from creditline.domain.errors import Conflict, NotFound
from creditline.domain.ledger import GENESIS_HASH, LINE_BOOK, Balances, PostedTransfer, Posting
from creditline.domain.ledger_trail import OccupancyRecord
from creditline.domain.money import Money
from creditline.domain.quota.documents import Document, DocumentType
from creditline.domain.quota.evaluation import OccupancySummary, OpenHold
from creditline.domain.quota.freezes import Freeze, FreezeStatus
from creditline.domain.quota.limits import LimitChange, LimitRequest
from creditline.domain.quota.lines import Hold, HoldStatus, LineState, LineStatus, Occupancy
from creditline.domain.quota.parties import Party
from creditline.domain.quota.purposes import Product
from creditline.domain.workdays import iso_local, local_date
from creditline.service.quota.quota_ports import LockedLine

if TYPE_CHECKING:
    from tests.fakes import FakeState


def _id(hold: Hold) -> str:
    return hold.id


def _missing(kind: str, ident: str) -> NotFound:
    return NotFound(kind, f"{kind}: no such {kind} {ident!r}")


class FakeLines:
    """The ``lines`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def insert_line(
        self, *, line_id: str, party_id: str, product: str, currency: str, now: datetime
    ) -> None:
        self.s.lines[line_id] = {
            "id": line_id,
            "tenant_id": "default",
            "party_id": party_id,
            "product": product,
            "status": LineStatus.PENDING_ACTIVATION,
            "balances": Balances.empty(LINE_BOOK, currency),
            "seq": 0,
            "head_hash": GENESIS_HASH,
            "created_at": now,
        }
        self.s.transfers[line_id] = []

    def _row(self, line_id: str) -> dict[str, Any]:
        row = self.s.lines.get(line_id)
        if row is None:
            raise _missing("line", line_id)
        return row

    def lock_line(
        self, line_id: str, key: str | None = None, *, for_spend: bool = False
    ) -> LockedLine:
        row = self._row(line_id)
        party = self.s.parties[row["party_id"]]
        occupancy = [
            o["captured_at"]
            for (lid, _), o in self.s.occupancies.items()
            if lid == line_id and o["outstanding"].minor > 0
        ]
        licences = sorted(
            (d for d in self.s.documents if d.party_id == row["party_id"]),
            key=lambda d: (d.submitted_on, d.id),
        )
        licences = [d for d in licences if d.type is DocumentType.BUSINESS_LICENCE]
        return LockedLine(
            state=LineState(
                id=line_id,
                party_id=row["party_id"],
                party_kind=party["party"].kind,
                product=Product(row["product"]),
                status=row["status"],
                balances=row["balances"],
                limit_target=row.get("limit_target"),
            ),
            seq=row["seq"],
            head_hash=row["head_hash"],
            stored=None if key is None else self.s.responses.get((line_id, key)),
            open_freezes=sum(
                1
                for (lid, _), f in self.s.freezes.items()
                if lid == line_id and f["freeze"].status is FreezeStatus.ACTIVE
            ),
            open_orders=len(occupancy),
            oldest_occupancy=min(occupancy) if occupancy else None,
            licence_expires_on=licences[-1].expires_on if licences else None,
            policy_seq=max((c.version for c in self.s.policy_changes), default=0),
            rule_seq=max((r.version for r in self.s.rule_sets), default=0),
            party_created_at=party["created_at"],
        )

    def read_line(self, line_id: str) -> LockedLine:
        return self.lock_line(line_id)

    def set_line_status(self, line_id: str, status: LineStatus, now: datetime) -> None:
        self._row(line_id)["status"] = status

    def append(self, posting: Posting) -> None:
        if not posting.transfers:
            return
        row = self._row(posting.before.book_id)
        if row["seq"] != posting.before.seq:
            raise Conflict(f"line {posting.before.book_id} moved under its lock")
        self.s.transfers[posting.before.book_id].extend(posting.transfers)
        after = posting.after
        row.update(balances=after.balances, seq=after.seq, head_hash=after.hash)
        self.s.moved["line", after.book_id] = after

    def line_ids(self) -> Iterator[str]:
        return iter(sorted(self.s.lines))

    def transfers_of(self, line_id: str) -> Iterator[PostedTransfer]:
        return iter(list(self.s.transfers.get(line_id, [])))

    def day_ends(self, line_id: str, first: date, last: date) -> list[tuple[date, Balances]]:
        """The running aggregate, replayed from the transfers (the reference answer)."""
        currency = self.s.lines[line_id]["balances"].currency
        running, ends = Balances.empty(LINE_BOOK, currency), {}
        for posted in self.s.transfers.get(line_id, []):
            running = running.apply([posted.transfer])
            ends[local_date(posted.created_at)] = running
        before = [d for d in ends if d < first]
        days = ([max(before)] if before else []) + sorted(d for d in ends if first <= d <= last)
        return [(d, ends[d]) for d in days]

    def lines_of_party(self, party_id: str) -> list[str]:
        rows = [r for r in self.s.lines.values() if r["party_id"] == party_id]
        return [r["id"] for r in sorted(rows, key=lambda r: (r["created_at"], r["id"]))]

    def open_line_of(self, party_id: str, product: str) -> str | None:
        return next(
            (
                lid
                for lid, r in self.s.lines.items()
                if r["party_id"] == party_id
                and r["product"] == product
                and r["status"] is not LineStatus.CLOSED
            ),
            None,
        )

    def set_limit_target(self, line_id: str, target: Money | None, now: datetime) -> None:
        self._row(line_id)["limit_target"] = target

    def insert_limit_change(self, change: LimitChange) -> None:
        self.s.limit_changes.setdefault(change.line_id, []).append(change)

    def limit_changes(self, line_id: str, *, limit: int = 100) -> list[LimitChange]:
        changes = self.s.limit_changes.get(line_id, [])
        return list(reversed(changes))[:limit]

    def save_limit_request(self, request: LimitRequest) -> None:
        self.s.limit_requests[request.id] = request

    def limit_request(self, line_id: str, request_id: str) -> LimitRequest:
        found = self.s.limit_requests.get(request_id)
        if found is None or found.line_id != line_id:
            raise _missing("request", request_id)
        return found

    def limit_requests(
        self, *, line_id: str | None = None, status: str | None = None, limit: int = 100
    ) -> list[LimitRequest]:
        found = [
            r
            for r in self.s.limit_requests.values()
            if (line_id is None or r.line_id == line_id)
            and (status is None or r.status.value == status)
        ]
        return sorted(found, key=lambda r: r.created_at, reverse=True)[:limit]

    def order_refs(self, line_id: str) -> dict[str, str | None]:
        refs = {hid: h["hold"].order_id for (lid, hid), h in self.s.holds.items() if lid == line_id}
        for (lid, oid), o in self.s.occupancies.items():
            if lid == line_id:
                refs[oid] = o["occupancy"].order_id
        return refs

    def lines_with_overdue_occupancy(self, cutoff: datetime) -> list[str]:
        return sorted(
            {
                lid
                for (lid, _), o in self.s.occupancies.items()
                if o["outstanding"].minor > 0 and o["captured_at"] < cutoff
            }
        )


class FakeHolds:
    """The ``holds`` port in memory (occupancy included)."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def insert_hold(
        self,
        hold: Hold,
        *,
        counterparty: str | None,
        reasons: list[dict[str, Any]],
        policy_version: str,
        now: datetime,
        risk_features: dict[str, Any] | None = None,
        rule_set_version: int | None = None,
        counters: dict[str, int] | None = None,
    ) -> None:
        if (hold.line_id, hold.id) in self.s.holds:
            raise Conflict(f"hold {hold.id} exists")
        self.s.holds[hold.line_id, hold.id] = {
            "hold": hold,
            "counterparty": counterparty,
            "reasons": copy.deepcopy(reasons),
            "policy_version": policy_version,
            "created_at": now,
            "risk_features": copy.deepcopy(risk_features),
            "rule_set_version": rule_set_version,
            "counters": dict(counters or {}),
        }

    def get_hold(self, line_id: str, hold_id: str) -> Hold:
        row = self.s.holds.get((line_id, hold_id))
        if row is None:
            raise _missing("hold", hold_id)
        hold: Hold = row["hold"]
        return hold

    def update_hold(
        self,
        line_id: str,
        hold_id: str,
        *,
        status: HoldStatus,
        captured: Money,
        refunded: Money,
        now: datetime,
    ) -> None:
        row = self.s.holds[line_id, hold_id]
        row["hold"] = replace(row["hold"], status=status, captured=captured, refunded=refunded)
        row["updated_at"] = now

    def due_holds(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        due = sorted(
            (r["hold"].expires_at, lid, hid)
            for (lid, hid), r in self.s.holds.items()
            if r["hold"].status is HoldStatus.AUTHORIZED and r["hold"].expires_at <= now
        )
        return [(lid, hid) for _, lid, hid in due[:limit]]

    def open_holds(self, line_id: str) -> list[OpenHold]:
        rows = sorted(
            (r for (lid, _), r in self.s.holds.items() if lid == line_id),
            key=lambda r: r["hold"].expires_at,
        )
        return [
            OpenHold(h.id, h.amount, h.order_id, h.expires_at, r["created_at"])
            for r in rows
            if (h := r["hold"]).status is HoldStatus.AUTHORIZED
        ]

    def count_large_spends(
        self, line_id: str, start: datetime, end: datetime, threshold: Money
    ) -> int:
        return sum(
            1
            for (lid, _), r in self.s.holds.items()
            if lid == line_id
            and r["hold"].status is not HoldStatus.DECLINED
            and r["hold"].amount > threshold
            and start <= r["created_at"] < end
        )

    def insert_occupancy(self, line_id: str, occ: Occupancy) -> None:
        self.s.occupancies[line_id, occ.id] = {
            "occupancy": occ,
            "amount": occ.outstanding,
            "outstanding": occ.outstanding,
            "captured_at": occ.captured_at,
            "fees_through": None,
        }

    def _occupancies(self, line_id: str) -> list[Occupancy]:
        rows = sorted(
            (r for (lid, _), r in self.s.occupancies.items() if lid == line_id),
            key=lambda r: (r["captured_at"], r["occupancy"].id),
        )
        return [replace(r["occupancy"], outstanding=r["outstanding"]) for r in rows]

    def open_occupancies(
        self, line_id: str, *, limit: int | None = None, after: str | None = None
    ) -> list[Occupancy]:
        found = [o for o in self._occupancies(line_id) if o.outstanding.minor > 0]
        if after is not None:
            ids = [o.id for o in found]
            if after not in ids:
                raise NotFound("after", f"after: no occupancy {after!r} on line {line_id}")
            found = found[ids.index(after) + 1 :]
        return found if limit is None else found[:limit]

    def occupancy_summary(self, line_id: str, overdue_before: datetime) -> OccupancySummary:
        currency = self.s.lines[line_id]["balances"].currency
        found = self.open_occupancies(line_id)
        overdue = [o for o in found if o.captured_at < overdue_before]
        return OccupancySummary(
            count=len(found),
            overdue_count=len(overdue),
            overdue_total=Money.total((o.outstanding for o in overdue), currency),
        )

    def holds_of(self, line_id: str) -> list[Hold]:
        return sorted(
            (r["hold"] for (lid, _), r in self.s.holds.items() if lid == line_id), key=_id
        )

    def occupancies_of(self, line_id: str) -> list[OccupancyRecord]:
        amounts = {
            oid: r["amount"] for (lid, oid), r in self.s.occupancies.items() if lid == line_id
        }
        return [OccupancyRecord(o, amounts[o.id]) for o in self._occupancies(line_id)]

    def occupancy_of_hold(self, line_id: str, hold_id: str) -> Occupancy | None:
        found = [o for o in self._occupancies(line_id) if o.hold_id == hold_id]
        return found[0] if found else None

    def reduce_occupancy(self, line_id: str, occupancy_id: str, amount: Money) -> None:
        row = self.s.occupancies[line_id, occupancy_id]
        if amount > row["outstanding"]:
            raise Conflict("occupancy would go below zero")
        row["outstanding"] -= amount

    def set_fees_through(self, line_id: str, occupancy_id: str, day: date) -> None:
        self.s.occupancies[line_id, occupancy_id]["fees_through"] = day

    def fees_through(self, line_id: str) -> dict[str, date | None]:
        return {
            oid: r["fees_through"]
            for (lid, oid), r in self.s.occupancies.items()
            if lid == line_id and r["outstanding"].minor > 0
        }


class FakeFreezes:
    """The ``freezes`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def insert_freeze(self, freeze: Freeze, now: datetime) -> None:
        self.s.freezes[freeze.line_id, freeze.id] = {
            "freeze": freeze,
            "created_at": now,
            "closed_at": None,
            "close_note": None,
        }

    def close_freeze(
        self, line_id: str, freeze_id: str, status: FreezeStatus, note: str, now: datetime
    ) -> None:
        row = self.s.freezes[line_id, freeze_id]
        row.update(freeze=replace(row["freeze"], status=status), closed_at=now, close_note=note)

    def freezes_of(self, line_id: str, *, active_only: bool) -> list[Freeze]:
        rows = [r["freeze"] for (lid, _), r in self.s.freezes.items() if lid == line_id]
        if active_only:
            rows = [f for f in rows if f.status is FreezeStatus.ACTIVE]
        return sorted(rows, key=lambda f: (f.starts_at, f.id))

    def get_freeze(self, line_id: str, freeze_id: str) -> Freeze:
        row = self.s.freezes.get((line_id, freeze_id))
        if row is None:
            raise _missing("freeze", freeze_id)
        freeze: Freeze = row["freeze"]
        return freeze

    def freeze_history(self, line_id: str, freeze_id: str) -> dict[str, Any]:
        row = self.s.freezes[(line_id, freeze_id)]
        return {
            "created_at": iso_local(row["created_at"]),
            "closed_at": iso_local(row["closed_at"]) if row["closed_at"] else None,
            "close_note": row["close_note"],
        }

    def due_freezes(self, now: datetime, limit: int) -> list[tuple[str, str]]:
        due = sorted(
            (r["freeze"].ends_at, lid, fid)
            for (lid, fid), r in self.s.freezes.items()
            if r["freeze"].status is FreezeStatus.ACTIVE
            and r["freeze"].ends_at is not None
            and r["freeze"].ends_at <= now
        )
        return [(lid, fid) for _, lid, fid in due[:limit]]


class FakeParties:
    """The ``parties`` port in memory (violations and documents included)."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def insert_party(self, party: Party, now: datetime) -> None:
        if party.id in self.s.parties:
            raise Conflict(f"party {party.id} exists")
        self.s.parties[party.id] = {"party": party, "created_at": now}

    def get_party(self, party_id: str) -> Party:
        row = self.s.parties.get(party_id)
        if row is None:
            raise _missing("party", party_id)
        open_count = sum(
            1
            for v in self.s.violations.values()
            if v["party_id"] == party_id and v["closed_at"] is None
        )
        return replace(row["party"], open_violations=open_count)

    def update_party(self, party: Party) -> None:
        row = self.s.parties[party.id]
        row["party"] = replace(
            row["party"],
            real_name_verified=party.real_name_verified,
            qualification_passed=party.qualification_passed,
            settlement_account=party.settlement_account,
        )

    def open_violation(self, violation_id: str, party_id: str, note: str, now: datetime) -> None:
        self.s.violations[violation_id] = {
            "party_id": party_id,
            "note": note,
            "opened_at": now,
            "closed_at": None,
        }

    def close_violation(self, violation_id: str, now: datetime) -> str:
        row = self.s.violations.get(violation_id)
        if row is None:
            raise _missing("violation", violation_id)
        if row["closed_at"] is None:
            row["closed_at"] = now
        return str(row["party_id"])

    def insert_document(self, doc: Document, now: datetime) -> None:
        self.s.documents.append(doc)

    def documents_of(self, party_id: str) -> list[Document]:
        return sorted(
            (d for d in self.s.documents if d.party_id == party_id),
            key=lambda d: (d.submitted_on, d.id),
        )

    def has_activity(self) -> bool:
        return bool(self.s.parties)

"""In-memory fake of the credit port (see ``tests/fakes.py``): a merchant's history counted by
brute force from the fake orders, freezes and violations; applications and assessments kept in
the fake state's own attributes; the shipped scorecards read from the package."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from creditline.adapters.credit.scorecard_store import shipped_scorecard
from creditline.domain.credit.merchant_facts import MerchantHistory
from creditline.domain.errors import NotFound
from creditline.domain.settlement.orders import OrderState
from creditline.service.credit.credit_ports import Application, RecordedAssessment

if TYPE_CHECKING:
    from tests.fakes import FakeState


class FakeCredit:
    """The ``credit`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def _kept(self, name: str) -> list[Any]:
        kept: list[Any] = self.s.__dict__.setdefault(name, [])
        return kept

    def merchant_history(
        self, party_id: str, windows: list[tuple[datetime, datetime]], since: datetime
    ) -> MerchantHistory:
        row = self.s.parties.get(party_id)
        if row is None:
            raise NotFound("party", f"party: no such party {party_id!r}")
        orders = [r["order"] for r in self.s.orders.values() if r["order"].merchant_id == party_id]
        confirmed = [
            o
            for o in orders
            if o.state is OrderState.CONFIRMED and o.amount.currency == "CNY" and o.confirmed_at
        ]
        sales = tuple(
            sum(o.proceeds.minor for o in confirmed if start <= o.confirmed_at < end)  # type: ignore[operator]
            for start, end in windows
        )
        recent = [o for o in orders if o.created_at >= since]
        lines = {k for k, v in self.s.lines.items() if v.get("party_id") == party_id}
        disputes = sum(
            1
            for (line, _), f in self.s.freezes.items()
            if line in lines and f["freeze"].reason.value == "dispute" and f["created_at"] >= since
        )
        violations = sum(
            1
            for v in self.s.violations.values()
            if v["party_id"] == party_id and (v["opened_at"] >= since or v["closed_at"] is None)
        )
        done = (OrderState.CONFIRMED, OrderState.RETURNED)
        return MerchantHistory(
            joined_at=row["created_at"],
            category=row["party"].category,
            sales=sales,
            orders=len(recent),
            completed=sum(1 for o in recent if o.state is OrderState.CONFIRMED),
            finished=sum(1 for o in recent if o.state in done),
            returned=sum(1 for o in recent if o.state is OrderState.RETURNED or o.returned > 0),
            disputes=disputes,
            violations=violations,
        )

    def latest_application(self, party_id: str) -> Application | None:
        found = [a for a in self._kept("credit_applications") if a.party_id == party_id]
        return found[-1] if found else None

    def insert_application(self, application: Application) -> None:
        self._kept("credit_applications").append(application)

    def latest_assessment(self, party_id: str, product: str) -> RecordedAssessment | None:
        found = [
            a
            for a in self._kept("limit_assessments")
            if a.party_id == party_id and a.product == product
        ]
        return found[-1] if found else None

    def insert_assessment(self, assessment: RecordedAssessment) -> None:
        self._kept("limit_assessments").append(assessment)

    def assessment(self, assessment_id: str) -> RecordedAssessment | None:
        return next((a for a in self._kept("limit_assessments") if a.id == assessment_id), None)

    def shipped_scorecard(self, kind: str) -> dict[str, Any]:
        return shipped_scorecard(kind)

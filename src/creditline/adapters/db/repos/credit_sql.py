"""SQL of the credit port (授信): a merchant's history counted for its card (settled sales per
month from confirmed orders, orders and returns, dispute freezes and cases, violations),
consumers' credit applications, and the recorded limit assessments."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, insert, or_, select

from creditline.adapters.credit.scorecard_store import shipped_scorecard
from creditline.adapters.db import tables as t
from creditline.adapters.db.repos.base import SqlRepo
from creditline.domain.credit.merchant_facts import MerchantHistory
from creditline.domain.errors import NotFound
from creditline.service.credit.credit_ports import Application, RecordedAssessment

_o = t.orders
_la = t.limit_assessments
_ca = t.credit_applications
#: Settled sales are counted in the currency of the merchant's own money.
SALES_CURRENCY = "CNY"


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


class SqlCredit(SqlRepo):
    """The ``credit`` port on SQL."""

    def merchant_history(
        self, party_id: str, windows: list[tuple[datetime, datetime]], since: datetime
    ) -> MerchantHistory:
        party = self._exec(
            select(t.parties.c.created_at, t.parties.c.category).where(t.parties.c.id == party_id)
        ).first()
        if party is None:
            raise NotFound("party", f"party: no such party {party_id!r}")
        proceeds = _o.c.amount - _o.c.returned
        sums = [
            func.coalesce(
                func.sum(
                    case(
                        (and_(_o.c.confirmed_at >= start, _o.c.confirmed_at < end), proceeds),
                        else_=0,
                    )
                ),
                0,
            )
            for start, end in windows
        ]
        sales = self._exec(
            select(*sums).where(
                _o.c.merchant_id == party_id,
                _o.c.state == "confirmed",
                _o.c.currency == SALES_CURRENCY,
            )
        ).one()
        orders = self._exec(
            select(
                func.count(),
                _count(_o.c.state == "confirmed"),
                _count(_o.c.state.in_(["confirmed", "returned"])),
                _count(or_(_o.c.state == "returned", _o.c.returned > 0)),
            ).where(_o.c.merchant_id == party_id, _o.c.created_at >= since)
        ).one()
        freezes = self._exec(
            select(func.count())
            .select_from(t.freezes.join(t.lines, t.lines.c.id == t.freezes.c.line_id))
            .where(
                t.lines.c.party_id == party_id,
                t.freezes.c.reason == "dispute",
                t.freezes.c.created_at >= since,
            )
        ).scalar_one()
        cases = self._exec(
            select(func.count()).where(
                t.cases.c.party_id == party_id,
                t.cases.c.kind == "dispute",
                t.cases.c.opened_at >= since,
            )
        ).scalar_one()
        violations = self._exec(
            select(func.count()).where(
                t.violations.c.party_id == party_id,
                or_(t.violations.c.opened_at >= since, t.violations.c.closed_at.is_(None)),
            )
        ).scalar_one()
        return MerchantHistory(
            joined_at=party.created_at,
            category=party.category,
            sales=tuple(int(s) for s in sales),
            orders=int(orders[0]),
            completed=int(orders[1]),
            finished=int(orders[2]),
            returned=int(orders[3]),
            disputes=int(freezes) + int(cases),
            violations=int(violations),
        )

    def latest_application(self, party_id: str) -> Application | None:
        row = self._exec(
            select(_ca).where(_ca.c.party_id == party_id).order_by(_ca.c.seq.desc()).limit(1)
        ).first()
        if row is None:
            return None
        return Application(row.id, row.party_id, json.loads(row.answers), row.submitted_at)

    def insert_application(self, application: Application) -> None:
        self._exec(
            insert(_ca).values(
                id=application.id,
                party_id=application.party_id,
                answers=json.dumps(application.answers, ensure_ascii=False),
                submitted_at=application.submitted_at,
            )
        )

    def latest_assessment(self, party_id: str, product: str) -> RecordedAssessment | None:
        row = self._exec(
            select(_la)
            .where(_la.c.party_id == party_id, _la.c.product == product)
            .order_by(_la.c.seq.desc())
            .limit(1)
        ).first()
        return None if row is None else _assessment(row)

    def assessment(self, assessment_id: str) -> RecordedAssessment | None:
        row = self._exec(select(_la).where(_la.c.id == assessment_id)).first()
        return None if row is None else _assessment(row)

    def insert_assessment(self, assessment: RecordedAssessment) -> None:
        a = assessment
        self._exec(
            insert(_la).values(
                id=a.id,
                party_id=a.party_id,
                kind=a.kind,
                product=a.product,
                scorecard_version=a.scorecard_version,
                score=a.score,
                proposed_limit=a.proposed_limit,
                currency=a.currency,
                decision=a.decision,
                policy_version=a.policy_version,
                fingerprint=a.fingerprint,
                body=json.dumps(a.body, ensure_ascii=False),
                assessed_at=a.assessed_at,
            )
        )

    def shipped_scorecard(self, kind: str) -> dict[str, Any]:
        return shipped_scorecard(kind)


def _assessment(row: Any) -> RecordedAssessment:
    return RecordedAssessment(
        id=row.id,
        party_id=row.party_id,
        kind=row.kind,
        product=row.product,
        scorecard_version=row.scorecard_version,
        score=row.score,
        proposed_limit=row.proposed_limit,
        currency=row.currency,
        decision=row.decision,
        policy_version=row.policy_version,
        fingerprint=row.fingerprint,
        body=json.loads(row.body),
        assessed_at=row.assessed_at,
    )

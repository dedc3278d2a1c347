"""The operator desk's dashboard (风控看板): authorisations by outcome today (the Beijing day of
the platform's clock), the review backlog, open red alerts and failing payouts. One reading
transaction; the counts are platform-wide and computed on read (no counters are kept)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.workdays import SHANGHAI, iso_local
from creditline.service.idempotency import Answer
from creditline.service.quota.alerts import alert_json
from creditline.service.settlement.funds import payout_json
from creditline.service.uow import Database

#: How many red alerts and failing payouts the dashboard lists (the counts are of all).
MAX_LISTED = 100


def beijing_day(now: datetime) -> tuple[datetime, datetime]:
    """The Beijing calendar day holding ``now``: its start and the next day's start."""
    start = datetime.combine(now.astimezone(SHANGHAI).date(), time(0), SHANGHAI)
    return start, start + timedelta(days=1)


def outcomes(counts: dict[str, int]) -> dict[str, int]:
    """Spends asked for today by outcome: approved (held, or captured since), held for
    review, declined (by the quota rules or the risk rules)."""
    total, declined, review = counts["total"], counts["declined"], counts["review"]
    return {
        "approved": total - declined - review,
        "review": review,
        "declined": declined,
        "total": total,
    }


def dashboard(db: Database, *, listed: int = 20) -> Answer:
    """What an operator looks at first: today's authorisations by outcome, the review backlog
    (count and the age of the oldest), red alerts and failing payouts (counts and the oldest
    ``listed`` of each, 1-100)."""
    if not 1 <= listed <= MAX_LISTED:
        raise InvalidInput("listed", f"listed must be between 1 and {MAX_LISTED}")
    with db.transaction(write=False) as uow:
        now = uow.reference.now()
        start, end = beijing_day(now)
        spends = outcomes(uow.desk.spend_outcomes(start, end))
        waiting, oldest = uow.desk.review_backlog()
        red_count, red = uow.desk.open_alerts_at("red", listed)
        failing_count, failing = uow.desk.failing_payouts(listed)
    backlog: dict[str, Any] = {
        "count": waiting,
        "oldest_at": iso_local(oldest) if oldest else None,
        "oldest_age_minutes": (now - oldest) // timedelta(minutes=1) if oldest else None,
    }
    return Answer(
        {
            "object": "dashboard",
            "at": iso_local(now),
            "day": start.date().isoformat(),
            "authorizations": spends,
            "review_backlog": backlog,
            "red_alerts": {"count": red_count, "data": [alert_json(a) for a in red]},
            "failing_payouts": {
                "count": failing_count,
                "data": [payout_json(r) for r in failing],
            },
        }
    )

"""When a failed delivery is tried again, and when an endpoint has failed long enough to be
disabled: exponential backoff over about three days, as Svix and Stripe do."""

from __future__ import annotations

from datetime import datetime, timedelta

#: The wait before each attempt, the first immediately: 11 attempts over 71 h 35 min 5 s.
RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
)
MAX_ATTEMPTS = len(RETRY_DELAYS)
#: An endpoint whose attempts have all failed for this long is disabled.
DISABLE_AFTER = timedelta(days=3)


def next_attempt_at(attempts: int, failed_at: datetime) -> datetime | None:
    """When to try again after ``attempts`` attempts, the last failing at ``failed_at``; None
    when that was the last one (the delivery has failed for good)."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return failed_at + RETRY_DELAYS[attempts]


def failing_too_long(failing_since: datetime | None, now: datetime) -> bool:
    """Whether an endpoint failing since ``failing_since`` (None: not failing) is to be
    disabled at ``now``."""
    return failing_since is not None and now - failing_since >= DISABLE_AFTER

"""The port of credit decisions (授信): a merchant's history counted for its card, consumers'
credit applications, the recorded limit assessments, and the scorecards shipped with the
package (version 0, used where no trained version is kept)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from creditline.domain.credit.merchant_facts import MerchantHistory


@dataclass(frozen=True, slots=True)
class Application:
    """One submitted credit application: its checked answers."""

    id: str
    party_id: str
    answers: dict[str, int | str]
    submitted_at: datetime


@dataclass(frozen=True, slots=True)
class RecordedAssessment:
    """A limit assessment as kept: its answer (``body``) and its fingerprint."""

    id: str
    party_id: str
    kind: str
    product: str
    scorecard_version: int
    score: int
    proposed_limit: int
    currency: str
    decision: str
    policy_version: str
    fingerprint: str
    body: dict[str, Any]
    assessed_at: datetime


class CreditRepo(Protocol):
    def merchant_history(
        self, party_id: str, windows: list[tuple[datetime, datetime]], since: datetime
    ) -> MerchantHistory:
        """The merchant's settled sales per window (CNY, minor units) and its counts since
        ``since`` (orders, completions, returns, disputes, violations)."""

    def latest_application(self, party_id: str) -> Application | None:
        """The party's latest credit application, or None."""

    def insert_application(self, application: Application) -> None:
        """Keep a submitted application (never replaced: the latest counts)."""

    def latest_assessment(self, party_id: str, product: str) -> RecordedAssessment | None:
        """The party's last recorded assessment for ``product``, or None."""

    def insert_assessment(self, assessment: RecordedAssessment) -> None:
        """Keep an assessment so that reviews and appeals can cite it."""

    def assessment(self, assessment_id: str) -> RecordedAssessment | None:
        """A recorded assessment by id, or None."""

    def shipped_scorecard(self, kind: str) -> dict[str, Any]:
        """The scorecard of ``kind`` shipped with the package (its version 0)."""

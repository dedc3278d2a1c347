"""The unit of work: one transaction, seen through one small repository per aggregate."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from creditline.service.access.access_ports import AccessRepo
from creditline.service.care.care_ports import CareRepo
from creditline.service.cases.case_ports import CaseRepo
from creditline.service.credit.appeal_ports import AppealRepo
from creditline.service.credit.credit_ports import CreditRepo
from creditline.service.credit.review_ports import ReviewRepo
from creditline.service.desk_ports import DeskRepo
from creditline.service.installments.installment_ports import InstallmentRepo
from creditline.service.ledger_ports import CheckpointRepo, KeyTrust
from creditline.service.quota.alert_ports import AlertRepo
from creditline.service.quota.incident_ports import IncidentRepo
from creditline.service.quota.quota_ports import FreezeRepo, HoldRepo, LineRepo, PartyRepo
from creditline.service.reference_ports import EventRepo, IdempotencyRepo, ReferenceRepo
from creditline.service.risk.risk_ports import RingRepo, RiskRepo, RuleSetRepo
from creditline.service.settlement.settlement_ports import (
    FundsRepo,
    OrderRepo,
    PaymentChannel,
    PayoutRepo,
)
from creditline.service.webhooks.webhook_ports import WebhookRepo


class UnitOfWork(Protocol):
    """Everything a use case reads or writes, inside one transaction (read-only members, so
    that an adapter may give each a concrete type)."""

    @property
    def lines(self) -> LineRepo:
        """The lines repository."""

    @property
    def holds(self) -> HoldRepo:
        """The holds repository."""

    @property
    def freezes(self) -> FreezeRepo:
        """The freezes repository."""

    @property
    def parties(self) -> PartyRepo:
        """The parties repository."""

    @property
    def orders(self) -> OrderRepo:
        """The orders repository."""

    @property
    def funds(self) -> FundsRepo:
        """The funds repository."""

    @property
    def payouts(self) -> PayoutRepo:
        """The payouts repository."""

    @property
    def cases(self) -> CaseRepo:
        """The cases repository (operators' work on cases)."""

    @property
    def risk(self) -> RiskRepo:
        """The risk repository."""

    @property
    def rulesets(self) -> RuleSetRepo:
        """The rulesets repository."""

    @property
    def rings(self) -> RingRepo:
        """The rings repository."""

    @property
    def reference(self) -> ReferenceRepo:
        """The reference repository."""

    @property
    def events(self) -> EventRepo:
        """The events repository."""

    @property
    def idempotency(self) -> IdempotencyRepo:
        """The idempotency repository."""

    @property
    def checkpoints(self) -> CheckpointRepo:
        """The signed checkpoints of the books' heads."""

    @property
    def access(self) -> AccessRepo:
        """Operators, API keys, the audit log and kept HTTP responses."""

    @property
    def webhooks(self) -> WebhookRepo:
        """Webhook endpoints, deliveries and attempts."""

    @property
    def alerts(self) -> AlertRepo:
        """The alerts of lines."""

    @property
    def care(self) -> CareRepo:
        """A holder's password and service figures; what its care pages measure."""

    @property
    def desk(self) -> DeskRepo:
        """The operator desk's platform-wide reads (dashboard, a line's trail, rings)."""

    @property
    def credit(self) -> CreditRepo:
        """Credit decisions: a merchant's history for its card, applications, assessments."""

    @property
    def reviews(self) -> ReviewRepo:
        """Periodic limit reviews (额度复审): a line's review facts, runs and outcomes."""

    @property
    def appeals(self) -> AppealRepo:
        """Appeals (申诉) of lines and their steps."""

    @property
    def incidents(self) -> IncidentRepo:
        """Incidents (系统故障) over lines and the lines' temporary quotas (临时额度)."""

    @property
    def installments(self) -> InstallmentRepo:
        """Installment plans (分期购) of lines and merchants' promotions."""

    def read_ahead(self, line_id: str) -> None:
        """A hint, changing no answer: much of ``line_id`` is about to be read (a page of the
        line). An adapter with round trips to save may read its usual rows now, together."""


class Database(Protocol):
    """Opens transactions (``write=True`` takes the write lock up front, SQLite IMMEDIATE);
    ``channel`` is the payment channel payouts go through."""

    def transaction(
        self, *, write: bool = True, snapshot: bool = False
    ) -> AbstractContextManager[UnitOfWork]:
        """One transaction: committed when the block ends, rolled back if it raises.
        ``snapshot`` (a read): every statement sees the same moment (PostgreSQL's REPEATABLE
        READ, READ ONLY; a SQLite read transaction always does), not each its own."""

    def channel(self, db: Database | None = None) -> PaymentChannel:
        """The payment channel: an outside party, called outside any transaction (it keeps
        its own records), so that no lock is held while it answers or hangs. ``db``: the
        database its records go through when it is not this one (a wrapper, e.g. audited)."""

    def trusted_keys(self) -> KeyTrust:
        """The public keys trusted to sign checkpoints, found outside the database (none
        found: empty keys, and ``verify`` falls back on the recorded ones, saying so)."""

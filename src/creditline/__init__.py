"""creditline's public surface: the use cases, ``Money``, the reason codes and the error tree.

Import from here, not from the layers (``creditline.service``, ``creditline.domain`` and
``creditline.adapters`` are private; import-linter keeps the entrypoints out of them)::

    from creditline import InvalidInput, open_line, show_line

Use cases take the ``Database`` an entrypoint's bootstrap opened and return an ``Answer`` (its
JSON body, and whether the rules refused it). Names load on first use (PEP 562), so
``import creditline`` costs a few milliseconds and imports no database, CLI or rule-engine
library: a command pays only for the use cases it calls.

It is over 400 lines because it names every public name three times: for the type checker,
for lazy loading (``_HOMES``) and in ``__all__``; ``test_public_surface`` keeps the three
equal.

The error tree, rooted at ``CreditlineError``, is drawn once, in the docstring of
``creditline.domain.errors``; every error carries a stable ``code``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from creditline.domain.access.roles import ACTIONS, Principal, Role
    from creditline.domain.errors import (
        CalendarExhausted,
        Conflict,
        CreditlineError,
        Forbidden,
        IdempotencyKeyInUse,
        IdempotencyKeyReused,
        InvalidInput,
        LedgerKeyError,
        NotFound,
        NotInitialised,
        Refused,
        StorageError,
        Unauthenticated,
    )
    from creditline.domain.money import Money
    from creditline.domain.quota.purposes import PURPOSE_NAMES
    from creditline.domain.reasons import Reason, ReasonCode
    from creditline.domain.risk.scheme_metrics import Attempted, scheme_report
    from creditline.domain.workdays import SHANGHAI, iso_local, local_text
    from creditline.service.access.audit import act, list_audit, new_request_id
    from creditline.service.access.kept_responses import (
        claim_key,
        forget_responses,
        keep_response,
        kept_response,
        release_key,
        request_fingerprint,
        scoped_key,
    )
    from creditline.service.access.operators import (
        add_operator,
        as_operator,
        authenticate,
        create_key,
        list_keys,
        list_operators,
        revoke_key,
        roles_table,
    )
    from creditline.service.access.ownership import owner_of
    from creditline.service.access.passwords import (
        PasswordHasher,
        check_holder_password,
        check_password,
        holder_of_key,
        holder_of_password,
        session_secret,
        set_holder_password,
        set_password,
    )
    from creditline.service.analytics.analytics_jobs import analytics_jobs
    from creditline.service.analytics.runs import compare_analytics, job_parameters, run_analytics
    from creditline.service.care.policy_changes import policy_changes
    from creditline.service.care.security import security_centre
    from creditline.service.care.self_check import save_service_figures, self_check
    from creditline.service.cases.case_work import assign_case, close_case, show_case
    from creditline.service.credit.appeal_views import list_appeals, show_appeal
    from creditline.service.credit.appeals import decide_appeal, submit_appeal
    from creditline.service.credit.assessment import assess_limit
    from creditline.service.credit.credit_application import (
        show_application,
        submit_application,
    )
    from creditline.service.credit.reviews import (
        line_reviews,
        review_due,
        review_limits,
        show_review,
        update_credit_facts,
    )
    from creditline.service.credit.scorecards import show_scorecard, train_scorecard
    from creditline.service.dashboard import dashboard
    from creditline.service.desk import line_audit, line_events, list_rings, review_queue
    from creditline.service.due_jobs import run_due
    from creditline.service.event_log import event_counts, list_events
    from creditline.service.idempotency import Answer
    from creditline.service.installments.plan_views import list_installments, show_installment
    from creditline.service.installments.promotion_admin import (
        create_promotion,
        end_promotion,
        list_promotions,
        show_promotion,
    )
    from creditline.service.installments.purchases import (
        purchase_installment,
        repay_installment,
        return_installment,
    )
    from creditline.service.ledger_verify import VerifyReport, verify_ledger
    from creditline.service.policy_admin import set_policy, show_policy
    from creditline.service.quota.alerts import line_alerts, refresh_alerts
    from creditline.service.quota.batch import (
        MAX_BATCH,
        SpendRequest,
        authorize_batch,
        authorize_group,
        spend_request,
    )
    from creditline.service.quota.exposure import line_exposure
    from creditline.service.quota.freeze_admin import add_freeze, lift_freeze, list_freezes
    from creditline.service.quota.history import quota_history
    from creditline.service.quota.incident_admin import (
        close_incident,
        list_incidents,
        open_incident,
        show_incident,
    )
    from creditline.service.quota.limit_admin import (
        close_line,
        limit_changes,
        reopen_line,
        set_limit,
    )
    from creditline.service.quota.limit_requests import (
        decide_request,
        list_requests,
        request_increase,
        show_request,
    )
    from creditline.service.quota.line_admin import activate_line, open_line, show_line
    from creditline.service.quota.monitor import quota_monitor
    from creditline.service.quota.party_admin import (
        add_document,
        add_party,
        add_violation,
        close_violation,
        show_party,
        verify_party,
    )
    from creditline.service.quota.spending import authorize, capture, refund, repay, void
    from creditline.service.quota.temporary_quota import grant_temporary_quota, temporary_quota
    from creditline.service.quota.why import why
    from creditline.service.read_snapshot import ReadOnlySnapshot, one_read, read_line_ahead
    from creditline.service.risk.labels import evaluate, store_labels
    from creditline.service.risk.model_registry import (
        load_model,
        model_document,
        show_model,
        train_model,
        training_rows,
    )
    from creditline.service.risk.ring_job import rings
    from creditline.service.risk.rule_sets import (
        PATTERNS,
        backtest,
        features,
        load_rules,
        show_rules,
    )
    from creditline.service.risk.scoring import decide, link, queue, record_login
    from creditline.service.sandbox_clock import (
        advance_clock,
        parse_instant,
        set_clock,
        show_clock,
    )
    from creditline.service.settlement.funds import (
        fail_payouts,
        list_cases,
        list_payouts,
        withdraw,
    )
    from creditline.service.settlement.funds_view import show_funds
    from creditline.service.settlement.order_flow import (
        add_order,
        confirm_order,
        return_order,
        ship_order,
        show_order,
    )
    from creditline.service.settlement.split_runs import add_supplier, set_split_rule
    from creditline.service.settlement.statements import reconcile, statement
    from creditline.service.uow import Database
    from creditline.service.webhooks.delivery import deliver_webhooks, webhook_backlog
    from creditline.service.webhooks.endpoints import (
        add_endpoint,
        list_attempts,
        list_endpoints,
        redeliver,
        show_endpoint,
        update_endpoint,
    )
    from creditline.service.workday_notices import load_calendar, next_working_day

# Where each public name lives. The layers move things around inside themselves; this table is
# the one place that follows them (tests/test_public_surface.py checks it against ``__all__``).
_HOMES: dict[str, tuple[str, ...]] = {
    "domain.access.roles": ("ACTIONS", "Principal", "Role"),
    "service.access.operators": (
        "add_operator",
        "as_operator",
        "authenticate",
        "create_key",
        "list_keys",
        "list_operators",
        "revoke_key",
        "roles_table",
    ),
    "service.access.audit": ("act", "list_audit", "new_request_id"),
    "service.access.passwords": (
        "PasswordHasher",
        "check_holder_password",
        "check_password",
        "holder_of_key",
        "holder_of_password",
        "session_secret",
        "set_holder_password",
        "set_password",
    ),
    "service.care.policy_changes": ("policy_changes",),
    "service.care.security": ("security_centre",),
    "service.care.self_check": ("save_service_figures", "self_check"),
    "service.access.ownership": ("owner_of",),
    "service.access.kept_responses": (
        "forget_responses",
        "keep_response",
        "kept_response",
        "request_fingerprint",
        "claim_key",
        "release_key",
        "scoped_key",
    ),
    "service.webhooks.endpoints": (
        "add_endpoint",
        "list_attempts",
        "list_endpoints",
        "redeliver",
        "show_endpoint",
        "update_endpoint",
    ),
    "service.webhooks.delivery": ("deliver_webhooks", "webhook_backlog"),
    "service.installments.plan_views": ("list_installments", "show_installment"),
    "service.installments.promotion_admin": (
        "create_promotion",
        "end_promotion",
        "list_promotions",
        "show_promotion",
    ),
    "service.installments.purchases": (
        "purchase_installment",
        "repay_installment",
        "return_installment",
    ),
    "service.quota.alerts": ("line_alerts", "refresh_alerts"),
    "service.quota.exposure": ("line_exposure",),
    "service.quota.history": ("quota_history",),
    "service.quota.monitor": ("quota_monitor",),
    "domain.errors": (
        "CalendarExhausted",
        "Conflict",
        "CreditlineError",
        "Forbidden",
        "IdempotencyKeyInUse",
        "IdempotencyKeyReused",
        "InvalidInput",
        "LedgerKeyError",
        "NotFound",
        "NotInitialised",
        "Refused",
        "StorageError",
        "Unauthenticated",
    ),
    "domain.money": ("Money",),
    "domain.risk.scheme_metrics": ("Attempted", "scheme_report"),
    "domain.quota.purposes": ("PURPOSE_NAMES",),
    "domain.reasons": ("Reason", "ReasonCode"),
    "domain.workdays": ("SHANGHAI", "iso_local", "local_text"),
    "service.analytics.analytics_jobs": ("analytics_jobs",),
    "service.analytics.runs": ("compare_analytics", "job_parameters", "run_analytics"),
    "service.cases.case_work": ("assign_case", "close_case", "show_case"),
    "service.dashboard": ("dashboard",),
    "service.desk": ("line_audit", "line_events", "list_rings", "review_queue"),
    "service.due_jobs": ("run_due",),
    "service.event_log": ("event_counts", "list_events"),
    "service.idempotency": ("Answer",),
    "service.ledger_verify": ("VerifyReport", "verify_ledger"),
    "service.policy_admin": ("set_policy", "show_policy"),
    "service.quota.freeze_admin": ("add_freeze", "lift_freeze", "list_freezes"),
    "service.quota.incident_admin": (
        "close_incident",
        "list_incidents",
        "open_incident",
        "show_incident",
    ),
    "service.quota.temporary_quota": ("grant_temporary_quota", "temporary_quota"),
    "service.quota.limit_admin": ("close_line", "limit_changes", "reopen_line", "set_limit"),
    "service.quota.limit_requests": (
        "decide_request",
        "list_requests",
        "request_increase",
        "show_request",
    ),
    "service.quota.line_admin": ("activate_line", "open_line", "show_line"),
    "service.quota.party_admin": (
        "add_document",
        "add_party",
        "add_violation",
        "close_violation",
        "show_party",
        "verify_party",
    ),
    "service.quota.spending": ("authorize", "capture", "refund", "repay", "void"),
    "service.quota.batch": (
        "MAX_BATCH",
        "SpendRequest",
        "authorize_batch",
        "authorize_group",
        "spend_request",
    ),
    "service.quota.why": ("why",),
    "service.risk.labels": ("evaluate", "store_labels"),
    "service.risk.model_registry": (
        "load_model",
        "model_document",
        "show_model",
        "train_model",
        "training_rows",
    ),
    "service.risk.ring_job": ("rings",),
    "service.risk.rule_sets": ("PATTERNS", "backtest", "features", "load_rules", "show_rules"),
    "service.risk.scoring": ("decide", "link", "queue", "record_login"),
    "service.read_snapshot": ("ReadOnlySnapshot", "one_read", "read_line_ahead"),
    "service.sandbox_clock": ("advance_clock", "parse_instant", "set_clock", "show_clock"),
    "service.settlement.funds": ("fail_payouts", "list_cases", "list_payouts", "withdraw"),
    "service.settlement.funds_view": ("show_funds",),
    "service.settlement.order_flow": (
        "add_order",
        "confirm_order",
        "return_order",
        "ship_order",
        "show_order",
    ),
    "service.settlement.split_runs": ("add_supplier", "set_split_rule"),
    "service.settlement.statements": ("reconcile", "statement"),
    "service.credit.scorecards": ("show_scorecard", "train_scorecard"),
    "service.credit.assessment": ("assess_limit",),
    "service.credit.reviews": (
        "line_reviews",
        "review_due",
        "review_limits",
        "show_review",
        "update_credit_facts",
    ),
    "service.credit.appeals": ("decide_appeal", "submit_appeal"),
    "service.credit.appeal_views": ("list_appeals", "show_appeal"),
    "service.credit.credit_application": ("show_application", "submit_application"),
    "service.uow": ("Database",),
    "service.workday_notices": ("load_calendar", "next_working_day"),
}
_MODULE_OF = {name: f"{__name__}.{home}" for home, names in _HOMES.items() for name in names}

__all__ = [
    "ACTIONS",
    "MAX_BATCH",
    "PATTERNS",
    "PURPOSE_NAMES",
    "SHANGHAI",
    "Answer",
    "Attempted",
    "CalendarExhausted",
    "Conflict",
    "CreditlineError",
    "Database",
    "Forbidden",
    "IdempotencyKeyInUse",
    "IdempotencyKeyReused",
    "InvalidInput",
    "LedgerKeyError",
    "Money",
    "NotFound",
    "NotInitialised",
    "PasswordHasher",
    "Principal",
    "ReadOnlySnapshot",
    "Reason",
    "ReasonCode",
    "Refused",
    "Role",
    "SpendRequest",
    "StorageError",
    "Unauthenticated",
    "VerifyReport",
    "act",
    "activate_line",
    "add_document",
    "add_endpoint",
    "add_freeze",
    "add_operator",
    "add_order",
    "add_party",
    "add_supplier",
    "add_violation",
    "advance_clock",
    "analytics_jobs",
    "as_operator",
    "assess_limit",
    "assign_case",
    "authenticate",
    "authorize",
    "authorize_batch",
    "authorize_group",
    "backtest",
    "capture",
    "check_holder_password",
    "check_password",
    "claim_key",
    "close_case",
    "close_incident",
    "close_line",
    "close_violation",
    "compare_analytics",
    "confirm_order",
    "create_key",
    "create_promotion",
    "dashboard",
    "decide",
    "decide_appeal",
    "decide_request",
    "deliver_webhooks",
    "end_promotion",
    "evaluate",
    "event_counts",
    "fail_payouts",
    "features",
    "forget_responses",
    "grant_temporary_quota",
    "holder_of_key",
    "holder_of_password",
    "iso_local",
    "job_parameters",
    "keep_response",
    "kept_response",
    "lift_freeze",
    "limit_changes",
    "line_alerts",
    "line_audit",
    "line_events",
    "line_exposure",
    "line_reviews",
    "link",
    "list_appeals",
    "list_attempts",
    "list_audit",
    "list_cases",
    "list_endpoints",
    "list_events",
    "list_freezes",
    "list_incidents",
    "list_installments",
    "list_keys",
    "list_operators",
    "list_payouts",
    "list_promotions",
    "list_requests",
    "list_rings",
    "load_calendar",
    "load_model",
    "load_rules",
    "local_text",
    "model_document",
    "new_request_id",
    "next_working_day",
    "one_read",
    "open_incident",
    "open_line",
    "owner_of",
    "parse_instant",
    "policy_changes",
    "purchase_installment",
    "queue",
    "quota_history",
    "quota_monitor",
    "read_line_ahead",
    "reconcile",
    "record_login",
    "redeliver",
    "refresh_alerts",
    "refund",
    "release_key",
    "reopen_line",
    "repay",
    "repay_installment",
    "request_fingerprint",
    "request_increase",
    "return_installment",
    "return_order",
    "review_due",
    "review_limits",
    "review_queue",
    "revoke_key",
    "rings",
    "roles_table",
    "run_analytics",
    "run_due",
    "save_service_figures",
    "scheme_report",
    "scoped_key",
    "security_centre",
    "self_check",
    "session_secret",
    "set_clock",
    "set_holder_password",
    "set_limit",
    "set_password",
    "set_policy",
    "set_split_rule",
    "ship_order",
    "show_appeal",
    "show_application",
    "show_case",
    "show_clock",
    "show_endpoint",
    "show_funds",
    "show_incident",
    "show_installment",
    "show_line",
    "show_model",
    "show_order",
    "show_party",
    "show_policy",
    "show_promotion",
    "show_request",
    "show_review",
    "show_rules",
    "show_scorecard",
    "spend_request",
    "statement",
    "store_labels",
    "submit_appeal",
    "submit_application",
    "temporary_quota",
    "train_model",
    "train_scorecard",
    "training_rows",
    "update_credit_facts",
    "update_endpoint",
    "verify_ledger",
    "verify_party",
    "void",
    "webhook_backlog",
    "why",
    "withdraw",
]


def _load(name: str) -> object:
    """Import the module a public name lives in, and keep the name here for the next lookup."""
    home = _MODULE_OF.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: object = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if not TYPE_CHECKING:
    # Hidden from mypy, so that a misspelt ``from creditline import x`` is an error rather than
    # an ``object``; at run time this is PEP 562's module ``__getattr__``.
    __getattr__ = _load

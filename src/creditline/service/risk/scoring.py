"""Inline risk scoring (风控) of spends, withdrawals and logins: read history, score, record.

The features are built in the domain (``domain.risk.features``) from what is read here. Every
scored event stores its outcome, score, reason codes, the rule-set and policy versions
and the features it saw, so a backtest can replay it under other rules.
"""

from __future__ import annotations

import itertools
import os
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.policy import Policy
from creditline.domain.quota.evaluation import SpendContext
from creditline.domain.quota.freezes import Freeze, FreezeReason
from creditline.domain.quota.parties import PartyKind
from creditline.domain.risk.catalogue import compact_features
from creditline.domain.risk.decisions import Decision, Review, decision_id_floor
from creditline.domain.risk.explain import holder_reasons, review_warning, risk_reason, verdict_json
from creditline.domain.risk.features import (
    History,
    LinkedActivity,
    RequestFeatures,
    account_age_days,
    large_spend_threshold,
    near_floor,
    party_event_features,
    spend_features,
)
from creditline.domain.risk.flows import STRONG_TIE
from creditline.domain.risk.rules import Event, Outcome, Verdict
from creditline.domain.text import printable_text
from creditline.service.idempotency import Answer, once
from creditline.service.ids import new_child_id
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.risk.model_registry import with_model
from creditline.service.risk.review import decide, queue, review_pending
from creditline.service.uow import Database, UnitOfWork

#: Re-exported where the CLI and the other contexts have always found them: the review queue's
#: use cases (``review``), how a verdict is told (``explain``), ``decision_id_floor`` (``why``).
__all__ = [
    "apply_actions",
    "assess_spend",
    "assess_withdrawal",
    "counters_after",
    "decide",
    "decision_id_floor",
    "holder_reasons",
    "link",
    "queue",
    "quiet_verdict",
    "record",
    "record_login",
    "review_pending",
    "review_warning",
    "risk_reason",
    "verdict_json",
]


#: The last 24 bits of a decision id: a per-process counter from a random start, so that the
#: decisions of one batch (one instant) never repeat; a forked child draws its own start.
_DECISION_SEQ = itertools.count(secrets.randbits(24))
os.register_at_fork(
    after_in_child=lambda: globals().update(_DECISION_SEQ=itertools.count(secrets.randbits(24)))
)


def new_decision_id(party_id: str, now: datetime) -> str:
    """A decision id: its party, the time, then 6 hex digits unique in this process for 16.7
    million decisions (see ``decision_id_floor``)."""
    return f"{decision_id_floor(party_id, now)}{next(_DECISION_SEQ) % (1 << 24):06x}"


def _history(
    uow: UnitOfWork,
    *,
    line_id: str | None,
    party_id: str,
    now: datetime,
    threshold: int,
    horizon: timedelta,
) -> History:
    """The history around a request: one round trip, then the links (only for a party that
    has any; an identifier many parties share ties weakly and is left out below STRONG_LINK)
    and the money that came back (only for a holder that sold something in 30 days and whose
    line ever paid a named counterparty)."""
    own = uow.risk.history_features(line_id=line_id, party_id=party_id, now=now)
    links: dict[str, set[str]] = {}
    strengths: dict[str, Decimal] = {}
    if own.links:
        strengths = uow.risk.link_strengths(party_id)
        links = {
            p: kinds
            for p, kinds in uow.risk.links_of(party_id).items()
            if strengths.get(p, Decimal(0)) >= STRONG_TIE
        }
    activity = LinkedActivity()
    # Money back needs sales: a line whose holder sold nothing lately is not read for it.
    if links or (line_id is not None and own.orders_30d and own.totals.counterparty):
        activity = uow.risk.linked_activity(
            line_id=line_id,
            party_id=party_id,
            linked=links,
            now=now,
            near=near_floor(threshold),
            threshold=threshold,
            horizon=horizon,
        )
    return History(
        own,
        links,
        activity,
        strengths=strengths,
    )


def assess_spend(
    uow: UnitOfWork, locked: LockedLine, ctx: SpendContext, counterparty: str | None
) -> tuple[Verdict, RequestFeatures]:
    """Score a spend request on the rule set its line's summary named."""
    line = locked.state
    threshold = large_spend_threshold(ctx.policy, line.currency)
    history = _history(
        uow,
        line_id=line.id,
        party_id=line.party_id,
        now=ctx.now,
        threshold=threshold,
        horizon=timedelta(days=ctx.policy.integer("ring_horizon_days")),
    )
    features = spend_features(
        history,
        amount=ctx.amount.minor,
        purpose=ctx.purpose,
        product=line.product,
        party_kind=line.party_kind,
        account_age=account_age_days(locked.party_created_at, ctx.now),
        threshold=threshold,
        counterparty=counterparty,
    )
    rule_set = uow.rulesets.rule_set(locked.rule_seq)
    verdict = rule_set.evaluate(features.values)
    live = history.own.model_seq
    return with_model(uow, rule_set, verdict, features.values, live=live), features


def counters_after(
    features: RequestFeatures, *, amount: int, declined: bool, refused: bool = False
) -> dict[str, int]:
    """The line's running totals with this attempt added, by the hold row's columns
    (``refused``: the quota rules refused it, see ``RequestFeatures.totals_after``)."""
    return features.totals_after(amount=amount, declined=declined, refused=refused).columns()


def record(
    uow: UnitOfWork,
    *,
    party_id: str,
    line_id: str | None,
    event: Event,
    subject: str,
    amount: int,
    verdict: Verdict,
    features: RequestFeatures,
    policy_version: str,
    review: bool,
    now: datetime,
) -> str:
    """Store a scored event as a decision of its own (a decline, a review, a withdrawal, a
    login; a spend's approval stays on its hold row instead)."""
    decision_id = new_decision_id(party_id, now)
    uow.risk.insert_decision(
        Decision(
            id=decision_id,
            party_id=party_id,
            line_id=line_id,
            event=event,
            subject=subject,
            amount=amount,
            outcome=verdict.outcome,
            score=verdict.score,
            reasons=[f.to_json() for f in verdict.fired],
            rule_set_version=verdict.rule_set_version,
            policy_version=policy_version,
            features=compact_features(features.values),
            review=Review.PENDING if review else Review.NONE,
            created_at=now,
        )
    )
    return decision_id


def apply_actions(
    uow: UnitOfWork,
    locked: LockedLine,
    verdict: Verdict,
    decision_id: str,
    *,
    policy_version: str,
    now: datetime,
) -> dict[str, Any] | None:
    """A decline's action: a temporary ``risk`` freeze of the line, unless one stands (in
    force now: one past its end stands no more, even before run-due records it)."""
    hours = verdict.freeze_hours
    if hours <= 0:
        return None
    line_id = locked.state.id
    if locked.open_freezes and any(
        f.reason is FreezeReason.RISK and f.whole_line and f.in_force(now)
        for f in uow.freezes.freezes_of(line_id, active_only=True)
    ):
        return None
    freeze = Freeze(
        id=new_child_id("frz", line_id),
        line_id=line_id,
        reason=FreezeReason.RISK,
        starts_at=now,
        ends_at=now + timedelta(hours=hours),
        amount=None,
        note=f"risk decision {decision_id}: {', '.join(verdict.reason_codes)}",
        policy_version=policy_version,
    )
    uow.freezes.insert_freeze(freeze, now)
    body = {"freeze": freeze.id, "line": line_id, "hours": hours, "decision": decision_id}
    uow.events.emit("freeze.added", {**body, "reason": "risk"}, now, line_id=line_id)
    return body


def quiet_verdict(verdict: Verdict, features: RequestFeatures) -> dict[str, Any]:
    """An approval as its hold row keeps it: score, the rules that fired, compact features."""
    return {
        "score": verdict.score,
        "reasons": [f.to_json() for f in verdict.fired],
        "features": compact_features(features.values),
    }


# -- logins, identifiers ----------------------------------------------------------------------

MAX_IDENTIFIER = 128


def _identifier(kind: str, value: str) -> str:
    return printable_text(value, kind, max_length=MAX_IDENTIFIER, strip=True)


def link(
    db: Database, party_id: str, identifiers: dict[str, str | None], *, key: str | None = None
) -> Answer:
    """Record a party's identifiers (device, phone, bank account, address)."""
    items = [(k, _identifier(k, v)) for k, v in identifiers.items() if v is not None]
    if not items:
        raise InvalidInput(
            "device", "give at least one of --device, --phone, --bank-account, --address"
        )

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        uow.parties.get_party(party_id)
        added = uow.risk.add_identifiers(party_id, items, now)
        linked = uow.risk.links_of(party_id)
        return Answer(
            {
                "party": party_id,
                "added": added,
                "identifiers": [
                    {"kind": k, "value": v} for k, v in uow.risk.identifiers_of(party_id)
                ],
                "linked_parties": [
                    {"party": p, "shared": sorted(kinds)} for p, kinds in sorted(linked.items())
                ],
            }
        )

    return once(
        db,
        key=key,
        command="party.link",
        params={"party": party_id, "identifiers": dict(items)},
        effect=effect,
        scope=party_id,
    )


def record_login(
    db: Database, party_id: str, *, device: str, ip: str, key: str | None = None
) -> Answer:
    """Record and score a login (R17): a declined login answers exit 3."""
    device = _identifier("device", device)
    ip = _identifier("ip", ip)

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        party = uow.parties.get_party(party_id)
        login_id = f"login_{secrets.token_hex(8)}"
        device_new, ip_new = uow.risk.insert_login(party_id, login_id, device, ip, now)
        if device_new or ip_new:  # what a party logs in from ties it to others like any id
            uow.risk.add_identifiers(party_id, [("device", device), ("login_ip", ip)], now)
        policy = uow.reference.policy(now)
        verdict, f = _score_party_event(
            uow,
            policy,
            Event.LOGIN,
            party_id=party_id,
            party_kind=party.kind,
            line_id=None,
            amount=0,
            now=now,
            device_new=device_new,
            ip_new=ip_new,
        )
        decision = record(
            uow,
            party_id=party_id,
            line_id=None,
            event=Event.LOGIN,
            subject=login_id,
            amount=0,
            verdict=verdict,
            features=f,
            policy_version=policy.version,
            review=verdict.outcome is Outcome.REVIEW,
            now=now,
        )
        body = {
            "id": login_id,
            "party": party_id,
            "device_new": device_new,
            "ip_new": ip_new,
            "risk": verdict_json(verdict, decision),
        }
        return Answer(body, refused=verdict.outcome is Outcome.DECLINE)

    return once(
        db,
        key=key,
        command="login.record",
        params={"party": party_id, "device": device, "ip": ip},
        effect=effect,
        scope=party_id,
    )


def assess_withdrawal(
    uow: UnitOfWork, policy: Policy, party_id: str, amount: int, now: datetime
) -> tuple[Verdict, RequestFeatures, str | None]:
    """Score a merchant's withdrawal: money that came back after spends is the cash-out sign."""
    lines = uow.lines.lines_of_party(party_id)
    line_id = lines[0] if lines else None
    verdict, f = _score_party_event(
        uow,
        policy,
        Event.WITHDRAWAL,
        party_id=party_id,
        party_kind=PartyKind.MERCHANT,
        line_id=line_id,
        amount=amount,
        now=now,
    )
    return verdict, f, line_id


def _score_party_event(
    uow: UnitOfWork,
    policy: Policy,
    event: Event,
    *,
    party_id: str,
    party_kind: PartyKind,
    line_id: str | None,
    amount: int,
    now: datetime,
    device_new: bool = False,
    ip_new: bool = False,
) -> tuple[Verdict, RequestFeatures]:
    """Features and verdict of a party-level event (a login, a withdrawal), on the live rules."""
    threshold = large_spend_threshold(policy)
    horizon = timedelta(days=policy.integer("ring_horizon_days"))
    history = _history(
        uow, line_id=line_id, party_id=party_id, now=now, threshold=threshold, horizon=horizon
    )
    features = party_event_features(
        event,
        history,
        party_kind=party_kind,
        amount=amount,
        threshold=threshold,
        device_new=device_new,
        ip_new=ip_new,
    )
    rule_set = uow.rulesets.rule_set(uow.rulesets.latest_rule_seq())
    return rule_set.evaluate(features.values), features

"""Inline risk scoring (风控) of spends, withdrawals and logins, and the operator's review queue.

Every scored event stores its outcome, score, reason codes, the rule-set and policy versions
and the features it saw, so a backtest can replay it under other rules.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from creditline.domain.errors import InvalidInput, NotFound, Refused
from creditline.domain.ledger import Movement
from creditline.domain.policy import Policy
from creditline.domain.quota.evaluation import SpendContext
from creditline.domain.quota.freezes import Freeze, FreezeReason
from creditline.domain.quota.lines import HoldStatus, release_transfers
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import FORBIDDEN_PURPOSES
from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.risk.rules import (
    BLANK,
    FEATURES,
    RUNNING_TOTALS,
    STRONG_IDENTIFIERS,
    Event,
    Outcome,
    Verdict,
    blank_features,
    near_floor,
)
from creditline.service.idempotency import Answer, check_key, once, retried, run_once
from creditline.service.ids import new_child_id
from creditline.service.quota.posting import post_movement
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.risk.risk_ports import Decision, HistoryFeatures, LinkedActivity
from creditline.service.uow import Database, UnitOfWork

REVIEW_HOLD_NOTE = "spend held for review"


def yuan(minor: int) -> Decimal:
    return Decimal(minor).scaleb(-2)


def new_decision_id(party_id: str, now: datetime) -> str:
    """A decision id names its party (the distribution key of party-level tables) and sorts by
    time within it, so the primary key serves "this party's recent decisions" without an index.
    """
    micros = int(now.timestamp() * 1_000_000)
    return f"rd_{party_id}_{micros:014x}{secrets.token_hex(3)}"


def decision_id_floor(party_id: str, since: datetime) -> str:
    """The smallest id a decision of ``party_id`` made at or after ``since`` can have."""
    return f"rd_{party_id}_{int(since.timestamp() * 1_000_000):014x}"


def party_of_decision(decision_id: str) -> str:
    body = decision_id.removeprefix("rd_")
    party, _, tail = body.rpartition("_")
    if not decision_id.startswith("rd_") or not party or len(tail) != 20:
        raise InvalidInput("decision", f"decision {decision_id!r} is not a valid id")
    return party


def _thresholds(policy: Policy, currency: str = "CNY") -> tuple[int, int]:
    """The large-spend threshold and the start of "just under" it (90 %), in minor units."""
    threshold = policy.money("large_spend_threshold", currency).minor
    return threshold, near_floor(threshold)


def _history(
    uow: UnitOfWork,
    *,
    line_id: str | None,
    party_id: str,
    now: datetime,
    threshold: int,
    near: int,
) -> tuple[HistoryFeatures, dict[str, set[str]], LinkedActivity]:
    hist = uow.risk.history_features(line_id=line_id, party_id=party_id, now=now)
    linked = uow.risk.links_of(party_id) if hist.links else {}
    activity = (
        uow.risk.linked_activity(
            line_id=line_id,
            party_id=party_id,
            linked=linked,
            now=now,
            near=near,
            threshold=threshold,
        )
        if linked
        else LinkedActivity()
    )
    return hist, linked, activity


def _fill(
    f: dict[str, Any],
    hist: HistoryFeatures,
    linked: dict[str, set[str]],
    activity: LinkedActivity,
    counterparty: str | None,
) -> None:
    for i, w in enumerate(("1h", "24h", "7d", "30d")):
        f[f"spend_count_{w}"] = Decimal(hist.spend_counts[i])
        f[f"spend_sum_{w}"] = yuan(hist.spend_sums[i])
    f["declined_24h"] = Decimal(hist.declined_24h)
    f["forbidden_attempts_7d"] = Decimal(hist.forbidden_7d)
    f["near_threshold_24h"] = Decimal(hist.near_threshold_24h)
    f["refunds_30d"] = Decimal(hist.refunds_30d)
    f["orders_30d"] = Decimal(hist.orders_30d)
    f["returns_30d"] = Decimal(hist.returns_30d)
    f["return_rate_30d"] = (
        (Decimal(hist.returns_30d) / Decimal(hist.orders_30d)).quantize(Decimal("0.0001"))
        if hist.orders_30d
        else Decimal(0)
    )
    f["logins_24h"] = Decimal(hist.logins_24h)
    f["new_device_logins_24h"] = Decimal(hist.new_device_logins_24h)
    f["distinct_ips_24h"] = Decimal(hist.distinct_ips_24h)
    f["linked_parties"] = Decimal(len(linked))
    f["strong_linked_parties"] = Decimal(activity.strong)
    kinds = linked.get(counterparty or "", set())
    f["counterparty_linked"] = bool(kinds)
    f["counterparty_strong_link"] = bool(kinds & STRONG_IDENTIFIERS)
    f["linked_spends_30d"] = Decimal(activity.linked_spends_30d)
    f["linked_near_threshold_24h"] = Decimal(activity.near_threshold_24h)
    f["linked_forbidden_7d"] = Decimal(activity.forbidden_7d)
    f["money_back_7d"] = yuan(activity.money_back_7d)


def counters_after(features: dict[str, Any], *, amount: int, declined: bool) -> dict[str, int]:
    """The line's running totals with this attempt added: what its hold row keeps."""
    spent = not declined
    step = (
        1,
        int(spent),
        amount if spent else 0,
        int(declined),
        int(bool(features["purpose_forbidden"])),
        int(bool(features["near_threshold"])),
        int(spent and bool(features["_has_counterparty"])),
    )
    totals = features["_totals"]
    return {name: t + d for name, t, d in zip(RUNNING_TOTALS, totals, step, strict=True)}


def spend_features(
    uow: UnitOfWork, locked: LockedLine, ctx: SpendContext, counterparty: str | None
) -> dict[str, Any]:
    """The features of one spend request, from history before it. Two private entries (not
    features, never stored) carry what the hold row needs: ``_totals``, ``_has_counterparty``."""
    line = locked.state
    threshold, near = _thresholds(ctx.policy, line.currency)
    hist, linked, activity = _history(
        uow,
        line_id=line.id,
        party_id=line.party_id,
        now=ctx.now,
        threshold=threshold,
        near=near,
    )
    f = blank_features()
    f["event"] = Event.SPEND.value
    f["amount"] = yuan(ctx.amount.minor)
    f["purpose"] = ctx.purpose.value
    f["purpose_forbidden"] = ctx.purpose in FORBIDDEN_PURPOSES
    f["product"] = line.product.value
    f["party_kind"] = line.party_kind.value
    f["large_spend_threshold"] = yuan(threshold)
    f["near_threshold"] = near <= ctx.amount.minor < threshold
    created = locked.party_created_at or ctx.now
    f["account_age_days"] = Decimal(max(0, (ctx.now - created).days))
    _fill(f, hist, linked, activity, counterparty)
    f["_totals"] = hist.totals
    f["_has_counterparty"] = counterparty is not None
    return f


def assess_spend(
    uow: UnitOfWork, locked: LockedLine, ctx: SpendContext, counterparty: str | None
) -> tuple[Verdict, dict[str, Any]]:
    features = spend_features(uow, locked, ctx, counterparty)
    return uow.rulesets.rule_set(locked.rule_seq).evaluate(features), features


def holder_reasons(verdict: Verdict) -> list[Reason]:
    """A risk decline as the holder sees it: its rule codes and what to do (zh/en)."""
    if verdict.outcome is not Outcome.DECLINE:
        return []
    return [_reason(ReasonCode.RISK_DECLINED, verdict)]


def review_warning(verdict: Verdict) -> Reason | None:
    return _reason(ReasonCode.RISK_REVIEW, verdict) if verdict.outcome is Outcome.REVIEW else None


def _reason(code: ReasonCode, verdict: Verdict) -> Reason:
    return risk_reason(
        code,
        [f.to_json() for f in verdict.fired],
        score=verdict.score,
        rule_set_version=verdict.rule_set_version,
    )


def risk_reason(code: ReasonCode, fired: list[dict[str, Any]], **facts: Any) -> Reason:
    """The holder's risk reason from the rules that fired (as stored): the rules that decided
    (all of them if only scoring rules fired), their codes and their zh/en texts."""
    deciding = [f for f in fired if f.get("outcome") != Outcome.APPROVE.value] or fired
    return Reason(
        code,
        {
            "rules": ", ".join(f["code"] for f in deciding),
            "codes": [f["code"] for f in deciding],
            **facts,
            "detail_zh": "；".join(f.get("message_zh") or f["code"] for f in deciding),
            "detail_en": "; ".join(f.get("message_en") or f["code"] for f in deciding),
        },
    )


def verdict_json(verdict: Verdict, decision_id: str | None = None) -> dict[str, Any]:
    return {
        "decision": decision_id,
        "outcome": verdict.outcome.value,
        "score": verdict.score,
        "reasons": [f.to_json() for f in verdict.fired],
        "rule_set_version": verdict.rule_set_version,
    }


def record(
    uow: UnitOfWork,
    *,
    party_id: str,
    line_id: str | None,
    event: Event,
    subject: str,
    amount: int,
    verdict: Verdict,
    features: dict[str, Any],
    policy_version: str,
    review: bool,
    now: datetime,
) -> str:
    decision_id = new_decision_id(party_id, now)
    uow.risk.insert_decision(
        Decision(
            id=decision_id,
            party_id=party_id,
            line_id=line_id,
            event=event.value,
            subject=subject,
            amount=amount,
            outcome=verdict.outcome.value,
            score=verdict.score,
            reasons=[f.to_json() for f in verdict.fired],
            rule_set_version=verdict.rule_set_version,
            policy_version=policy_version,
            features=compact_features(features),
            review="pending" if review else "none",
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
    """A decline's action: a temporary ``risk`` freeze of the line, unless one stands."""
    hours = verdict.freeze_hours
    if hours <= 0:
        return None
    line_id = locked.state.id
    if locked.open_freezes and any(
        f.reason is FreezeReason.RISK and f.whole_line
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


def compact_features(features: dict[str, Any]) -> dict[str, Any]:
    """Only the features away from their neutral value are stored (numbers as exact text);
    the rest are implied."""
    return {
        k: (str(v) if type(v) is Decimal else v)
        for k, v in features.items()
        if k in BLANK and v != BLANK[k]
    }


def quiet_verdict(verdict: Verdict, features: dict[str, Any]) -> dict[str, Any]:
    """An approval as its hold row keeps it: score, the rules that fired, compact features."""
    return {
        "score": verdict.score,
        "reasons": [f.to_json() for f in verdict.fired],
        "features": compact_features(features),
    }


def restore_features(stored: dict[str, Any]) -> dict[str, Any]:
    """Stored features back to the types the rules expect (numbers were stored as text)."""
    out = blank_features()
    for name, value in stored.items():
        kind = FEATURES.get(name)
        if kind is None:
            continue
        default = out[name]
        if isinstance(default, bool):
            out[name] = bool(value)
        elif isinstance(default, Decimal):
            out[name] = Decimal(str(value))
        else:
            out[name] = str(value)
    return out


# -- logins, identifiers ----------------------------------------------------------------------

MAX_IDENTIFIER = 128


def _identifier(kind: str, value: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_IDENTIFIER or not text.isprintable():
        raise InvalidInput(kind, f"{kind} must be 1 to {MAX_IDENTIFIER} printable characters")
    return text


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
        policy = uow.reference.policy(now)
        verdict, f = _score_party_event(
            uow,
            policy,
            Event.LOGIN,
            party_id=party_id,
            party_kind=party.kind.value,
            line_id=None,
            amount=0,
            now=now,
            extra={"device_new": device_new, "ip_new": ip_new},
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
) -> tuple[Verdict, dict[str, Any], str | None]:
    """Score a merchant's withdrawal: money that came back after spends is the cash-out sign."""
    lines = uow.lines.lines_of_party(party_id)
    line_id = lines[0] if lines else None
    verdict, f = _score_party_event(
        uow,
        policy,
        Event.WITHDRAWAL,
        party_id=party_id,
        party_kind=PartyKind.MERCHANT.value,
        line_id=line_id,
        amount=amount,
        now=now,
        extra={},
    )
    return verdict, f, line_id


def _score_party_event(
    uow: UnitOfWork,
    policy: Policy,
    event: Event,
    *,
    party_id: str,
    party_kind: str,
    line_id: str | None,
    amount: int,
    now: datetime,
    extra: dict[str, Any],
) -> tuple[Verdict, dict[str, Any]]:
    """Features and verdict of a party-level event (a login, a withdrawal)."""
    threshold, near = _thresholds(policy)
    hist, linked, activity = _history(
        uow, line_id=line_id, party_id=party_id, now=now, threshold=threshold, near=near
    )
    f = blank_features()
    f.update(
        event=event.value,
        amount=yuan(amount),
        party_kind=party_kind,
        large_spend_threshold=yuan(threshold),
        **extra,
    )
    _fill(f, hist, linked, activity, None)
    return uow.rulesets.rule_set(uow.rulesets.latest_rule_seq()).evaluate(f), f


# -- the review queue ---------------------------------------------------------------------------


def decision_json(d: Decision) -> dict[str, Any]:
    return {
        "id": d.id,
        "party": d.party_id,
        "line": d.line_id,
        "event": d.event,
        "subject": d.subject,
        "amount": str(yuan(d.amount)),
        "outcome": d.outcome,
        "score": d.score,
        "reasons": d.reasons,
        "rule_set_version": d.rule_set_version,
        "policy_version": d.policy_version,
        "review": d.review,
        "decided_by": d.decided_by,
        "decided_at": d.decided_at.isoformat() if d.decided_at else None,
        "note": d.note,
        "at": d.created_at.isoformat(),
    }


def queue(db: Database, *, limit: int = 100) -> Answer:
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit", "limit must be between 1 and 1000")
    with db.transaction(write=False) as uow:
        items = [decision_json(d) for d in uow.risk.pending_reviews(limit)]
    return Answer({"pending": items, "count": len(items)})


@retried
def decide(
    db: Database, decision_id: str, *, verdict: str, by: str, note: str, key: str | None = None
) -> Answer:
    """An operator approves or declines a spend held for review; the decision labels the
    event (approve: cleared, decline: fraud confirmed) for backtests."""
    party_id = party_of_decision(decision_id)
    if verdict not in {"approve", "decline"}:
        raise InvalidInput("verdict", "verdict must be approve or decline")
    who = by.strip()
    if not who or len(who) > 64 or not who.isprintable():
        raise InvalidInput("by", "by must name the operator (1 to 64 characters)")
    text = note.strip()
    if len(text) > 500 or not text.isprintable():
        raise InvalidInput("note", "note must be at most 500 printable characters")
    checked = check_key(key, required=False)
    with db.transaction() as uow:
        now = uow.reference.now()

        def effect() -> Answer:
            d = uow.risk.get_decision(party_id, decision_id)
            if d.review != "pending":
                reason = Reason(ReasonCode.REVIEW_NOT_PENDING, {"review": d.review})
                raise Refused(reason.code.value, reason.message_en, [reason])
            hold_status = None
            if d.event == Event.SPEND.value and d.line_id is not None:
                hold_status = _settle_held_spend(uow, d, approve=verdict == "approve", now=now)
            review = "approved" if verdict == "approve" else "declined"
            uow.risk.decide(party_id, decision_id, review=review, by=who, note=text, now=now)
            uow.rings.set_label(
                "event",
                d.subject,
                "cleared" if verdict == "approve" else "fraud",
                pattern=None,
                ring=None,
                source=f"operator:{who}",
                now=now,
            )
            body = decision_json(uow.risk.get_decision(party_id, decision_id))
            body["hold_status"] = hold_status
            uow.events.emit("risk.reviewed", body, now, line_id=d.line_id, party_id=party_id)
            return Answer(body)

        return run_once(
            uow,
            scope=party_id,
            key=checked,
            command="risk.decide",
            params={"decision": decision_id, "verdict": verdict, "by": who, "note": text},
            effect=effect,
            now=now,
        )


def _settle_held_spend(uow: UnitOfWork, d: Decision, *, approve: bool, now: datetime) -> str:
    """Approve leaves the hold to be captured; decline releases it back to available."""
    assert d.line_id is not None
    locked = uow.lines.lock_line(d.line_id)
    try:
        hold = uow.holds.get_hold(d.line_id, d.subject)
    except NotFound:
        return "missing"
    if hold.status is not HoldStatus.AUTHORIZED or approve:
        return hold.status.value
    post_movement(
        uow,
        locked,
        f"{hold.id}:{Movement.VOID.value}",
        release_transfers(hold, Movement.VOID),
        now,
    )
    uow.holds.update_hold(
        d.line_id, hold.id, status=HoldStatus.DECLINED, captured=0, refunded=0, now=now
    )
    return HoldStatus.DECLINED.value


def review_pending(uow: UnitOfWork, hold_id: str) -> bool:
    return uow.risk.pending_review_of(hold_id) is not None

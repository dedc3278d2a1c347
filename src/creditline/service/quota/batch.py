"""Many spends, one durable commit (批量授权): TigerBeetle's batching, on a SQL engine.

``authorize_batch`` runs every spend of the batch through the same rules, risk scoring and
idempotency as ``spending.authorize``, inside one transaction, and pays one commit (one fsync)
for all of them. Each spend keeps its own answer under its own key: a replay of one key, in a
batch or alone, gives the first answer. A refused spend (the rules or risk said no) is an
answer like any other and does not refuse the others; a spend with bad input (a missing field,
an unknown line, a key reused with other parameters) gets its own error and writes nothing.

Lines are locked in the order of their ids (spends of one line keep the batch's order), so two
batches never wait on each other in a cycle. A lost race on a key (``Conflict``) re-runs the
whole batch, and its spends that went through before replay their first answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from creditline.domain.errors import CreditlineError, InvalidInput, Refused
from creditline.domain.money import Money
from creditline.domain.quota.lines import require_positive
from creditline.domain.quota.purposes import Purpose, parse_purpose
from creditline.domain.text import printable_text
from creditline.service.idempotency import Answer, check_key, refusal_body, retried
from creditline.service.quota.line_command import LineCommand
from creditline.service.quota.spending import MAX_REF_LENGTH, hold_spend
from creditline.service.uow import Database, UnitOfWork

#: The most spends one batch may carry (the API's limit too); a file is cut into batches.
MAX_BATCH = 1000
FIELDS = ("line", "amount", "purpose", "key", "order", "counterparty")


@dataclass(frozen=True, slots=True)
class SpendRequest:
    """One spend of a batch, its shape checked before any I/O."""

    line: str
    amount: str
    purpose: Purpose
    key: str
    order: str | None
    counterparty: str | None

    @property
    def params(self) -> dict[str, Any]:
        """What the key's answer is bound to: the same as a single authorisation's, so that a
        key first used in a batch replays alone, and the other way round."""
        return {
            "amount": self.amount,
            "purpose": self.purpose.value,
            "order": self.order,
            "counterparty": self.counterparty,
        }


def parse_spend(item: Mapping[str, Any]) -> SpendRequest:
    """A spend from its JSON object; bad input names the field."""
    if not isinstance(item, Mapping):
        raise InvalidInput("spend", "each spend must be a JSON object")
    unknown = sorted(set(item) - set(FIELDS))
    if unknown:
        raise InvalidInput(unknown[0], f"{unknown[0]} is not a field of a spend ({FIELDS})")
    for name in ("line", "amount", "purpose"):
        if not isinstance(item.get(name), str) or not item[name]:
            raise InvalidInput(name, f"{name} is required (a string)")
    for name in ("key", "order", "counterparty"):
        if item.get(name) is not None and not isinstance(item[name], str):
            raise InvalidInput(name, f"{name} must be a string")
    Money.parse(item["amount"])
    key = check_key(item.get("key"), required=True)
    assert key is not None
    refs = {
        name: None
        if item.get(name) is None
        else printable_text(item[name], name, max_length=MAX_REF_LENGTH)
        for name in ("order", "counterparty")
    }
    return SpendRequest(
        line=printable_text(item["line"], "line", max_length=MAX_REF_LENGTH),
        amount=item["amount"],
        purpose=parse_purpose(item["purpose"]),
        key=key,
        order=refs["order"],
        counterparty=refs["counterparty"],
    )


def authorize_batch(db: Database, spends: Sequence[Mapping[str, Any]]) -> Answer:
    """Authorise every spend of ``spends`` in one transaction with one commit.

    The answer lists one result per spend, in the batch's order: ``outcome`` ``authorized``,
    ``review`` (held, awaiting a risk review), ``declined`` (with the hold's reasons) or
    ``error`` (bad input: nothing written), and the spend's own answer under ``hold`` or its
    ``error``."""
    if isinstance(spends, (str, bytes)) or not isinstance(spends, Sequence):
        raise InvalidInput("spends", "spends must be a list of spends")
    if not spends:
        raise InvalidInput("spends", "spends is empty: a batch carries at least one spend")
    if len(spends) > MAX_BATCH:
        raise InvalidInput("spends", f"spends: at most {MAX_BATCH} spends in one batch")
    parsed: list[SpendRequest | CreditlineError] = []
    for item in spends:
        try:
            parsed.append(parse_spend(item))
        except InvalidInput as exc:
            parsed.append(exc)
    return _run_batch(db, parsed)


def authorize_group(db: Database, spends: Sequence[SpendRequest]) -> list[Answer | InvalidInput]:
    """Group commit (组提交): the spends of concurrent single authorisations, checked already
    (``spend_request``), in one transaction with one commit. Each gets exactly the answer a
    single ``authorize`` would have given (its bad input as the error it would have raised),
    and only after the commit: the caller hands each its own."""
    return _run_spends(db, list(spends))


def spend_request(
    line: str,
    *,
    amount: str,
    purpose: str,
    key: str | None,
    order: str | None = None,
    counterparty: str | None = None,
) -> SpendRequest:
    """A single authorisation's input, checked as ``authorize`` checks it (before any I/O)."""
    item = {"line": line, "amount": amount, "purpose": purpose, "key": key}
    item |= {"order": order, "counterparty": counterparty}
    return parse_spend(item)


@retried
def _run_spends(db: Database, spends: list[SpendRequest]) -> list[Answer | InvalidInput]:
    outcomes: list[Answer | InvalidInput] = [InvalidInput("spend", "not run")] * len(spends)
    with db.transaction() as uow:
        now = uow.reference.now()
        for i in sorted(range(len(spends)), key=lambda i: spends[i].line):
            try:
                outcomes[i] = _one(uow, spends[i], now)
            except Refused as exc:
                outcomes[i] = Answer(refusal_body(exc), refused=True)
            except InvalidInput as exc:
                outcomes[i] = exc
    return outcomes


def _run_batch(db: Database, parsed: list[SpendRequest | CreditlineError]) -> Answer:
    valid = [i for i, p in enumerate(parsed) if isinstance(p, SpendRequest)]
    outcomes = _run_spends(db, [p for p in parsed if isinstance(p, SpendRequest)])
    results: list[dict[str, Any]] = [{} for _ in parsed]
    for i, outcome in zip(valid, outcomes, strict=True):
        spend = parsed[i]
        assert isinstance(spend, SpendRequest)
        results[i] = (
            _error(spend, outcome) if isinstance(outcome, InvalidInput) else _result(spend, outcome)
        )
    for i, p in enumerate(parsed):
        if isinstance(p, CreditlineError):
            results[i] = _error(None, p)
    for i, r in enumerate(results):
        r["index"] = i
    counts = {
        outcome: sum(1 for r in results if r["outcome"] == outcome)
        for outcome in ("authorized", "review", "declined", "error")
    }
    return Answer({"object": "batch", "count": len(results), **counts, "results": results})


def _one(uow: UnitOfWork, spend: SpendRequest, now: Any) -> Answer:
    locked = uow.lines.lock_line(spend.line, spend.key, for_spend=True)
    cmd = LineCommand(uow, locked, spend.key, now)
    money = require_positive(cmd.amount(spend.amount))

    def effect() -> Answer:
        return hold_spend(cmd, money, spend.purpose, spend.order, spend.counterparty)

    return cmd.run("spend.authorize", spend.params, effect)


def _result(spend: SpendRequest, answer: Answer) -> dict[str, Any]:
    outcome = "review" if answer.body.get("status") == "review" else "authorized"
    outcome = "declined" if answer.refused else outcome
    return {"key": spend.key, "line": spend.line, "outcome": outcome, "hold": answer.body}


def _error(spend: SpendRequest | None, exc: CreditlineError) -> dict[str, Any]:
    return {
        "key": None if spend is None else spend.key,
        "line": None if spend is None else spend.line,
        "outcome": "error",
        "error": exc.to_json(),
    }

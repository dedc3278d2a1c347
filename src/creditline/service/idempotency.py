"""Idempotency keys (幂等键): a replay returns the first answer and writes nothing."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from creditline.domain.errors import Conflict, IdempotencyKeyReused, InvalidInput, Refused
from creditline.domain.money import Money
from creditline.domain.text import printable_text
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import Database, UnitOfWork

MAX_KEY_LENGTH = 255
P = ParamSpec("P")
R = TypeVar("R")


def check_key(key: str | None, *, required: bool) -> str | None:
    if key is None or key == "":
        if required:
            raise InvalidInput("key", "key is required: every command that moves money needs one")
        return None
    return printable_text(key, "key", max_length=MAX_KEY_LENGTH)


#: The parameters that are amounts of money, compared by value: ``100.0`` replays ``100.00``.
MONEY_PARAMS = frozenset({"amount", "limit", "income"})


def _canonical(name: str, value: Any) -> Any:
    """An amount as ``Money.format`` writes it (the form most requests already use, so keys
    stored before amounts were compared by value still match); anything else as given. An
    amount that does not parse is left alone: the use case refuses it before any lookup."""
    if name in MONEY_PARAMS and isinstance(value, str):
        try:
            return Money.parse(value, field=name).format()
        except InvalidInput:
            return value
    return value


def request_hash(command: str, params: dict[str, Any]) -> str:
    canonical = {name: _canonical(name, value) for name, value in params.items()}
    blob = json.dumps({"command": command, "params": canonical}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to a command: its JSON body, and whether the rules refused it (exit 3)."""

    body: dict[str, Any]
    refused: bool = False


def refusal_body(exc: Refused) -> dict[str, Any]:
    return {"error": exc.to_json(), "reasons": [r.to_json() for r in exc.reasons]}


def run_once(
    uow: UnitOfWork,
    *,
    scope: str,
    key: str | None,
    command: str,
    params: dict[str, Any],
    effect: Callable[[], Answer],
    now: datetime,
    locked: LockedLine | None = None,
) -> Answer:
    """Run ``effect`` once per (scope, key); store its answer in the same transaction.

    A refusal is an answer too and is stored (as Stripe does), so the transaction commits it;
    bad input is not, because it is refused before anything runs. Effects check every rule
    before they write, so a refusal never leaves half an effect behind.
    """
    digest = request_hash(command, params)
    if key is not None:
        # A line-scoped command read its key's answer with the line's lock.
        stored = locked.stored if locked is not None else uow.idempotency.find_response(scope, key)
        if stored is not None:
            if stored.request_hash != digest:
                raise IdempotencyKeyReused(key)
            return Answer(stored.body, stored.refused)
    try:
        answer = effect()
    except Refused as exc:
        if key is None:
            raise
        answer = Answer(refusal_body(exc), refused=True)
    if key is not None:
        uow.idempotency.save_response(
            scope, key, digest, answer.body, refused=answer.refused, now=now
        )
    return answer


def retried(fn: Callable[P, R]) -> Callable[P, R]:
    """Re-run a use case that lost a race (e.g. two requests with one key): the second run
    sees the winner's answer and replays it."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for _ in range(4):
            try:
                return fn(*args, **kwargs)
            except Conflict:
                continue
        return fn(*args, **kwargs)

    return wrapper


def once(
    db: Database,
    *,
    key: str | None,
    command: str,
    params: dict[str, Any],
    effect: Callable[[UnitOfWork, datetime], Answer],
    scope: str = "platform",
) -> Answer:
    """Run a mutating use case in one transaction; with a key (optional here), a replay
    returns the first answer and writes nothing."""
    checked = check_key(key, required=False)
    with db.transaction() as uow:
        now = uow.reference.now()
        return run_once(
            uow,
            scope=scope,
            key=checked,
            command=command,
            params=params,
            effect=lambda: effect(uow, now),
            now=now,
        )

"""How a route calls a use case: who is calling (a bearer key, cached briefly), whether the
object is theirs (a holder sees only its own; anything else is "not found"), whether their
role allows the action (operators' actions are audited in the action's transaction), the
``Idempotency-Key`` (the first response replayed with its status), and the answer in the
API's shape (minor units, ``object`` types)."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import JSONResponse

import creditline
from creditline import Answer, Database, InvalidInput, NotFound, Principal
from creditline.entrypoints.api.shape import object_type, to_api

if TYPE_CHECKING:
    from creditline.entrypoints.api.group_commit import GroupCommit

#: How long an authenticated key is trusted without asking the database again. A key revoked
#: through this process is dropped at once; one revoked elsewhere stops working within this.
KEY_TTL_SECONDS = 2.0
#: Owners of lines never change, so they are kept for the life of the process.
MAX_OWNERS = 100_000
Run = Callable[[Database, str], Answer]


@dataclass
class Api:
    """What the routes share: the database and the small caches in front of it."""

    db: Database
    keys: dict[str, tuple[Principal, float]] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)
    currencies: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Group commit of single authorisations (``serve --group-commit-ms``), else None.
    group: GroupCommit | None = None

    def authenticate(self, header: str | None) -> Principal:
        secret = None
        if header and header[:7].lower() == "bearer ":
            secret = header[7:].strip()
        digest = hashlib.sha256(secret.encode()).hexdigest() if secret else ""
        now = time.monotonic()
        cached = self.keys.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        principal = creditline.authenticate(self.db, secret)
        with self.lock:
            self.keys[digest] = (principal, now + KEY_TTL_SECONDS)
        return principal

    def forget_key(self, key_id: str) -> None:
        with self.lock:
            for digest, (principal, _) in list(self.keys.items()):
                if principal.key_id == key_id:
                    del self.keys[digest]

    def owner(self, object_id: str, db: Database | None = None) -> str | None:
        """The party that owns the object (kept for lines and parties, whose owner never
        changes); ``db``: a read already open on this thread (``one_read``), to read it in."""
        found = self.owners.get(object_id)
        if found is not None:
            return found
        found = creditline.owner_of(db or self.db, object_id)
        if found is not None and object_id.startswith(("line_", "mer_", "con_")):
            with self.lock:
                if len(self.owners) >= MAX_OWNERS:
                    self.owners.clear()
                self.owners[object_id] = found
        return found

    def line_currency(self, line_id: str) -> str:
        """A line's currency (it never changes, so it is kept)."""
        found = self.currencies.get(line_id)
        if found is None:
            found = str(creditline.show_line(self.db, line_id).body["currency"])
            with self.lock:
                if len(self.currencies) >= MAX_OWNERS:
                    self.currencies.clear()
                self.currencies[line_id] = found
        return found


def line_of_child(child_id: str, param: str) -> str:
    """The line inside a hold's, an occupancy's, a freeze's or a plan's id (they carry it, so that a
    request by id reaches the line's shard); ``NotFound`` for an id of no such shape."""
    kind, _, rest = child_id.partition("_")
    if kind not in {"hold", "occ", "frz", "inst"} or len(rest) != 28:
        raise NotFound(param, f"{param}: no such object {child_id[:80]!r}")
    return f"line_{rest[:16]}"


class Caller:
    """One request's caller (a FastAPI dependency: ``caller: Caller = Depends(Caller)``)."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.api: Api = request.app.state.api
        self.principal: Principal = self.api.authenticate(request.headers.get("authorization"))
        request.state.principal = self.principal.label()

    @property
    def db(self) -> Database:
        return self.api.db

    @property
    def request_id(self) -> str:
        return str(getattr(self.request.state, "request_id", "")) or f"req_{secrets.token_hex(12)}"

    @property
    def party(self) -> str | None:
        """The holder's party when the caller is a holder; None for an operator."""
        return self.principal.party_id

    def own(self, object_id: str, param: str) -> None:
        """A holder may reach only its own objects; another's is answered as missing."""
        if self.principal.party_id is None:
            return
        if self.api.owner(object_id) != self.principal.party_id:
            raise NotFound(param, f"{param}: no such object {object_id[:80]!r}")

    def line_currency(self, line_id: str) -> str:
        return self.api.line_currency(line_id)

    def same_currency(self, line_id: str, currency: str) -> None:
        """The amount's currency must be the line's."""
        if currency != self.api.line_currency(line_id):
            raise InvalidInput(
                "currency", f"currency {currency} is not the line's ({self.line_currency(line_id)})"
            )

    def read(self, run: Callable[[Database], Answer], *, action: str = "read") -> JSONResponse:
        self.principal.require(action)
        return respond(run(self.db))

    def write(
        self,
        action: str,
        run: Run,
        *,
        target: str = "",
        note: str | None = None,
        status: int = 200,
        body: Any = None,
        native_key: bool = False,
    ) -> JSONResponse:
        """Run a write. ``native_key``: the use case keeps its own answer under the key, in its
        own transaction (the money-moving ones do), so the key is handed to it, scoped to the
        caller; otherwise the key is claimed first, so that racing requests act once."""
        self.principal.require(action)
        header = self.request.headers.get("idempotency-key")
        owner = self.principal.key_id or self.principal.label()
        if header is None:
            return respond(
                self._act(action, run, f"api_{secrets.token_hex(16)}", target, note), status=status
            )
        if native_key:
            key = creditline.scoped_key(owner, header)
            return respond(self._act(action, run, key, target, note), status=status)
        blob = json.dumps(body, sort_keys=True, default=str).encode()
        fingerprint = creditline.request_fingerprint(
            self.request.method, self.request.url.path, blob
        )
        kept = creditline.claim_key(self.db, owner, header, fingerprint)
        if kept is not None:
            return JSONResponse(
                json.loads(kept.body),
                status_code=kept.status,
                headers={"Idempotent-Replayed": "true"},
            )
        try:
            answer = self._act(action, run, creditline.scoped_key(owner, header), target, note)
        except BaseException:
            creditline.release_key(self.db, owner, header)
            raise
        response = respond(answer, status=status)
        creditline.keep_response(
            self.db,
            owner,
            header,
            fingerprint=fingerprint,
            status=response.status_code,
            body=json.dumps(redacted(json.loads(bytes(response.body)))),
        )
        return response

    def _act(self, action: str, run: Run, key: str, target: str, note: str | None) -> Answer:
        return creditline.act(
            self.db,
            self.principal,
            action,
            lambda db: run(db, key),
            target=target,
            note=note,
            request_id=self.request_id,
        )


#: What is shown once and never kept: a replay answers ``null`` in their place.
SHOWN_ONCE = ("key", "secret")


def redacted(body: Any) -> Any:
    if isinstance(body, dict):
        return {k: (None if k in SHOWN_ONCE and isinstance(v, str) else v) for k, v in body.items()}
    return body


def respond(answer: Answer, *, status: int = 200) -> JSONResponse:
    """The answer in the API's shape; a refusal by the rules is a 402 with its reasons."""
    if not answer.refused:
        return JSONResponse(to_api(answer.body), status_code=status)
    return JSONResponse(to_api(refusal(answer.body)), status_code=402)


def refusal(body: dict[str, Any]) -> dict[str, Any]:
    """A refused answer in the error shape: ``error`` (its code the first reason's, as
    Stripe's ``decline_code``), every ``reasons`` with zh/en texts and what to do, and the
    declined object itself (a declined hold is kept, with its id) under its type."""
    if "error" in body:
        return body
    reasons = list(body.get("reasons", []))
    first = reasons[0] if reasons else {}
    declined = {k: v for k, v in body.items() if k != "reasons"}
    kind = object_type(str(declined.get("id", ""))) or "object"
    return {
        "error": {
            "type": "refused",
            "code": "declined",
            "decline_code": first.get("code"),
            "message": first.get("message_en") or first.get("message") or "declined",
            "message_zh": first.get("message_zh"),
            "message_en": first.get("message_en"),
            "param": None,
        },
        "reasons": reasons,
        kind: declined,
    }


def page(
    items: list[dict[str, Any]], *, limit: int, starting_after: str | None, url: str
) -> dict[str, Any]:
    """A Stripe list of ``items`` (already in order): ``limit`` after ``starting_after``."""
    start = 0
    if starting_after is not None:
        ids = [str(item.get("id")) for item in items]
        if starting_after not in ids:
            raise NotFound("starting_after", f"starting_after: no such object {starting_after!r}")
        start = ids.index(starting_after) + 1
    chosen = items[start : start + limit]
    return {
        "object": "list",
        "url": url,
        "data": chosen,
        "has_more": start + limit < len(items),
    }

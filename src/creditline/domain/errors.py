"""The exception tree of creditline; every error carries a stable ``code``.

CreditlineError            base; ``code`` is stable, ``message`` is for people
├── InvalidInput           bad input, refused before anything is written; names ``param``
│   ├── NotFound           a referenced id does not exist
│   └── IdempotencyKeyReused   same key, different parameters (``param``: ``key``)
├── Refused                a valid request the rules refuse; carries reasons
├── Conflict               a concurrent request won a race; safe to retry
│   └── IdempotencyKeyInUse    the first request with this key is still running
├── NotInitialised         the database has no schema yet (run ``creditline init``)
├── LedgerKeyError         no usable key to sign the ledger's checkpoints (missing, unreadable)
├── CalendarExhausted      the working-day calendar shows no working day where a rule looks
├── Unauthenticated        no key, or an unknown or revoked one (HTTP 401)
├── Forbidden              the operator lacks the role the action needs (HTTP 403)
├── InvariantViolation     the code broke a rule of money or of a ledger (a bug, never input)
└── StorageError           the database failed in a way no rule explains (connection lost...)

Entrypoints map these types to their own codes (the CLI's exit codes, the API's statuses);
the domain knows neither.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from creditline.domain.reasons import Reason


class CreditlineError(Exception):
    """Root of every error creditline raises on purpose."""

    code: str = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict[str, object]:
        return {"type": "api_error", "code": self.code, "message": self.message}


class InvalidInput(CreditlineError):
    """Bad input: names the field (``param``) and changes nothing."""

    code = "invalid_input"

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message if param in message else f"{param}: {message}")
        self.param = param

    def to_json(self) -> dict[str, object]:
        return {
            "type": "invalid_request_error",
            "code": self.code,
            "message": self.message,
            "param": self.param,
        }


class NotFound(InvalidInput):
    code = "resource_missing"


class Refused(CreditlineError):
    """The request is well formed but the rules refuse it; ``reasons`` say why."""

    code = "refused"

    def __init__(self, code: str, message: str, reasons: Sequence[Reason] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.reasons = tuple(reasons)

    def to_json(self) -> dict[str, object]:
        return {"type": "refused", "code": self.code, "message": self.message}


class IdempotencyKeyReused(InvalidInput):
    """The key was used before with other parameters: the caller's mistake (bad input, like
    Stripe's), not a rule's refusal; nothing is written and nothing is stored."""

    code = "idempotency_key_reused"

    def __init__(self, key: str) -> None:
        super().__init__(
            "key", f"idempotency key {key!r} was already used with different parameters"
        )


class Conflict(CreditlineError):
    """A concurrent request changed what this one read; retrying is safe."""

    code = "conflict"


class IdempotencyKeyInUse(Conflict):
    """A request with this idempotency key is still running; retry once it has answered."""

    code = "idempotency_key_in_use"


class NotInitialised(CreditlineError):
    """The database holds no creditline schema."""

    code = "not_initialised"


class LedgerKeyError(CreditlineError):
    """The key that signs the ledger's checkpoints cannot be had: none was found where this
    process looks (``ledger_key_missing``; ``creditline init`` creates one), or what was found
    is not an Ed25519 key (``ledger_key_invalid``). Nothing is written without it: an
    unsigned head would read as tampering."""

    code = "ledger_key_missing"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class CalendarExhausted(CreditlineError):
    """The calendar in force shows no working day within the span a rule looks ahead: the
    loaded holiday notices are wrong, and no date computed from them could be trusted."""

    code = "calendar_exhausted"


class InvariantViolation(CreditlineError):
    """A rule that holds by construction was broken by the code itself: a transfer of nothing,
    two currencies added together, a transfer to an account of another book. Input can never
    cause it (input is refused before it reaches the rules); the transaction rolls back."""

    code = "invariant_violation"


class StorageError(CreditlineError):
    """The database failed (connection lost, disk full...); nothing was committed."""

    code = "storage_error"


class Unauthenticated(CreditlineError):
    """No credential, or one that is unknown or revoked (HTTP 401)."""

    code = "unauthenticated"

    def to_json(self) -> dict[str, object]:
        return {"type": "authentication_error", "code": self.code, "message": self.message}


class Forbidden(CreditlineError):
    """The operator exists but lacks the role the action needs (HTTP 403); ``roles`` are the
    roles that would be allowed."""

    code = "forbidden"

    def __init__(self, message: str, roles: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.roles = tuple(roles)

    def to_json(self) -> dict[str, object]:
        return {
            "type": "permission_error",
            "code": self.code,
            "message": self.message,
            "required_roles": list(self.roles),
        }

"""The exception tree of creditline; every error carries a stable ``code``.

CreditlineError            base; ``code`` is stable, ``message`` is for people
├── InvalidInput           bad input, refused before anything is written (CLI exit 2)
│   └── NotFound           a referenced id does not exist (CLI exit 2)
├── Refused                a valid request the rules refuse; carries reasons (CLI exit 3)
│   └── IdempotencyKeyReused   same key, different parameters
├── Conflict               a concurrent request won a race; safe to retry (CLI exit 1)
└── IntegrityError         the ledger or its chain does not verify (CLI exit 1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from creditline.domain.reasons import Reason


class CreditlineError(Exception):
    """Root of every error creditline raises on purpose."""

    code: str = "error"
    exit_code: int = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict[str, object]:
        return {"type": "api_error", "code": self.code, "message": self.message}


class InvalidInput(CreditlineError):
    """Bad input: names the field (``param``) and changes nothing."""

    code = "invalid_input"
    exit_code = 2

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
    exit_code = 3

    def __init__(self, code: str, message: str, reasons: Sequence[Reason] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.reasons = tuple(reasons)

    def to_json(self) -> dict[str, object]:
        return {"type": "refused", "code": self.code, "message": self.message}


class IdempotencyKeyReused(Refused):
    def __init__(self, key: str) -> None:
        super().__init__(
            "idempotency_key_reused",
            f"idempotency key {key!r} was already used with different parameters",
        )
        self.param = "key"


class Conflict(CreditlineError):
    code = "conflict"
    exit_code = 1


class IntegrityError(CreditlineError):
    code = "ledger_integrity"
    exit_code = 1

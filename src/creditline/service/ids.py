"""Identifiers: Stripe-style prefixed random ids; a hold's id carries its line's id."""

from __future__ import annotations

import secrets

from creditline.domain.errors import InvalidInput


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


def new_child_id(prefix: str, line_id: str) -> str:
    """An id that names its line, so a request by id is routed to the line's shard."""
    return f"{prefix}_{line_id.removeprefix('line_')}{secrets.token_hex(6)}"


def line_of(child_id: str, *, field: str) -> str:
    """The line id inside a hold or occupancy id."""
    _, _, rest = child_id.partition("_")
    if len(rest) != 28 or not all(c in "0123456789abcdef" for c in rest):
        raise InvalidInput(field, f"{field} {child_id!r} is not a valid id")
    return f"line_{rest[:16]}"

"""Signed messages as the Standard Webhooks specification (standardwebhooks.com) says: each
delivery carries ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``, the last
``v1,`` and the base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}`` under the endpoint's secret
(``whsec_`` and the base64 of its key), so that any receiver verifies it with the
specification's libraries. The message body is compact JSON, the same bytes on every retry."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from creditline.domain.errors import InvalidInput

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix the specification gives secrets
#: Random bytes in a new secret (Svix's size: 24 bytes, 32 characters of base64).
SECRET_BYTES = 24
EVENT_PREFIX = "evt_"

#: What turns a stored event payload into the object a receiver reads (the API's shape).
Render = Callable[[dict[str, Any]], Any]


def secret_from_key(key: bytes) -> str:
    """The secret a receiver is given: ``whsec_`` and the key in base64."""
    if len(key) < SECRET_BYTES:
        raise InvalidInput("secret", f"a webhook key has at least {SECRET_BYTES} bytes")
    return SECRET_PREFIX + base64.b64encode(key).decode("ascii")


def signing_key(secret: str) -> bytes:
    """The HMAC key inside a ``whsec_`` secret."""
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("secret", "a webhook secret is whsec_ and base64") from None


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The headers of one delivery: the three of the specification and the content type.
    ``timestamp`` is the sender's wall clock in seconds (receivers refuse old ones)."""
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


def message_id(event_id: int) -> str:
    """The message id of an event: the same for each retry, so receivers drop duplicates."""
    return f"{EVENT_PREFIX}{event_id}"


def message_body(event: dict[str, Any], render: Render) -> bytes:
    """The JSON a receiver gets for an outbox event (``id``, ``type``, ``line``, ``payload``,
    ``created_at``), like a Stripe event: ``data.object`` is the rendered payload."""
    message = {
        "id": message_id(int(event["id"])),
        "object": "event",
        "type": event["type"],
        "created_at": event["created_at"],
        "line": event.get("line"),
        "data": {"object": render(event["payload"])},
    }
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

"""What an endpoint subscribes to: a URL to POST to, and the event types it wants ("*" for
every type)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from creditline.domain.errors import InvalidInput
from creditline.domain.event_types import EVENT_TYPES
from creditline.domain.text import printable_text

EVERY_EVENT = "*"
MAX_URL = 2048


def check_url(url: str) -> str:
    """``url`` when it is an http(s) URL with a host; else ``InvalidInput`` on ``url``."""
    text = printable_text(url, "url", max_length=MAX_URL, strip=True, spaces=False)
    try:
        parts = urlsplit(text)
        port = parts.port  # a port that is not a number raises here
    except ValueError:
        raise InvalidInput("url", f"url {text[:80]!r} is not a URL") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise InvalidInput("url", f"url must be http(s)://host/...; got {text[:80]!r}")
    if port == 0:
        raise InvalidInput("url", "url names port 0")
    return text


def check_events(enabled_events: Iterable[str]) -> tuple[str, ...]:
    """The event types, each once in the order given; each must be a known type or "*"."""
    if isinstance(enabled_events, str):
        raise InvalidInput("enabled_events", "enabled_events is a list of event types")
    chosen = tuple(dict.fromkeys(enabled_events))
    known = ", ".join((EVERY_EVENT, *EVENT_TYPES))
    if not chosen:
        raise InvalidInput("enabled_events", f"enabled_events names no event type; known: {known}")
    unknown = [e for e in chosen if e != EVERY_EVENT and e not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(
            "enabled_events",
            f"enabled_events: {str(unknown[0])[:64]!r} is not an event type; known: {known}",
        )
    return chosen


def wants(enabled_events: Iterable[str], event_type: str) -> bool:
    """Whether an endpoint with these subscriptions receives an event of ``event_type``."""
    return any(e in {EVERY_EVENT, event_type} for e in enabled_events)

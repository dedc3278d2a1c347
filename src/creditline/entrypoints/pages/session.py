"""The pages' session: who signed in, the CSRF token bound to the session, and the limit on
failed sign-ins.

The session is Starlette's ``SessionMiddleware``: a cookie signed with itsdangerous (HMAC) under
a secret kept per database (``creditline.session_secret``), HttpOnly, SameSite=Lax, eight hours.
It is signed, not encrypted: it holds who signed in (a party and its key's id or a short
fingerprint of its password hash, or an operator's name) and the CSRF token, never a key or a
password. Every request reads again whether the holder's key is still active (or its password
unchanged) and what the operator's role is now.

Failed sign-ins are limited in this process (``FAILURES`` per ``WINDOW_SECONDS`` per client
address and per name): with several workers each keeps its own count."""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from fastapi import Request

import creditline
from creditline import CreditlineError, Principal

SESSION_SECONDS = 8 * 3600
FAILURES = 5
WINDOW_SECONDS = 60.0
CSRF_FIELD = "csrf"


def csrf_token(request: Request) -> str:
    """The session's CSRF token, made on first use (every form carries it)."""
    token = request.session.get(CSRF_FIELD)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_FIELD] = token
    return token


def csrf_ok(request: Request, sent: str | None) -> bool:
    """Whether a posted form carries the session's token (compared in constant time)."""
    kept = request.session.get(CSRF_FIELD)
    if not isinstance(kept, str) or not kept or not sent:
        return False
    return hmac.compare_digest(kept.encode(), sent.encode())


def sign_in(
    request: Request, principal: Principal, *, password_fingerprint: str | None = None
) -> None:
    """Start a fresh session for ``principal`` (a new CSRF token: no fixation); a holder
    signed in with a password keeps its hash's fingerprint, so a new password ends it."""
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    request.session["who"] = {
        "name": principal.name,
        "role": principal.role.value if principal.role is not None else None,
        "party": principal.party_id,
        "key": principal.key_id,
        "pw": password_fingerprint,
    }
    request.session["at"] = time.time()
    csrf_token(request)


def sign_out(request: Request) -> None:
    request.session.clear()


def visitor(request: Request, db: creditline.Database | None = None) -> Principal | None:
    """Who is signed in, or None (no session, an expired one, or an operator gone). ``db``:
    the page's own read (``one_read``), so the check costs no transaction of its own."""
    who = request.session.get("who")
    at = request.session.get("at")
    if not isinstance(who, dict) or not isinstance(at, (int, float)):
        return None
    if time.time() - at > SESSION_SECONDS:
        request.session.clear()
        return None
    db = db or request.app.state.api.db
    try:
        if who.get("party") and who.get("pw"):  # while its password is the one signed in with
            return creditline.holder_of_password(db, str(who["party"]), str(who["pw"]))
        if who.get("party"):  # while its key is active: revoking the key ends the session
            return creditline.holder_of_key(db, str(who.get("key")))
        # the operator's role as it is now, not as it was at sign-in
        return creditline.as_operator(db, str(who.get("name")), "read")
    except CreditlineError:
        request.session.clear()
        return None


def visitor_label(request: Request) -> str:
    who = request.session.get("who")
    if not isinstance(who, dict):
        return ""
    if who.get("party"):
        return str(who["party"])
    return f"{who.get('name')} ({who.get('role')})"


@dataclass
class SignInLimit:
    """Failed sign-ins per key (a client address, an operator name) in a sliding window."""

    failures: int = FAILURES
    window: float = WINDOW_SECONDS
    seen: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self.seen[key]
        while times and now - times[0] > self.window:
            times.popleft()
        return times

    def attempt(self, *keys: str) -> bool:
        """Count a sign-in attempt before it is checked; False (and not counted) when one of
        ``keys`` has used up its attempts in the window. Check and count are one step under
        the lock, so concurrent guesses cannot all pass the check first."""
        now = time.monotonic()
        with self.lock:
            if any(len(self._recent(k, now)) >= self.failures for k in keys if k):
                return False
            for key in keys:
                if key:
                    self._recent(key, now).append(now)
            if len(self.seen) > 100_000:  # a flood of names: forget the quiet ones
                for stale in [k for k, v in self.seen.items() if not v]:
                    del self.seen[stale]
            return True

    def succeeded(self, *keys: str) -> None:
        """Take back the attempt of a sign-in that succeeded: only failures count."""
        with self.lock:
            for key in keys:
                if key and self.seen.get(key):
                    self.seen[key].pop()

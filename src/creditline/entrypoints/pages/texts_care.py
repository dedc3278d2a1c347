"""The fixed texts of the holder's self-check, security centre, policy changes pages,
Chinese first (merged into ``render.TEXTS``)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {}

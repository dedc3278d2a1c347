"""The fixed texts of the operator desk (/ops/) pages,
Chinese first (merged into ``render.TEXTS``)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {}

"""The fixed texts of the holder's quota detail, statements and daily monitor pages,
Chinese first (merged into ``render.TEXTS``)."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {}

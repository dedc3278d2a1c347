"""Platform policy (平台政策): the parameters every decision uses, and their version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Policy:
    """One version of the platform policy. Figures are defaults, never constants in rules."""

    version: str = "builtin-1"
    hold_timeout_days: int = 7

    @property
    def hold_timeout(self) -> timedelta:
        return timedelta(days=self.hold_timeout_days)

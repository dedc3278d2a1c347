"""In-memory fake of the care port (see ``tests/fakes.py``): holder passwords and service
figures live in the fake state's own attributes; devices and logins are read from the fake
risk state; split timings and risk items are not modelled (empty)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from creditline.service.care.care_ports import (
    DeviceSeen,
    LoginSeen,
    RiskItem,
    ServiceFigures,
    SplitTiming,
)

if TYPE_CHECKING:
    from tests.fakes import FakeState


class FakeCare:
    """The ``care`` port in memory."""

    def __init__(self, state: FakeState) -> None:
        self.s = state

    def _kept(self, name: str) -> dict[Any, Any]:
        kept: dict[Any, Any] = self.s.__dict__.setdefault(name, {})
        return kept

    def holder_password_hash(self, party_id: str) -> str | None:
        found: str | None = self._kept("care_passwords").get(party_id)
        return found

    def set_holder_password_hash(self, party_id: str, encoded: str) -> None:
        self._kept("care_passwords")[party_id] = encoded

    def save_service_figures(self, figures: ServiceFigures, now: datetime) -> None:
        self._kept("care_figures")[figures.party_id, figures.day] = replace(figures)

    def service_figures(self, party_id: str, since: date) -> list[ServiceFigures]:
        rows = self._kept("care_figures").values()
        return sorted(
            (f for f in rows if f.party_id == party_id and f.day >= since), key=lambda f: f.day
        )

    def split_timings(self, party_id: str, since: datetime) -> list[SplitTiming]:
        return []

    def risk_items(self, party_id: str, since: datetime) -> list[RiskItem]:
        return []

    def devices(self, party_id: str) -> list[DeviceSeen]:
        seen: dict[str, list[datetime]] = {}
        for g in self.s.logins:
            if g["party_id"] == party_id:
                seen.setdefault(g["device"], []).append(g["at"])
        found = [DeviceSeen(d, min(ats), max(ats), len(ats)) for d, ats in seen.items()]
        return sorted(found, key=lambda d: (-d.last_seen.timestamp(), d.device))

    def logins_since(self, party_id: str, since: datetime) -> list[LoginSeen]:
        found = [
            LoginSeen(
                g.get("id", ""),
                g["device"],
                g["ip"],
                g["device_new"],
                g.get("ip_new", False),
                g["at"],
                None,
            )
            for g in self.s.logins
            if g["party_id"] == party_id and g["at"] >= since
        ]
        return sorted(found, key=lambda g: g.at, reverse=True)

"""The holder's security centre (安全中心): the devices bound to the account (every device it
logged in from, with when it was first seen and last confirmed by a login; monthly confirmation
is advised), the abnormal logins of the last 30 days (a new device, a new IP, or a risk decision
other than approve), and whether the split whitelist has the three core suppliers advised."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from creditline.domain.settlement.splits import SupplierTier
from creditline.domain.workdays import iso_local
from creditline.service.care.care_ports import DeviceSeen, LoginSeen
from creditline.service.care.holder import party_head
from creditline.service.idempotency import Answer
from creditline.service.uow import Database

WINDOW_DAYS = 30
#: A device not confirmed by a login for longer than this is flagged (monthly is advised).
CONFIRM_DAYS = 30
#: The seed's advice: at least this many core suppliers (核心供应商) on the split whitelist.
CORE_SUPPLIERS = 3


def security_centre(db: Database, party_id: str) -> Answer:
    with db.transaction(write=False) as uow:
        head = party_head(uow, party_id)
        now = uow.reference.now()
        devices = uow.care.devices(party_id)
        logins = uow.care.logins_since(party_id, now - timedelta(days=WINDOW_DAYS))
        suppliers = (
            list(uow.orders.suppliers_of(party_id).values()) if head["kind"] == "merchant" else []
        )
    abnormal = [_login_json(g) for g in logins if _why(g)]
    core = sorted((s for s in suppliers if s.tier is SupplierTier.CORE), key=lambda s: s.name)
    devices_json = [_device_json(d, now) for d in devices]
    return Answer(
        {
            "object": "security_centre",
            **head,
            "as_of": iso_local(now),
            "window_days": WINDOW_DAYS,
            "confirm_days": CONFIRM_DAYS,
            "devices": devices_json,
            "devices_to_confirm": sum(1 for d in devices_json if d["needs_confirmation"]),
            "logins_in_window": len(logins),
            "abnormal_logins": abnormal,
            "whitelist": _whitelist(head["kind"], [s.name for s in core], len(suppliers)),
        }
    )


def _device_json(d: DeviceSeen, now: datetime) -> dict[str, Any]:
    idle = now - d.last_seen
    return {
        "device": d.device,
        "first_seen": iso_local(d.first_seen),
        "last_confirmed": iso_local(d.last_seen),
        "days_since_confirmed": idle.days,
        "logins": d.logins,
        "needs_confirmation": idle > timedelta(days=CONFIRM_DAYS),
    }


def _why(g: LoginSeen) -> list[str]:
    """Why a login is abnormal: ``new_device``, ``new_ip``, ``risk_<outcome>``; empty if not."""
    out = []
    if g.device_new:
        out.append("new_device")
    if g.ip_new:
        out.append("new_ip")
    if g.outcome is not None and g.outcome != "approve":
        out.append(f"risk_{g.outcome}")
    return out


def _login_json(g: LoginSeen) -> dict[str, Any]:
    return {
        "login": g.id,
        "at": iso_local(g.at),
        "device": g.device,
        "ip": g.ip,
        "why": _why(g),
        "risk_outcome": g.outcome,
    }


def _whitelist(kind: str, core: list[str], suppliers: int) -> dict[str, Any]:
    if kind != "merchant":
        return {
            "applies": False,
            "core_suppliers": [],
            "core_count": 0,
            "suppliers": 0,
            "advised": CORE_SUPPLIERS,
            "enough": None,
            "advice_zh": "分账白名单只适用于商户。",
            "advice_en": "The split whitelist is for merchants only.",
        }
    enough = len(core) >= CORE_SUPPLIERS
    missing = CORE_SUPPLIERS - len(core)
    return {
        "applies": True,
        "core_suppliers": core,
        "core_count": len(core),
        "suppliers": suppliers,
        "advised": CORE_SUPPLIERS,
        "enough": enough,
        "advice_zh": "分账白名单已有3家以上核心供应商。"
        if enough
        else f"建议再添加{missing}家核心供应商到分账白名单，并在分账规则中为其设置分账比例："
        "请联系平台运营（creditline supplier add 商户编号 --tier core）。",
        "advice_en": "The split whitelist has at least 3 core suppliers."
        if enough
        else f"Add {missing} more core supplier(s) to the split whitelist and give them a share "
        "in the split rule: ask the platform's operations (creditline supplier add MERCHANT "
        "--tier core).",
    }

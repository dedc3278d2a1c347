"""How the holder's care answers read in a terminal: the self-check, the security centre and
the policy changes (``creditline party self-check | security | policy-changes``)."""

from __future__ import annotations

from typing import Any

from creditline.entrypoints.cli.output import add_columns, console


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    from rich.table import Table  # rich loads only when a table is drawn, never for --json

    table = Table(title=title, title_justify="left")
    add_columns(table, columns)
    for row in rows:
        table.add_row(*row)
    console().print(table)


def _lines(body: dict[str, Any]) -> str:
    found = ", ".join(line["id"] for line in body["lines"]) or "no lines yet"
    return f"{body['party']} {body['party_name']}: {found} (北京时间 {body['as_of']})"


def render_self_check(body: dict[str, Any]) -> None:
    console().print(_lines(body))
    rows = [
        [
            i["item"],
            "no data yet" if i["score"] is None else f"{i['score']}/5",
            "" if i["passed"] is None else ("pass" if i["passed"] else "below 4"),
            i["measured_en"],
            i["target_en"],
            i["advice_en"],
        ]
        for i in body["items"]
    ]
    title = f"self-check 自测清单: {body['passed']} of {body['scored']} scored items pass"
    _table(title, ["item", "score", "pass", "measured", "target", "to improve"], rows)


def render_security(body: dict[str, Any]) -> None:
    console().print(_lines(body))
    devices = [
        [
            d["device"],
            d["first_seen"],
            d["last_confirmed"],
            str(d["logins"]),
            "confirm it (over 30 days)" if d["needs_confirmation"] else "ok",
        ]
        for d in body["devices"]
    ]
    _table(
        "devices 绑定设备",
        ["device", "first seen", "last confirmed", "logins", "status"],
        devices,
    )
    abnormal = [
        [g["login"], g["at"], g["device"], g["ip"], ", ".join(g["why"])]
        for g in body["abnormal_logins"]
    ]
    _table(
        "abnormal logins, last 30 days 异常登录", ["login", "at", "device", "ip", "why"], abnormal
    )
    w = body["whitelist"]
    names = ", ".join(w["core_suppliers"]) or "none"
    console().print(
        f"split whitelist 分账白名单: {w['core_count']} core ({names}). {w['advice_en']}"
    )


def render_policy_changes(body: dict[str, Any]) -> None:
    console().print(_lines(body))
    rows = []
    for entry in body["changes"] + body["scheduled"]:
        for s in entry["settings"]:
            applies = ", ".join(s["applies_to_lines"]) or (
                "orders" if s["applies_to_orders"] else ""
            )
            rows.append([entry["effective_at"], s["key"], f"{s['old']} → {s['new']}", applies])
    _table(
        f"policy changes 政策变更, last {body['days']} days (platform-wide)",
        ["effective", "setting", "old → new", "applies to"],
        rows,
    )

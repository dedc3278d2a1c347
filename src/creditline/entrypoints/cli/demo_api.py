"""The demo's last word: how to serve its database over HTTP, and the curl lines a holder
(小王) would type for his line, its diagnosis and a spend, with a key made for him."""

from __future__ import annotations

import secrets
import shlex

import creditline
from creditline import Database
from creditline.entrypoints.cli.output import console


def api_epilogue(db: Database, url: str, party: str, line: str) -> str:
    """Print how to reach the demo over HTTP; the holder's key made for it is returned."""
    key = str(creditline.create_key(db, party=party).body["key"])
    auth = shlex.quote(f"Authorization: Bearer {key}")
    api = "http://127.0.0.1:8000"
    out = console()
    out.print("[bold]在 HTTP 上使用 / Use it over HTTP[/bold]")
    out.print("[dim]   启动 API（另开终端）/ serve the API (in another terminal):[/dim]")
    out.print(f"   creditline --db {shlex.quote(url)} serve --port 8000", soft_wrap=True)
    out.print(
        f"[dim]   小王的 API 密钥（只显示这一次）/ 小王's API key (shown this once): {key}[/dim]"
    )
    out.print("[dim]   查看额度 / his line:[/dim]")
    out.print(f"   curl -s -H {auth} {api}/v1/lines/{line}", soft_wrap=True)
    out.print("[dim]   额度为什么用不了？/ why can't I use my quota? (¥500.00):[/dim]")
    out.print(
        f"   curl -s -H {auth} '{api}/v1/lines/{line}/diagnosis?amount=50000&purpose=procurement'",
        soft_wrap=True,
    )
    out.print("[dim]   进货支付 ¥100.00 / spend ¥100.00 on procurement:[/dim]")
    body = shlex.quote('{"amount": 10000, "currency": "CNY", "purpose": "procurement"}')
    out.print(
        f"   curl -s -H {auth} -H 'Idempotency-Key: demo-curl-1' "
        f"-H 'Content-Type: application/json' -d {body} {api}/v1/lines/{line}/authorizations",
        soft_wrap=True,
    )
    return key


def pages_epilogue(db: Database, line: str, key: str) -> None:
    """How to open the pages on the demo's data: 小王 signs in with his key, an operator of the
    risk desk (the demo's risk-li, given a password shown once) with name and password."""
    from creditline.entrypoints.bootstrap import password_hasher

    name, password = "risk-li", secrets.token_urlsafe(12)  # the demo's risk officer
    creditline.set_password(db, name, password, hasher=password_hasher())
    site = "http://127.0.0.1:8000"
    out = console()
    out.print("[bold]在浏览器中打开 / Open the pages[/bold] (同一服务 / the same server)")
    out.print(f"   {site}/signin", soft_wrap=True)
    out.print(
        f"[dim]   小王（商户）/ 小王 (holder): API 密钥 / API key = {key}[/dim]", soft_wrap=True
    )
    out.print(f"   额度管理 / quota:  {site}/lines/{line}", soft_wrap=True)
    out.print(
        f"   额度为什么用不了 / why:  {site}/lines/{line}/why?amount=500&purpose=procurement",
        soft_wrap=True,
    )
    out.print(
        f"[dim]   风控操作员 / risk operator: 用户名 name = {name}, "
        f"口令 password = {password}（只显示这一次 / shown this once）[/dim]",
        soft_wrap=True,
    )
    out.print(f"   风控工作台 / operator desk:  {site}/ops/")

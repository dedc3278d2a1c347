"""The demo's last word: how to serve its database over HTTP, and the curl lines a holder
(小王) would type for his line, its diagnosis and a spend, with a key made for him."""

from __future__ import annotations

import shlex

import creditline
from creditline import Database
from creditline.entrypoints.cli.output import console


def api_epilogue(db: Database, url: str, party: str, line: str) -> None:
    key = creditline.create_key(db, party=party).body["key"]
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

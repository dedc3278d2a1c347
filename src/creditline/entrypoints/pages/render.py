"""Rendering the pages: the Jinja2 environment (autoescaped), the zh/en texts, money as
¥1,234.56 and instants in Beijing time. The use cases give amounts as decimal strings and
instants as ISO text with their offset; this module only formats them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

import creditline
from creditline.entrypoints.pages import (
    texts_appeals,
    texts_care,
    texts_credit,
    texts_incidents,
    texts_installments,
    texts_ops,
    texts_quota,
    texts_reviews,
)

HERE = Path(__file__).parent
LANGS = ("zh", "en")
SYMBOLS = {"CNY": "¥"}

#: The fixed texts shared by every page, Chinese first; each area adds its own (``texts_*``).
COMMON: dict[str, tuple[str, str]] = {
    "site": ("额度中心", "Credit lines"),
    "signin": ("登录", "Sign in"),
    "signout": ("退出", "Sign out"),
    "holder_signin": ("商户：使用 API 密钥登录", "Merchants: sign in with your API key"),
    "operator_signin": ("操作员：用户名与口令", "Operators: name and password"),
    "key": ("API 密钥", "API key"),
    "name": ("用户名", "Name"),
    "password": ("口令", "Password"),
    "signed_in_as": ("当前登录", "Signed in as"),
    "open_line": ("查看额度", "Open a line"),
    "line_id": ("额度编号", "Line id"),
    "home_hint": (
        "输入额度编号（如 line_…）查看额度与冻结原因。",
        "Enter a line id (line_…) to see its quota and why it may be unusable.",
    ),
    "quota": ("额度管理", "Quota"),
    "status": ("状态", "Status"),
    "limit": ("总额度", "Limit"),
    "held": ("预占", "Held"),
    "occupied": ("占用", "Occupied"),
    "frozen": ("冻结", "Frozen"),
    "available": ("可用额度", "Available"),
    "fees_due": ("应付费用", "Fees due"),
    "freezes": ("冻结记录", "Freezes"),
    "no_freezes": (
        "没有冻结。如额度仍不能用，请点击“额度为什么用不了”。",
        "No freezes. If the quota still cannot be used, ask why below.",
    ),
    "reason": ("原因", "Reason"),
    "since": ("开始", "Since"),
    "until": ("结束", "Until"),
    "no_end": ("无结束时间", "no end date"),
    "lifts": ("如何解除", "What lifts it"),
    "in_force": ("生效中", "in force"),
    "alerts": ("预警", "Alerts"),
    "level_yellow": ("黄色预警", "Yellow alert"),
    "level_red": ("红色预警", "Red alert"),
    "no_alerts": ("没有未关闭的预警。", "No open alerts."),
    "why": ("额度为什么用不了", "Why can't I use my quota?"),
    "amount": ("金额（元）", "Amount (CNY)"),
    "purpose": ("用途", "Purpose"),
    "ask": ("诊断", "Diagnose"),
    "usable": ("这笔支付可以进行。", "This spend would go through."),
    "facts": ("详情", "Facts"),
    "todo": ("怎么办", "What to do"),
    "clears_at": ("预计解除", "Clears at"),
    "not_found": ("没有找到", "Not found"),
    "not_found_text": (
        "没有这个对象，或者您无权查看。请检查编号，或返回首页。",
        "No such object, or it is not yours. Check the id, or go back home.",
    ),
    "bad_request": ("请求有误", "Bad request"),
    "bad_request_text": (
        "这个地址的参数不对。请检查输入后重试，或返回首页。",
        "The address's parameters are wrong: check what you entered and try again, or go home.",
    ),
    "bad_fields": ("有误的字段", "Fields to check"),
    "server_error": ("出错了", "Something went wrong"),
    "server_error_text": (
        "服务出错，什么都没有改变。请稍后再试；如果一再出现，请联系平台。",
        "The server failed and nothing changed: try again later; tell the platform if it recurs.",
    ),
    "too_many": (
        "失败次数过多，请一分钟后再试。",
        "Too many failed sign-ins: try again in a minute.",
    ),
    "bad_form": (
        "表单已过期，请刷新页面后重试。",
        "The form has expired: reload the page and try again.",
    ),
    "wrong": ("密钥、用户名或口令错误。", "The key, the name or the password is wrong."),
    "home": ("首页", "Home"),
    "back": ("返回额度", "Back to the line"),
    "other_lang": ("English", "中文"),
    "holder_pages": ("商户页面", "Holder pages"),
    "statements": ("对账单", "Statements"),
    "monitor": ("额度监控表", "Daily quota monitor"),
    "self_check": ("自测清单", "Self-check"),
    "security": ("安全中心", "Security centre"),
    "policy_changes": ("政策变更", "Policy changes"),
    "ops_desk": ("风控工作台", "Operator desk"),
    "go_action": ("去处理", "Go and fix it"),
    "frozen_banner": (
        "额度已被冻结：下面的可用额度暂时不能使用，直到冻结解除。",
        "The line is frozen: the available quota below cannot be used until the freeze lifts.",
    ),
    "status_active": ("正常", "active"),
    "status_pending_activation": ("待激活", "pending activation"),
    "status_closed": ("已关闭", "closed"),
    "not_usable_now": ("冻结中，暂不可用", "frozen: not usable now"),
    "go_occupancy_overdue": ("查看待还的订单", "See the orders to repay"),
    "go_insufficient_available": ("查看占用明细", "See what occupies the quota"),
    "go_line_frozen": ("查看冻结记录", "See the freezes"),
    "go_funds_not_yet_available": ("查看对账单", "See the statement"),
}


def _merged(*parts: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for part in parts:
        clash = out.keys() & part.keys()
        if clash:  # one key, one text: two areas must not silently override each other
            raise ValueError(f"page texts defined twice: {sorted(clash)}")
        out |= part
    return out


TEXTS = _merged(
    COMMON,
    texts_quota.TEXTS,
    texts_care.TEXTS,
    texts_ops.TEXTS,
    texts_credit.TEXTS,
    texts_incidents.TEXTS,
    texts_installments.TEXTS,
    texts_appeals.TEXTS,
    texts_reviews.TEXTS,
)

PURPOSES = ("procurement", "commission", "logistics", "purchase")


#: Where a reason's action is done, by reason code: a page of the holder's own (presentation
#: only: the reason and its action text come from the diagnosis).
ACTION_LINKS = {
    "occupancy_overdue": "/lines/{line}#exposure",
    "insufficient_available": "/lines/{line}#exposure",
    "line_frozen": "/lines/{line}#freezes",
    "funds_not_yet_available": "/lines/{line}/statements",
    "split_no_repayment": "/parties/{party}/security#whitelist",
    "core_share_below_advice": "/parties/{party}/security#whitelist",
    "core_suppliers_below_advice": "/parties/{party}/security#whitelist",
    "risk_review": "/parties/{party}/self-check",
}


def lang_of(request: Request) -> str:
    """``?lang=en`` switches (and is remembered in the session); Chinese by default."""
    asked = request.query_params.get("lang")
    if asked in LANGS:
        request.session["lang"] = asked
        return asked
    kept = request.session.get("lang")
    return kept if kept in LANGS else "zh"


def money(amount: Any, currency: str = "CNY") -> str:
    """``"1234.5"`` → ``¥1,234.50``; text that is no amount is shown as it is."""
    if amount is None:
        return ""
    if isinstance(amount, str):  # as the answers give amounts: a page repeats a few of them
        return _money_text(amount, currency)
    return _money(amount, currency)


@lru_cache(maxsize=4096)
def _money_text(amount: str, currency: str) -> str:
    return _money(amount, currency)


def _money(amount: Any, currency: str) -> str:
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    symbol = SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.2f}"


def minor_money(minor: Any, currency: str = "CNY") -> str:
    """Integer minor units (fen) as money: ``123450`` → ``¥1,234.50``."""
    if not isinstance(minor, int):
        return "" if minor is None else str(minor)
    return money(Decimal(minor).scaleb(-2), currency)


def epoch_beijing(seconds: Any) -> str:
    """Seconds since the epoch as ``2024-05-01 10:00`` in Beijing time."""
    if not isinstance(seconds, int):
        return "" if seconds is None else str(seconds)
    return creditline.local_text(datetime.fromtimestamp(seconds, tz=UTC))


def epoch_day(day: Any) -> str:
    """A day number since the epoch (as the analytics jobs count Beijing days) as a date."""
    if not isinstance(day, int):
        return "" if day is None else str(day)
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day)).strftime("%Y-%m-%d")


def beijing(iso: Any) -> str:
    """An ISO instant as ``2024-05-01 10:00`` in Beijing time."""
    if not iso:
        return ""
    return _beijing(str(iso))


@lru_cache(maxsize=4096)
def _beijing(iso: str) -> str:
    try:
        return creditline.local_text(datetime.fromisoformat(iso))
    except ValueError:
        return iso


#: The names a plain dict has as attributes (``items``, ``get``…): ``d.items`` stays the method.
_DICT_NAMES = frozenset(dir(dict))


class _PageEnvironment(Environment):
    """Jinja's environment with ``x.y`` on a plain dict looked up as the item first.

    Jinja tries ``getattr(x, "y")`` and, on the AttributeError, ``x["y"]``: every ``t.title``
    and ``line.available`` of a page raised and caught an exception, a tenth of the quota
    page's time. The answer is the same: a dict's only attributes are its methods, which
    still win."""

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_NAMES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


ENV = _PageEnvironment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    # The templates ship with the package: no stat of every template on every page.
    auto_reload=False,
)
ENV.filters["money"] = money
ENV.filters["minor_money"] = minor_money
ENV.filters["epoch_beijing"] = epoch_beijing
ENV.filters["epoch_day"] = epoch_day
ENV.filters["beijing"] = beijing


def _purpose_name(purpose: str, index: int) -> str:
    """A purpose's name in the page's language (its code when it has none)."""
    names = {str(k): v for k, v in creditline.PURPOSE_NAMES.items()}
    pair = names.get(purpose)
    return pair[index] if pair else purpose


def _switch_url(request: Request, lang: str) -> str:
    """This page in the other language, its other query parameters kept (a why answer stays)."""
    url = request.url.include_query_params(lang=lang)
    return f"{url.path}?{url.query}"


def texts(request: Request) -> dict[str, str]:
    """Every page text in the request's language (what templates get as ``t``)."""
    return dict(_TEXTS_BY_LANG[lang_of(request)])


#: Every page text in each language, made once (a page copies its language's, a flat copy).
_TEXTS_BY_LANG = {
    lang: {key: pair[index] for key, pair in TEXTS.items()} for index, lang in enumerate(LANGS)
}


def text(request: Request, key: str) -> str:
    """One page text in the request's language (a message a route flashes or raises)."""
    return TEXTS[key][LANGS.index(lang_of(request))]


def page(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    """Render ``template`` with the texts in the request's language and the CSRF token."""
    lang = lang_of(request)
    index = LANGS.index(lang)
    t = texts(request)
    from creditline.entrypoints.pages.session import csrf_token, visitor_label

    html = ENV.get_template(template).render(
        request=request,
        lang=lang,
        t=t,
        other="en" if lang == "zh" else "zh",
        csrf=csrf_token(request),
        who=visitor_label(request),
        path=request.url.path,
        action_links=ACTION_LINKS,
        purpose_name=lambda p: _purpose_name(p, index),
        switch_url=_switch_url(request, "en" if lang == "zh" else "zh"),
        **context,
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

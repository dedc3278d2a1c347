"""What a periodic review (额度复审) tells the holder, zh and en: why the limit moved, and what
restores it. One function per reason code, each returning ``(zh, en, restore_zh, restore_en)``;
the texts go into the limit change, so ``why`` (``limit_reduced``) and the quota page repeat
them word for word."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from creditline.domain.money import Money
from creditline.domain.quota.documents import DOCUMENT_NAMES, DocumentType

Texts = tuple[str, str, str, str]

CATEGORY_NAMES: dict[str, tuple[str, str]] = {
    "apparel": ("服装", "apparel"),
    "beauty": ("美妆", "beauty"),
    "digital": ("数码", "digital"),
    "food": ("食品", "food"),
    "home": ("家居", "home"),
    "sports": ("运动", "sports"),
    "luxury": ("奢侈品", "luxury"),
    "other": ("其他", "other"),
}


def percent(rate: Decimal) -> str:
    """``0.08`` → ``8``, ``0.125`` → ``12.5`` (a policy rate as people read it)."""
    return format((rate * 100).normalize(), "f")


def yuan(amount: Money) -> tuple[str, str]:
    """``50000.00元`` and ``50000.00 CNY``."""
    if amount.currency == "CNY":
        return f"{amount.format()}元", f"{amount.format()} CNY"
    return f"{amount.format()} {amount.currency}", f"{amount.format()} {amount.currency}"


def document_names(types: Sequence[str]) -> tuple[str, str]:
    zh = "、".join(DOCUMENT_NAMES[DocumentType(t)][0] for t in types)
    en = ", ".join(DOCUMENT_NAMES[DocumentType(t)][1] for t in types)
    return zh, en


def return_rate_high(
    rate: Decimal, limit: Decimal, days: int, category: str, cut: Decimal
) -> Texts:
    cat_zh, cat_en = CATEGORY_NAMES.get(category, (category, category))
    return (
        f"近{days}天退货率{rate}%，高于{cat_zh}类目上限{percent(limit)}%，额度下调{percent(cut)}%",
        (
            f"returns were {rate}% of orders in {days} days, above the {percent(limit)}% allowed "
            f"in {cat_en}: the limit is lowered by {percent(cut)}%"
        ),
        f"近{days}天退货率降到{percent(limit)}%及以下后，下次复审自动恢复",
        (
            f"bring the {days}-day return rate to {percent(limit)}% or below: the next review "
            "restores the limit"
        ),
    )


def documents_stale(stale: Sequence[tuple[str, str, str]], max_age: int, cut: Decimal) -> Texts:
    """``stale``: (type, why in zh, why in en) of each stale document."""
    names_zh, names_en = document_names([t for t, _, _ in stale])
    why_zh = "；".join(f"{document_names([t])[0]}{zh}" for t, zh, _ in stale)
    why_en = "; ".join(f"the {document_names([t])[1]} {en}" for t, _, en in stale)
    return (
        f"{why_zh}（材料须在{max_age}天内且未过期），额度减少{percent(cut)}%，直到重新提交",
        (
            f"{why_en} (documents must be under {max_age} days old and unexpired): the limit is "
            f"cut by {percent(cut)}% until they are resubmitted"
        ),
        f"重新提交有效的{names_zh}，提交后额度立即自动恢复",
        f"resubmit a current {names_en}: the limit is restored as soon as it is on file",
    )


def documents_required(missing: Sequence[str], cut: Decimal) -> Texts:
    names_zh, names_en = document_names(missing)
    return (
        f"平台政策现要求提供{names_zh}，您尚未提交，额度减少{percent(cut)}%",
        (
            f"the platform's policy now requires the {names_en}, not yet on file: the limit is "
            f"cut by {percent(cut)}%"
        ),
        f"提交{names_zh}，提交后额度立即自动恢复",
        f"submit the {names_en}: the limit is restored as soon as it is on file",
    )


def inactivity(days: int, limit: int, cut: Decimal) -> Texts:
    return (
        f"已{days}天未使用额度（超过{limit}天），额度下调{percent(cut)}%",
        (
            f"the line has not been used for {days} days (over {limit}): the limit is lowered by "
            f"{percent(cut)}%"
        ),
        "恢复使用额度后，下次复审自动恢复",
        "use the line again: the next review restores the limit",
    )


def overdue(count: int, limit_days: int, cut: Decimal) -> Texts:
    return (
        f"有{count}笔占用超过{limit_days}天未还，额度下调{percent(cut)}%",
        (
            f"{count} occupancies are unpaid after {limit_days} days: the limit is lowered by "
            f"{percent(cut)}%"
        ),
        "还清逾期的占用后，下次复审自动恢复",
        "repay the overdue occupancy: the next review restores the limit",
    )


def score_drop(parts_zh: Sequence[str], parts_en: Sequence[str], cut: Decimal) -> Texts:
    return (
        f"{'，'.join(parts_zh)}，额度下调{percent(cut)}%",
        f"{'; '.join(parts_en)}: the limit is lowered by {percent(cut)}%",
        "信用分和收入回升后，下次复审自动恢复",
        "once the credit score and income recover, the next review restores the limit",
    )


def good_history(months: int, raised: Money) -> Texts:
    zh, en = yuan(raised)
    return (
        f"连续{months}个月正常使用、无逾期、无冻结，额度上调{zh}",
        (
            f"{months} months of steady use with nothing overdue and no freeze: the limit is "
            f"raised by {en}"
        ),
        "",
        "",
    )


def restored() -> Texts:
    return (
        "此前下调额度的原因已消除，额度已恢复",
        "the reasons the limit was lowered no longer hold: it is restored",
        "",
        "",
    )


def resubmitted(types: Sequence[str]) -> Texts:
    names_zh, names_en = document_names(types)
    return (
        f"已重新提交{names_zh}，因材料下调的额度已自动恢复",
        f"the {names_en} is on file again: the limit lowered for documents is restored",
        "",
        "",
    )

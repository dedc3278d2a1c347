"""The holder's self-check (自测清单, R23): four items, each scored 1-5 against a pass line of 4,
with the measured figure, the target and what to improve, in Chinese and English.

Pure rules: the figures come in already counted (the use case reads them); nothing here reads
a clock or a database. An item with nothing to measure says so ("no data yet", and what to do
to get a score) instead of inventing a score."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

PASS_LINE = 4
#: Splits done within this many hours of becoming due count as timely.
SPLIT_HOURS = 24
#: An anomaly (a review, a case) handled within this many hours counts as handled in time.
RISK_HOURS = 2
#: A chat answered within this many seconds counts as answered in time.
SERVICE_SECONDS = 30
#: Quota utilisation (used / limit, percent) in this range is healthy.
HEALTHY_LOW, HEALTHY_HIGH = Decimal(60), Decimal(80)
#: A share (percent) at or above each floor scores 5, 4, 3, 2; below the last scores 1.
SHARE_FLOORS: tuple[tuple[Decimal, int], ...] = (
    (Decimal(95), 5),
    (Decimal(90), 4),
    (Decimal(80), 3),
    (Decimal(60), 2),
)
#: Utilisation outside the healthy range: percentage points away → the score (else 1).
DISTANCE_CEILINGS: tuple[tuple[Decimal, int], ...] = (
    (Decimal(0), 5),
    (Decimal(5), 4),
    (Decimal(15), 3),
    (Decimal(30), 2),
)
HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Item:
    """One item of the self-check. ``score`` is None when there is nothing to measure yet."""

    key: str
    score: int | None
    figure: Decimal | None  # percent, one decimal
    figure_zh: str
    figure_en: str
    target_zh: str
    target_en: str
    advice_zh: str
    advice_en: str

    @property
    def passed(self) -> bool | None:
        return None if self.score is None else self.score >= PASS_LINE


def percent(part: int, whole: int) -> Decimal:
    """``part / whole`` in percent, one decimal, rounded half up (``whole`` > 0)."""
    tenths, rest = divmod(part * 1000, whole)  # integers: exact, no division of money
    if rest * 2 >= whole:
        tenths += 1
    return Decimal(tenths).scaleb(-1)


def share_score(share: Decimal) -> int:
    """A share in percent (0-100) → 1-5: 95+ is 5, 90+ is 4 (the pass line), 80+ is 3, 60+ 2."""
    for floor, score in SHARE_FLOORS:
        if share >= floor:
            return score
    return 1


def utilisation_score(used_percent: Decimal) -> int:
    """Utilisation in percent → 1-5: 5 inside 60-80; lower or higher both score down by how
    far they are from the range (within 5 points 4, 15 points 3, 30 points 2, else 1)."""
    if used_percent < HEALTHY_LOW:
        distance = HEALTHY_LOW - used_percent
    elif used_percent > HEALTHY_HIGH:
        distance = used_percent - HEALTHY_HIGH
    else:
        distance = Decimal(0)
    for ceiling, score in DISTANCE_CEILINGS:
        if distance <= ceiling:
            return score
    return 1


def split_timeliness(timely: int, counted: int) -> Item:
    """Splits done within 24 hours of becoming due, of the splits due (late open ones count)."""
    target_zh = f"至少90%的分账在到期后{SPLIT_HOURS}小时内完成"
    target_en = f"at least 90% of splits done within {SPLIT_HOURS} hours of becoming due"
    if counted == 0:
        return Item(
            "split_timeliness",
            None,
            None,
            "暂无数据：近30天没有到期的分账。",
            "No data yet: no split fell due in the last 30 days.",
            target_zh,
            target_en,
            "确认收货的订单会在分账时段内自动分账；设置分账规则并保持结算账户有效即可。",
            "Confirmed orders split in the split window: set a split rule and keep the "
            "settlement account valid.",
        )
    share = percent(timely, counted)
    score = share_score(share)
    good = score >= PASS_LINE
    return Item(
        "split_timeliness",
        score,
        share,
        f"{counted}笔分账中{timely}笔按时完成（{share}%）",
        f"{timely} of {counted} splits done in time ({share}%)",
        target_zh,
        target_en,
        "保持：分账按时完成。"
        if good
        else "检查分账规则与供应商账户是否有效，出款失败请及时处理，避免分账延误。",
        "Keep it up: splits are done on time."
        if good
        else "Check the split rule and the suppliers' accounts; handle failed payouts "
        "promptly so that splits are not held up.",
    )


def utilisation(used_minor: int, limit_minor: int, lines: int) -> Item:
    """Used (held + occupied) over the limit, across the holder's lines; 60-80% is healthy."""
    target_zh = f"额度使用率保持在{HEALTHY_LOW}%-{HEALTHY_HIGH}%"
    target_en = f"quota utilisation between {HEALTHY_LOW}% and {HEALTHY_HIGH}%"
    if lines == 0 or limit_minor <= 0:
        return Item(
            "quota_utilisation",
            None,
            None,
            "暂无数据：没有可用的额度。",
            "No data yet: there is no active line with a limit.",
            target_zh,
            target_en,
            "申请开通并激活额度后即可计算使用率。",
            "Open and activate a line to get a utilisation figure.",
        )
    share = percent(used_minor, limit_minor)
    score = utilisation_score(share)
    if HEALTHY_LOW <= share <= HEALTHY_HIGH:
        zh, en = "保持：额度使用健康。", "Keep it up: the quota is used healthily."
    elif share < HEALTHY_LOW:
        zh = "使用率偏低：可将更多采购、佣金、物流支出放在额度上，以保持额度活跃。"
        en = (
            "Utilisation is low: put more procurement, commission and logistics spending on "
            "the line to keep it active."
        )
    else:
        zh = "使用率偏高：请及时还款释放额度，预留约20%的月流水作为备用。"
        en = (
            "Utilisation is high: repay to free quota, and keep about 20% of the monthly "
            "flow in reserve."
        )
    return Item(
        "quota_utilisation",
        score,
        share,
        f"{lines}条额度，已用占总额度的{share}%",
        f"{share}% of the limit used across {lines} line(s)",
        target_zh,
        target_en,
        zh,
        en,
    )


def risk_response(in_time: int, counted: int, open_late: int) -> Item:
    """Risk items (reviews, cases about the holder) handled within 2 hours; an open item older
    than 2 hours counts as late, a younger one is not counted yet."""
    target_zh = f"至少90%的异常在{RISK_HOURS}小时内处理完毕"
    target_en = f"at least 90% of anomalies handled within {RISK_HOURS} hours"
    if counted == 0:
        return Item(
            "risk_response",
            None,
            None,
            "暂无数据：近30天没有风控待办。",
            "No data yet: no risk item in the last 30 days.",
            target_zh,
            target_en,
            "出现风控审核或工单时，请在2小时内配合处理（补充材料、联系客服）。",
            "When a review or a case opens, respond within 2 hours (documents, contact "
            "the platform).",
        )
    share = percent(in_time, counted)
    score = share_score(share)
    good = score >= PASS_LINE
    late_zh = f"，{open_late}项未处理已超时" if open_late else ""
    late_en = f"; {open_late} open and overdue" if open_late else ""
    return Item(
        "risk_response",
        score,
        share,
        f"{counted}项风控待办中{in_time}项在{RISK_HOURS}小时内处理（{share}%）{late_zh}",
        f"{in_time} of {counted} risk items handled within {RISK_HOURS} hours ({share}%){late_en}",
        target_zh,
        target_en,
        "保持：异常处理及时。"
        if good
        else "指定专人关注风控通知，收到审核或工单后2小时内提交材料或说明。",
        "Keep it up: anomalies are handled in time."
        if good
        else "Name someone to watch risk notices, and answer a review or a case with "
        "documents or an explanation within 2 hours.",
    )


def service_response(within: int, chats: int, median_seconds: int | None, days: int) -> Item:
    """Chats answered within 30 seconds, from the figures the platform posted."""
    target_zh = f"至少90%的咨询在{SERVICE_SECONDS}秒内响应"
    target_en = f"at least 90% of chats answered within {SERVICE_SECONDS} seconds"
    if chats == 0:
        return Item(
            "service_response",
            None,
            None,
            "暂无数据：近30天平台未提交客服数据。",
            "No data yet: the platform posted no customer-service figures in the last 30 days.",
            target_zh,
            target_en,
            "客服数据由平台每日提交（POST /v1/parties/{id}/service_figures）；请联系平台运营开通。",
            "The platform posts customer-service figures daily "
            "(POST /v1/parties/{id}/service_figures): ask the platform's operations.",
        )
    share = percent(within, chats)
    score = share_score(share)
    good = score >= PASS_LINE
    median_zh = f"，响应时间中位数{median_seconds}秒" if median_seconds is not None else ""
    median_en = f"; median {median_seconds} s" if median_seconds is not None else ""
    return Item(
        "service_response",
        score,
        share,
        f"{days}天内{chats}次咨询，{within}次在{SERVICE_SECONDS}秒内响应（{share}%）{median_zh}",
        f"{within} of {chats} chats answered within {SERVICE_SECONDS} s over {days} day(s) "
        f"({share}%){median_en}",
        target_zh,
        target_en,
        "保持：客服响应及时。"
        if good
        else "高峰时段增加客服人手，设置快捷回复与自动应答，缩短首次响应时间。",
        "Keep it up: chats are answered promptly."
        if good
        else "Add staff at peak hours and set up quick and automatic replies to cut the "
        "first response time.",
    )

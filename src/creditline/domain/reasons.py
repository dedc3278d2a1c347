"""Reason codes: one enum, one table of zh/en texts, used by declines, diagnosis and errors.

It is over 400 lines because it is the one place a reason's code, texts and action are written
(the API, the pages and the CLI render from it and never word a reason themselves)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ReasonCode(StrEnum):
    """Every stable reason code. The text of each is in ``TEXTS``; codes never change meaning."""

    # Activation prerequisites, R2.
    REAL_NAME_MISSING = "real_name_missing"
    QUALIFICATION_MISSING = "qualification_missing"
    SETTLEMENT_ACCOUNT_MISSING = "settlement_account_missing"
    OPEN_VIOLATION = "open_violation"
    # Line state.
    LINE_NOT_ACTIVE = "line_not_active"
    LINE_CLOSED = "line_closed"
    LINE_ALREADY_OPEN = "line_already_open"
    LINE_NOT_SETTLED = "line_not_settled"
    LINE_NOT_CLOSED = "line_not_closed"
    # Limits (额度调整), R19: a review, an appeal, an operator or an ended temporary quota.
    LIMIT_REDUCED = "limit_reduced"
    ASSESSMENT_REFERRED = "assessment_referred"
    # Purposes, R4.
    PURPOSE_FORBIDDEN = "purpose_forbidden"
    PURPOSE_NOT_ALLOWED = "purpose_not_allowed"
    # Quota, R3 and R6.
    INSUFFICIENT_AVAILABLE = "insufficient_available"
    # Spending rules, freezes, documents, occupancy: R7, R9, R14, R1.
    SINGLE_SPEND_LIMIT = "single_spend_limit"
    DAILY_LARGE_SPEND_COUNT = "daily_large_spend_count"
    LINE_FROZEN = "line_frozen"
    DOCUMENT_EXPIRED = "document_expired"
    OCCUPANCY_OVERDUE = "occupancy_overdue"
    INSTALLMENT_OVERDUE = "installment_overdue"  # 分期逾期: the line is frozen for it
    # Settlement and withdrawals: R10, R11.
    SPLIT_NO_REPAYMENT = "split_no_repayment"
    CORE_SHARE_BELOW_ADVICE = "core_share_below_advice"
    CORE_SUPPLIERS_BELOW_ADVICE = "core_suppliers_below_advice"
    ORDER_NOT_SHIPPED = "order_not_shipped"
    AFTER_SALE_CLOSED = "after_sale_closed"
    FUNDS_NOT_YET_AVAILABLE = "funds_not_yet_available"
    INSUFFICIENT_BALANCE = "insufficient_balance"
    # Holds, R5.
    HOLD_NOT_AUTHORIZED = "hold_not_authorized"
    HOLD_EXPIRED = "hold_expired"
    CAPTURE_EXCEEDS_HOLD = "capture_exceeds_hold"
    REFUND_EXCEEDS_CAPTURED = "refund_exceeds_captured"
    REPAYMENT_EXCEEDS_OWED = "repayment_exceeds_owed"
    CURRENCY_MISMATCH = "currency_mismatch"
    # Risk (风控), R17 and R18.
    RISK_DECLINED = "risk_declined"
    RISK_REVIEW = "risk_review"
    REVIEW_PENDING = "review_pending"
    REVIEW_NOT_PENDING = "review_not_pending"
    # Cases (工单) that operators work.
    CASE_CLOSED = "case_closed"
    # Appeals (申诉), R15: one open appeal per line; while open, the diagnosis warns of it.
    APPEAL_ALREADY_OPEN = "appeal_already_open"
    APPEAL_PENDING = "appeal_pending"
    APPEAL_NOT_OPEN = "appeal_not_open"
    # Initial limits (初始额度), R19: why an assessment refers instead of approving.
    SCORE_BELOW_BANDS = "score_below_bands"
    CREDIT_SCORE_LOW = "credit_score_low"
    INCOME_TOO_LOW = "income_too_low"
    NO_SETTLED_SALES = "no_settled_sales"
    APPLICATION_MISSING = "application_missing"
    # Request handling.
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    CLOCK_NOT_SANDBOX = "clock_not_sandbox"
    CLOCK_BACKWARDS = "clock_backwards"
    SANDBOX_ONLY = "sandbox_only"


@dataclass(frozen=True, slots=True)
class ReasonText:
    zh: str
    en: str
    action_zh: str = ""
    action_en: str = ""


#: The one table of texts. ``{name}`` fields are filled from a reason's facts.
TEXTS: dict[ReasonCode, ReasonText] = {
    ReasonCode.REAL_NAME_MISSING: ReasonText(
        "尚未完成实名认证",
        "real-name verification (实名认证) is not done",
        "请完成实名认证",
        "complete real-name verification",
    ),
    ReasonCode.QUALIFICATION_MISSING: ReasonText(
        "资质审核尚未通过",
        "qualification review (资质审核) has not passed",
        "请提交资质材料并等待审核通过",
        "submit qualification documents and wait for approval",
    ),
    ReasonCode.SETTLEMENT_ACCOUNT_MISSING: ReasonText(
        "尚未绑定结算账户",
        "no settlement account (结算账户) is bound",
        "请绑定结算账户",
        "bind a settlement account",
    ),
    ReasonCode.OPEN_VIOLATION: ReasonText(
        "存在未处理的违规记录",
        "there is an open violation record (违规记录)",
        "请处理违规记录或提出申诉",
        "resolve the violation or appeal it",
    ),
    ReasonCode.LINE_NOT_ACTIVE: ReasonText(
        "额度尚未激活",
        "the credit line is not activated",
        "请补齐激活条件后激活额度",
        "meet the activation prerequisites, then activate the line",
    ),
    ReasonCode.LINE_CLOSED: ReasonText(
        "额度已关闭",
        "the credit line is closed",
        "请联系平台",
        "contact the platform",
    ),
    ReasonCode.LINE_NOT_SETTLED: ReasonText(
        "额度还有未结清的款项，不能关闭：预授权 {held}，占用 {occupied}，滞纳金 {fees_due}",
        "the line cannot be closed while anything is held or owed: held {held}, "
        "occupied {occupied}, late fees {fees_due}",
        "请先撤销预授权并结清占用和滞纳金",
        "void the open holds and repay the occupancy and late fees first",
    ),
    ReasonCode.LINE_NOT_CLOSED: ReasonText(
        "额度 {line} 未关闭，无需重新开启",
        "line {line} is not closed, so it cannot be reopened",
    ),
    ReasonCode.LIMIT_REDUCED: ReasonText(
        "额度已于 {at_local}（北京时间）由 {from_limit} 调整为 {to_limit}：{why_zh}",
        "the limit was lowered from {from_limit} to {to_limit} on {at_local} Beijing time: "
        "{why_en}",
        "{restore_zh}（对调整有异议可提交申诉）",
        "{restore_en} (you may appeal the change)",
    ),
    ReasonCode.ASSESSMENT_REFERRED: ReasonText(
        "评估未能自动给出额度，需人工审核：{summary_zh}",
        "the assessment gives no limit by itself; an operator decides: {summary_en}",
        "请补充资料（如收入证明、经营流水）后重新评估，或由平台人工核定额度",
        "add information (income, sales records) and assess again, or ask the platform to set "
        "a limit",
    ),
    ReasonCode.LINE_ALREADY_OPEN: ReasonText(
        "已有一条未关闭的{product_zh}额度 {line}，同一产品只能有一条",
        "there is an open {product_en} line {line} already; one per product",
        "请使用额度 {line}；如需调整额度，请联系平台",
        "use line {line}; to change its limit, contact the platform",
    ),
    ReasonCode.PURPOSE_FORBIDDEN: ReasonText(
        "额度不能用于{purpose_zh}：额度只能用于进货、平台佣金和物流费，不能提现或转账",
        "quota cannot be used for {purpose_en}: it pays for procurement, commission and "
        "logistics only, never cash or transfers",
        "请改用该额度允许的用途；再次尝试提现或转账会被拒绝，并可能冻结额度",
        "pay for a purpose this line allows; trying cash or transfers again is declined and "
        "can freeze the line",
    ),
    ReasonCode.PURPOSE_NOT_ALLOWED: ReasonText(
        "该额度产品不支持用途“{purpose_zh}”",
        "this product does not allow the purpose {purpose_en}",
        "请使用该额度允许的用途",
        "use a purpose this line allows",
    ),
    ReasonCode.INSUFFICIENT_AVAILABLE: ReasonText(
        "可用额度不足：需要 {amount}，可用 {available}",
        "not enough available quota: {amount} needed, {available} available",
        "等待已占用额度回款释放，或还款后再用",
        "wait for sales proceeds to repay occupied quota, or repay it",
    ),
    ReasonCode.SINGLE_SPEND_LIMIT: ReasonText(
        "单笔金额 {amount} 超过单笔上限 {max_single_spend}",
        "the amount {amount} is above the per-spend maximum {max_single_spend}",
        "单笔支付最多 {max_single_spend}；如经营确需更大的单笔支付，请联系平台申请额度评估",
        "one spend can be at most {max_single_spend}; if your business needs larger single "
        "payments, contact the platform to ask for a limit review",
    ),
    ReasonCode.DAILY_LARGE_SPEND_COUNT: ReasonText(
        "今天已有 {count} 笔超过 {threshold} 的大额支付，每天最多 {max_per_day} 笔",
        "{count} spends above {threshold} today already; at most {max_per_day} a day",
        "大额支付笔数在北京时间0点（{resets_local}）重新计算，届时可再支付；"
        "如经营确需每天更多笔大额支付，请联系平台申请提高每日笔数",
        "the count starts again at 00:00 Beijing time ({resets_local}); spend then. If your "
        "business needs more large spends a day, contact the platform to ask for a higher "
        "daily count",
    ),
    ReasonCode.LINE_FROZEN: ReasonText(
        "额度被冻结（原因：{reason_zh}），自 {since_local} 起{until_zh}",
        "the line is frozen for {reason_en} since {since_local}{until_en}",
        "{hint_zh}",
        "{hint_en}",
    ),
    ReasonCode.DOCUMENT_EXPIRED: ReasonText(
        "{document_zh}已于 {expires_on} 过期",
        "the {document_en} expired on {expires_on}",
        "请重新提交有效的{document_zh}",
        "submit a valid {document_en}",
    ),
    ReasonCode.OCCUPANCY_OVERDUE: ReasonText(
        "有 {count} 笔占用超过 {limit_days} 天未结清（最早：{oldest_zh}，已 {oldest_days} 天）",
        "{count} occupancy item(s) older than {limit_days} days are unsettled (oldest: "
        "{oldest_en}, {oldest_days} days)",
        "还款 {repay_to_lift} 即可解除（或等买家确认收货后回款）",
        "repay {repay_to_lift} to lift it (or have buyers confirm receipt so proceeds repay it)",
    ),
    ReasonCode.INSTALLMENT_OVERDUE: ReasonText(
        "分期逾期，额度已冻结：订单 {order} 的第 {period} 期（{due_on} 到期）已逾期 {days} 天"
        "（共 {count} 期逾期）",
        "an installment is overdue and the line is frozen: period {period} of order {order} "
        "(due {due_on}) is {days} days overdue ({count} overdue period(s) in all)",
        "还款 {repay_to_lift}（含滞纳金）即可自动解冻：creditline installment repay {plan} "
        "--amount {repay_to_lift}",
        "repay {repay_to_lift} (late fees included) and the freeze lifts by itself: "
        "creditline installment repay {plan} --amount {repay_to_lift}",
    ),
    ReasonCode.SPLIT_NO_REPAYMENT: ReasonText(
        "分账规则（第 {version} 版）把 0% 分给还款：销售回款不会释放已占用额度",
        "the split rule (version {version}) sends 0% to repayment: sales proceeds will not "
        "bring occupied quota back",
        "修改分账规则，给还款分配比例",
        "change the split rule to send a share to repayment",
    ),
    ReasonCode.CORE_SHARE_BELOW_ADVICE: ReasonText(
        "核心供应商 {supplier} 的分账比例为 {share}%，未达到建议的 60% 以上",
        "core supplier {supplier} takes {share}%, not above the advised 60%",
        "分账比例建议：核心供应商>60%，普通供应商<30%",
        "the advice: core suppliers above 60%, ordinary suppliers below 30%",
    ),
    ReasonCode.CORE_SUPPLIERS_BELOW_ADVICE: ReasonText(
        "供应商白名单只有 {core_suppliers} 家核心供应商，建议 {advised} 家",
        "the supplier whitelist has {core_suppliers} core supplier(s); {advised} are advised",
        "把更多核心供应商加入白名单",
        "add more core suppliers to the whitelist",
    ),
    ReasonCode.ORDER_NOT_SHIPPED: ReasonText(
        "订单 {order} 尚未发货，不能确认收货",
        "order {order} has not been shipped, so its receipt cannot be confirmed",
        "请先发货；无需物流的商品（如虚拟商品）在下单时标记为无需发货",
        "ship it first; goods that need no shipping (e.g. virtual goods) are marked so when "
        "the order is added",
    ),
    ReasonCode.AFTER_SALE_CLOSED: ReasonText(
        "订单 {order} 的售后期（确认收货后 {days} 天）已于 {ended_local} 结束，不能再退货",
        "the after-sale period of order {order} ({days} days after receipt) ended at "
        "{ended_local}; it can no longer be returned",
        "请与买家协商其他处理方式",
        "settle it with the buyer another way",
    ),
    ReasonCode.FUNDS_NOT_YET_AVAILABLE: ReasonText(
        "余额 {amount} 要到 {available_on} 才能提现（结算后 T+1 个工作日）",
        "{amount} can be withdrawn from {available_on} (T+1 working day after settlement)",
        "请在 {available_on} 之后提现",
        "withdraw on or after {available_on}",
    ),
    ReasonCode.INSUFFICIENT_BALANCE: ReasonText(
        "商家余额 {balance} 不足 {amount}；额度本身永远不能提现",
        "the merchant balance {balance} is less than {amount}; the credit line itself can "
        "never be withdrawn",
    ),
    ReasonCode.HOLD_NOT_AUTHORIZED: ReasonText(
        "该笔预授权当前状态为 {status}，不能再操作",
        "the hold is {status}, not authorized",
    ),
    ReasonCode.HOLD_EXPIRED: ReasonText(
        "该笔预授权已于 {expires_at} 过期",
        "the hold expired at {expires_at}",
        "请重新发起支付",
        "authorize again",
    ),
    ReasonCode.CAPTURE_EXCEEDS_HOLD: ReasonText(
        "扣款金额 {amount} 超过预授权金额 {held}",
        "capture {amount} exceeds the hold {held}",
    ),
    ReasonCode.REFUND_EXCEEDS_CAPTURED: ReasonText(
        "退款金额 {amount} 超过可退金额 {refundable}",
        "refund {amount} exceeds the refundable {refundable}",
    ),
    ReasonCode.REPAYMENT_EXCEEDS_OWED: ReasonText(
        "还款金额 {amount} 超过应还总额 {owed}（占用 {occupied}，滞纳金 {fees_due}）",
        "repayment {amount} is more than the {owed} owed (occupied {occupied}, late fees "
        "{fees_due})",
        "还款金额不超过 {owed} 即可",
        "repay no more than {owed}",
    ),
    ReasonCode.CURRENCY_MISMATCH: ReasonText(
        "币种 {currency} 与额度币种 {line_currency} 不一致",
        "currency {currency} does not match the line currency {line_currency}",
    ),
    # What the holder is told of a risk decision never names a rule, a weight, a score, a window
    # or which identifiers matter (an evader's map), and never states a fact about the holder's
    # trades: only what kind of check it was and what to do. Operators see everything.
    ReasonCode.RISK_DECLINED: ReasonText(
        "这笔交易未通过安全检查：{detail_zh}",
        "this transaction did not pass the safety check: {detail_en}",
        "如是正常经营或消费，请提交申诉并附上发票、合同或物流单据，或联系客服；"
        "额度只能用于真实交易，不能提现或转账",
        "if this is a genuine purchase, appeal with an invoice, a contract or shipping papers, "
        "or contact customer service; quota pays for real trades only, never cash or transfers",
    ),
    ReasonCode.RISK_REVIEW: ReasonText(
        "该笔支付需要人工核实：{detail_zh}",
        "this spend is held for a manual check: {detail_en}",
        "核实通常在1个工作日内完成，结果会通知您；可提前提交发票或合同以加快处理",
        "a check usually takes up to one working day and you will be told the result; "
        "sending an invoice or a contract now speeds it up",
    ),
    ReasonCode.REVIEW_PENDING: ReasonText(
        "该笔支付正在人工审核中，审核通过前不能扣款",
        "the spend is under manual review and cannot be captured before it is approved",
        "请等待审核结果",
        "wait for the review",
    ),
    ReasonCode.REVIEW_NOT_PENDING: ReasonText(
        "该风控决定已处理（{review}）",
        "this risk decision was already decided ({review})",
    ),
    ReasonCode.CASE_CLOSED: ReasonText(
        "工单 {case} 已于 {closed_at} 由 {closed_by} 关闭",
        "case {case} was closed at {closed_at} by {closed_by}",
    ),
    ReasonCode.APPEAL_ALREADY_OPEN: ReasonText(
        "额度 {line} 已有一个处理中的申诉 {appeal}（{submitted_local} 北京时间提交）",
        "line {line} has an open appeal already: {appeal}, submitted on {submitted_local} "
        "Beijing time",
        "请等待该申诉的处理结果；如有新的证据，可在结果出来后再次申诉",
        "wait for the decision on it; with new evidence, appeal again once it is decided",
    ),
    ReasonCode.APPEAL_PENDING: ReasonText(
        "申诉 {appeal} 已于 {submitted_local}（北京时间）提交，正在等待平台处理；"
        "处理结果出来之前，额度照常按现在的规则使用",
        "appeal {appeal}, submitted on {submitted_local} Beijing time, awaits the platform's "
        "decision; until then the line works as it does now",
        "请等待申诉结果，结果会显示在额度管理页面",
        "wait for the decision on it; it will show on your quota page",
    ),
    ReasonCode.APPEAL_NOT_OPEN: ReasonText(
        "申诉 {appeal} 已于 {decided_local} 处理（{outcome}），不能再次处理",
        "appeal {appeal} was decided on {decided_local} ({outcome}); it cannot be decided again",
    ),
    ReasonCode.SCORE_BELOW_BANDS: ReasonText(
        "评分 {score} 低于授信的最低分档 {lowest}",
        "the score {score} is below the lowest band that grants a limit ({lowest})",
        "改善扣分最多的几项因素后，可申请重新评估",
        "improve the factors that cost the most points, then ask for a new assessment",
    ),
    ReasonCode.CREDIT_SCORE_LOW: ReasonText(
        "信用分（{credit_score}）未知或低于政策下限 {floor}",
        "the credit score ({credit_score}) is unknown or below the policy's floor of {floor}",
        "提高信用分后，可申请重新评估",
        "improve the credit score, then ask for a new assessment",
    ),
    ReasonCode.INCOME_TOO_LOW: ReasonText(
        "申报的月收入（{income}）未知或不足以支持额度",
        "the declared monthly income ({income}) is unknown or too low to support a limit",
        "请向平台申报月收入",
        "declare a monthly income to the platform",
    ),
    ReasonCode.NO_SETTLED_SALES: ReasonText(
        "近 {months} 个月的结算销售额（月均 {monthly_sales}）不足以支持额度",
        "the settled sales of the last {months} months (a mean of {monthly_sales} a month) "
        "are too low to support a limit",
        "买家确认收货后，订单结算即计入销售额",
        "orders count once buyers confirm receipt and they settle",
    ),
    ReasonCode.APPLICATION_MISSING: ReasonText(
        "还没有提交授信申请",
        "no credit application has been submitted",
        "请提交授信申请",
        "submit a credit application",
    ),
    ReasonCode.IDEMPOTENCY_KEY_REUSED: ReasonText(
        "幂等键已用于另一笔不同的请求",
        "the idempotency key was used for a different request",
        "每个新请求请使用新的幂等键",
        "use a new key for each new request",
    ),
    ReasonCode.CLOCK_NOT_SANDBOX: ReasonText(
        "正式环境的时钟不能调整",
        "a live database's clock cannot be moved",
    ),
    ReasonCode.SANDBOX_ONLY: ReasonText(
        "只有沙箱可以模拟通道故障",
        "channel failures can be injected only in a sandbox",
    ),
    ReasonCode.CLOCK_BACKWARDS: ReasonText(
        "沙箱时钟不能倒退",
        "the sandbox clock cannot move backwards",
    ),
}


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason a request is refused, with the facts behind it, what the holder can do and,
    when it clears by itself, when (``clears_at``, ISO 8601; ``provisional`` when that time
    rests on a working day estimated past the known calendar, and may move)."""

    code: ReasonCode
    facts: dict[str, Any] = field(default_factory=dict)
    clears_at: str | None = None
    action_zh: str | None = None
    action_en: str | None = None
    provisional: bool = False

    def _fill(self, template: str) -> str:
        try:
            return template.format(**self.facts)
        except (KeyError, IndexError):
            return template

    @property
    def message_zh(self) -> str:
        return self._fill(TEXTS[self.code].zh)

    @property
    def message_en(self) -> str:
        return self._fill(TEXTS[self.code].en)

    def message(self, lang: str = "en") -> str:
        return self.message_zh if lang == "zh" else self.message_en

    def action(self, lang: str = "zh") -> str:
        text = TEXTS[self.code]
        if lang == "zh":
            return self._fill(self.action_zh if self.action_zh is not None else text.action_zh)
        return self._fill(self.action_en if self.action_en is not None else text.action_en)

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        return {
            "code": self.code.value,
            "message": self.message(lang),
            "message_zh": self.message_zh,
            "message_en": self.message_en,
            "facts": self.facts,
            "action": self.action(lang),
            "action_zh": self.action("zh"),
            "action_en": self.action("en"),
            "clears_at": self.clears_at,
            "provisional": self.provisional,
        }

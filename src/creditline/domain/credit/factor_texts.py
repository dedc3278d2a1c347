"""The factors of the scorecards in the holder's words, zh and en: each factor's name and what
would help it (the phrase shown beside a factor that cost points)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FactorText:
    name_zh: str
    name_en: str
    help_zh: str
    help_en: str


_FIXED = (
    "这一项无法靠行动改变；改善其他因素可以弥补。",
    "not something to act on; improving the other factors makes up for it",
)


def _fixed(zh: str, en: str) -> FactorText:
    return FactorText(zh, en, *_FIXED)


#: The merchant card's factors (read from the merchant's own history).
MERCHANT_FACTORS: dict[str, FactorText] = {
    "monthly_settled_sales": FactorText(
        "月均结算销售额",
        "monthly settled sales",
        "提高买家确认收货的销售额（结算后才计入）",
        "more sales that buyers confirm (they count once settled)",
    ),
    "months_on_platform": FactorText(
        "入驻时长（月）",
        "months on the platform",
        "持续稳定经营：入驻越久，得分越高",
        "keep trading: every month on the platform counts",
    ),
    "order_completion_pct": FactorText(
        "订单完成率（%）",
        "order completion rate (%)",
        "按时发货、减少退货，让更多订单顺利完成",
        "ship on time and cut returns so that more orders complete",
    ),
    "return_rate_pct": FactorText(
        "退货率（%）",
        "return rate (%)",
        "降低退货率：如实描述商品，把好质量关",
        "lower the return rate: describe goods truly and check their quality",
    ),
    "disputes_12m": FactorText(
        "近12个月纠纷次数",
        "disputes in the last 12 months",
        "及时处理售后问题，避免形成纠纷",
        "settle after-sale issues before they become disputes",
    ),
    "violations_12m": FactorText(
        "近12个月违规次数",
        "violations in the last 12 months",
        "遵守平台规则，整改并关闭违规记录",
        "follow the platform's rules; put right and close open violations",
    ),
    "category": _fixed("经营类目", "category"),
}

#: The consumer card's factors: the credit application's answers (the German credit data's
#: attributes, the data the consumer card is fitted on).
CONSUMER_FACTORS: dict[str, FactorText] = {
    "status_of_existing_checking_account": FactorText(
        "现有支票账户状况",
        "checking account status",
        "保持账户余额为正",
        "keep a positive balance in the account",
    ),
    "duration_in_month": FactorText(
        "分期期限（月）",
        "duration (months)",
        "选择更短的期限",
        "choose a shorter term",
    ),
    "credit_history": FactorText(
        "信用记录",
        "credit history",
        "按时还清现有借款",
        "repay existing credit on time",
    ),
    "purpose": _fixed("用途", "purpose"),
    "credit_amount": FactorText(
        "申请金额",
        "amount asked for",
        "申请与需要相符的金额",
        "ask for an amount in line with the need",
    ),
    "savings_account_and_bonds": FactorText(
        "储蓄与债券",
        "savings and bonds",
        "增加储蓄",
        "build up savings",
    ),
    "present_employment_since": FactorText(
        "现职年限",
        "years in present employment",
        "保持稳定就业",
        "steady employment counts",
    ),
    "installment_rate_in_percentage_of_disposable_income": FactorText(
        "月供占可支配收入比例",
        "installments as a share of disposable income",
        "降低月供占收入的比例",
        "keep installments a smaller share of income",
    ),
    "personal_status_and_sex": _fixed("婚姻状况与性别", "personal status and sex"),
    "other_debtors_or_guarantors": FactorText(
        "其他债务人或担保人",
        "other debtors or guarantors",
        "提供担保人",
        "bring a guarantor",
    ),
    "present_residence_since": _fixed("现住址居住年限", "years at the present residence"),
    "property": FactorText(
        "财产",
        "property",
        "申报名下的财产",
        "declare the property owned",
    ),
    "age_in_years": _fixed("年龄", "age"),
    "other_installment_plans": FactorText(
        "其他分期计划",
        "other installment plans",
        "先结清其他分期",
        "finish other installment plans first",
    ),
    "housing": _fixed("住房情况", "housing"),
    "number_of_existing_credits_at_this_bank": FactorText(
        "现有借款笔数",
        "existing credits",
        "减少同时在借的笔数",
        "hold fewer credits at once",
    ),
    "job": _fixed("职业", "job"),
    "number_of_people_being_liable_to_provide_maintenance_for": _fixed("供养人数", "dependants"),
    "telephone": FactorText(
        "登记电话",
        "registered telephone",
        "登记本人名下的电话",
        "register a telephone in one's own name",
    ),
    "foreign_worker": _fixed("外籍劳工", "foreign worker"),
}


#: What helps a consumer's factor that was not answered (it scores in the Missing bin).
UNANSWERED = ("在授信申请中填写这一项", "give this answer in the credit application")


def factor_text(variable: str) -> FactorText:
    """A factor's texts; a factor of a card fitted on other data is named as it is."""
    found = MERCHANT_FACTORS.get(variable) or CONSUMER_FACTORS.get(variable)
    if found is not None:
        return found
    return FactorText(variable, variable, "改善这一项", f"improve {variable}")

"""Initial limits' pure rules (domain/credit): a points table applied to facts (the bin of each
value, whole points, the Missing bin for what is unknown), the factors that cost the most, the
policy's score bands and caps, and the facts a merchant card reads from a history."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from creditline import InvalidInput, Money, ReasonCode
from creditline.domain.credit.applications import parse_application
from creditline.domain.credit.factor_texts import CONSUMER_FACTORS, MERCHANT_FACTORS, factor_text
from creditline.domain.credit.limit_bands import (
    Band,
    LimitRules,
    band_for,
    format_bands,
    limit_rules,
    parse_bands,
    propose_limit,
)
from creditline.domain.credit.merchant_facts import (
    MerchantHistory,
    full_months,
    merchant_facts,
    month_windows,
    tenths_percent,
)
from creditline.domain.credit.points_table import parse_bin, points_table, score_facts
from creditline.domain.policy import PARAMETERS, parse_value, policy_at, seed_changes
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import Product

CARD = [
    {"variable": "return_rate_pct", "bin": "(-inf, 2.45)", "count": 50, "points": 100.56},
    {"variable": "return_rate_pct", "bin": "[2.45, 8.15)", "count": 40, "points": 80.49},
    {"variable": "return_rate_pct", "bin": "[8.15, inf)", "count": 10, "points": 32.5},
    {"variable": "return_rate_pct", "bin": "Special", "count": 0, "points": 78.04},
    {"variable": "return_rate_pct", "bin": "Missing", "count": 0, "points": 78.04},
    {"variable": "category", "bin": "food", "count": 30, "points": 78.64},
    {"variable": "category", "bin": "sports | other", "count": 30, "points": 78.48},
    {"variable": "category", "bin": "apparel", "count": 40, "points": 77.25},
    {"variable": "category", "bin": "Missing", "count": 0, "points": 78.04},
    {"variable": "disputes_12m", "bin": "(-inf, 0.50)", "count": 80, "points": 84.28},
    {"variable": "disputes_12m", "bin": "[0.50, inf)", "count": 20, "points": 55.48},
    {"variable": "disputes_12m", "bin": "Missing", "count": 0, "points": 78.04},
]
RULES = LimitRules(
    bands=parse_bands("520:20000.00,560:100000.00,600:350000.00"),
    product_cap=Money.parse("1000000.00"),
    multiple=3,
    credit_score_floor=550,
    step=Money.parse("100.00"),
    sales_months=6,
)


# -- a points table applied to facts ------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "label"),
    [
        (Decimal("0.0"), "(-inf, 2.45)"),
        (Decimal("2.44"), "(-inf, 2.45)"),
        (Decimal("2.45"), "[2.45, 8.15)"),  # closed on the left
        (Decimal("8.1"), "[2.45, 8.15)"),
        (Decimal("8.15"), "[8.15, inf)"),
        (60, "[8.15, inf)"),
        (None, "Missing"),  # not known
        ("a category", "Missing"),  # no number: it fits no interval
    ],
)
def test_a_numeric_value_falls_in_the_interval_that_holds_it(value, label):
    table = points_table(CARD)
    assert score_facts(table, {"return_rate_pct": value}).factors[0].bin == label


def test_a_category_falls_in_its_group_and_one_never_seen_in_the_missing_bin():
    table = points_table(CARD)
    found = {c: score_facts(table, {"category": c}).factors[1] for c in ("other", "food", "toys")}
    assert (found["other"].bin, found["other"].points) == ("sports | other", 78)
    assert (found["food"].bin, found["food"].points) == ("food", 79)  # 78.64 rounds up
    assert (found["toys"].bin, found["toys"].points) == ("Missing", 78)


def test_points_are_whole_the_score_is_their_sum_and_costs_are_points_short_of_the_best():
    table = points_table(CARD)
    scored = score_facts(
        table, {"return_rate_pct": Decimal("12.5"), "category": "apparel", "disputes_12m": 1}
    )
    assert [(f.points, f.best_points, f.cost) for f in scored.factors] == [
        (33, 101, 68),  # the best is of a bin the data filled, never Missing or Special
        (77, 79, 2),
        (55, 84, 29),
    ]
    assert scored.total == 33 + 77 + 55
    assert [f.variable for f in scored.top_costs(2)] == ["return_rate_pct", "disputes_12m"]
    best = score_facts(table, {"return_rate_pct": 0, "category": "food", "disputes_12m": 0})
    assert best.top_costs() == []  # nothing cost a point: nothing to name


def test_ties_in_cost_keep_the_card_s_order():
    table = points_table(
        [
            {"variable": "a", "bin": "x", "count": 1, "points": 10},
            {"variable": "a", "bin": "y", "count": 1, "points": 0},
            {"variable": "b", "bin": "x", "count": 1, "points": 10},
            {"variable": "b", "bin": "y", "count": 1, "points": 0},
        ]
    )
    assert [f.variable for f in score_facts(table, {"a": "y", "b": "y"}).top_costs()] == ["a", "b"]


def test_bins_as_optbinning_and_older_cards_write_them():
    assert parse_bin("[-inf, 25.50)", 12.5).high == Decimal("25.50")
    closed = parse_bin("[1.00, 2.00]", 1)
    assert closed.holds(Decimal(2))
    assert not closed.holds(Decimal("2.01"))
    assert parse_bin("no checking account", 52.37).categories == {"no checking account"}
    assert parse_bin("a | b, with comma", 0).categories == {"a", "b, with comma"}
    with pytest.raises(InvalidInput):
        points_table([{"variable": "a", "bin": "x", "points": "many"}])
    with pytest.raises(InvalidInput):
        points_table([])


def test_every_factor_of_both_cards_has_zh_and_en_names_and_help():
    for variable, text in {**MERCHANT_FACTORS, **CONSUMER_FACTORS}.items():
        assert all((text.name_zh, text.name_en, text.help_zh, text.help_en)), variable
    assert factor_text("from_another_card").name_en == "from_another_card"


# -- bands, caps and the decision -----------------------------------------------------------
def test_bands_are_canonical_text_with_ascending_scores_and_limits_that_never_fall():
    bands = parse_bands("520:20000, 560:100000.5")
    assert format_bands(bands) == "520:20000.00,560:100000.50"
    for bad in ("", "560", "x:1.00", "600:1.00,560:2.00", "560:2.00,600:1.00", "1001:1.00",
                "560:-1", "560:1.234", ",".join(f"{500 + i}:1.00" for i in range(13))):  # fmt: skip
        with pytest.raises(InvalidInput) as refused:
            parse_bands(bad)
        assert refused.value.param == "value"


def test_a_score_earns_the_highest_band_it_reaches():
    bands = RULES.bands
    assert band_for(bands, 519) is None
    assert band_for(bands, 520) == Band(520, Money.parse("20000.00"))
    assert band_for(bands, 599) == Band(560, Money.parse("100000.00"))
    assert band_for(bands, 900) == Band(600, Money.parse("350000.00"))


def test_a_merchant_limit_is_its_band_held_to_the_sales_cap_and_rounded_down():
    sales = Money.parse("40123.45")
    found = propose_limit(RULES, PartyKind.MERCHANT, 610, monthly_sales=sales)
    assert found.decision == "approve"
    assert found.binding == "sales"
    assert found.limit == Money.parse("120300.00")  # 3 x 40,123.45 = 120,370.35, down to 100s
    rich = propose_limit(RULES, PartyKind.MERCHANT, 565, monthly_sales=Money.parse("1000000.00"))
    assert (rich.limit, rich.binding) == (Money.parse("100000.00"), None)  # the band itself


def test_below_the_lowest_band_or_without_sales_a_merchant_is_referred_with_limit_zero():
    low = propose_limit(RULES, PartyKind.MERCHANT, 519, monthly_sales=Money.parse("90000.00"))
    assert (low.decision, low.limit, low.band) == ("refer", Money.zero(), None)
    assert [r.code for r in low.reasons] == [ReasonCode.SCORE_BELOW_BANDS]
    assert low.reasons[0].facts == {"score": 519, "lowest": 520}
    idle = propose_limit(RULES, PartyKind.MERCHANT, 600, monthly_sales=Money.zero())
    assert [r.code for r in idle.reasons] == [ReasonCode.NO_SETTLED_SALES]
    assert idle.limit == Money.zero()


def test_a_consumer_is_held_to_income_and_referred_on_a_low_credit_score_or_no_application():
    income = Money.parse("10000.00")
    ok = propose_limit(RULES, PartyKind.CONSUMER, 600, income=income, credit_score=700)
    assert (ok.decision, ok.limit, ok.binding) == ("approve", Money.parse("30000.00"), "income")
    low = propose_limit(RULES, PartyKind.CONSUMER, 600, income=income, credit_score=549)
    assert [r.code for r in low.reasons] == [ReasonCode.CREDIT_SCORE_LOW]
    unknown = propose_limit(RULES, PartyKind.CONSUMER, 600, has_application=False)
    assert [r.code for r in unknown.reasons] == [
        ReasonCode.APPLICATION_MISSING,
        ReasonCode.CREDIT_SCORE_LOW,
        ReasonCode.INCOME_TOO_LOW,
    ]
    assert unknown.reasons[2].message_en.startswith("the declared monthly income (—)")


def test_the_limit_rules_are_read_from_the_policy_in_force_and_bands_are_policy_values():
    policy = policy_at([], datetime(2026, 1, 1, tzinfo=UTC))  # every default
    rules = limit_rules(policy, PartyKind.CONSUMER, Product.INSTALLMENT)
    assert rules.product_cap == Money.parse(PARAMETERS["installment_limit_cap"].default)
    assert rules.bands == parse_bands(PARAMETERS["consumer_limit_bands"].default)
    merchant = limit_rules(policy, PartyKind.MERCHANT, Product.MERCHANT_BNPL)
    assert merchant.product_cap == Money.parse("1000000.00")
    assert parse_value("merchant_limit_bands", "500:1") == "500:1.00"
    for key, param in PARAMETERS.items():
        assert parse_value(key, param.default) == param.default, key
    assert {k for k, *_ in seed_changes()} == set(PARAMETERS)


# -- a merchant's facts ----------------------------------------------------------------------
def test_month_windows_are_the_last_full_calendar_months_in_beijing_time():
    now = datetime(2024, 3, 1, 1, 0, tzinfo=UTC)  # 09:00 on 1 March in Beijing
    windows = month_windows(now, 3)
    assert [w[0].isoformat() for w in windows] == [
        "2023-11-30T16:00:00+00:00",
        "2023-12-31T16:00:00+00:00",
        "2024-01-31T16:00:00+00:00",
    ]
    assert windows[-1][1] == datetime(2024, 2, 29, 16, 0, tzinfo=UTC)


def test_full_months_tenths_of_a_percent_and_the_mean_of_the_months_on_the_platform():
    joined = datetime(2024, 1, 15, 2, 0, tzinfo=UTC)
    assert full_months(joined, datetime(2024, 3, 15, 1, 59, tzinfo=UTC)) == 1
    assert full_months(joined, datetime(2024, 3, 15, 2, 0, tzinfo=UTC)) == 2
    assert full_months(joined, joined.replace(year=2023)) == 0
    assert tenths_percent(1, 3) == Decimal("33.3")
    assert tenths_percent(2, 3) == Decimal("66.7")
    assert tenths_percent(0, 0) is None
    now = datetime(2024, 5, 2, 2, 0, tzinfo=UTC)
    windows = month_windows(now, 6)  # Nov .. Apr; on the platform from mid-January
    history = MerchantHistory(joined, "beauty", (0, 0, 900, 3000, 0, 3300), 20, 15, 18, 3, 1, 0)
    facts, sales = merchant_facts(history, windows, now)
    assert sales == Money(1800)  # (900 + 3000 + 0 + 3300) / 4 months, in fen
    assert facts == {
        "monthly_settled_sales": 18,
        "months_on_platform": 3,
        "order_completion_pct": Decimal("83.3"),
        "return_rate_pct": Decimal("15.0"),
        "disputes_12m": 1,
        "violations_12m": 0,
        "category": "beauty",
    }


# -- a consumer's application -----------------------------------------------------------------
def test_an_application_keeps_known_answers_and_names_the_attribute_it_refuses():
    got = parse_application({"age_in_years": 35, "housing": "own"})
    assert got == {"age_in_years": 35, "housing": "own"}
    for bad, field in (
        ({"age_in_years": 12}, "age_in_years"),
        ({"age_in_years": True}, "age_in_years"),
        ({"housing": "castle"}, "housing"),
        ({"salary": 1}, "salary"),
        ({}, "application"),
        ([1], "application"),
    ):
        with pytest.raises(InvalidInput) as refused:
            parse_application(bad)
        assert refused.value.param == field

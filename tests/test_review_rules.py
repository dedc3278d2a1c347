"""The rules of periodic reviews (额度复审): several reasons give the lowest target, once;
amounts round down to the policy's step; the base survives temporary quota; the list values of
the policy are canonical; months are whole calendar months. And the use cases on the fakes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from creditline import InvalidInput
from creditline.domain.credit.review_facts import ReviewFacts, Standing, standing_of, whole_months
from creditline.domain.credit.review_rules import Decision, cut, decide, resubmission
from creditline.domain.money import Money
from creditline.domain.policy import PARAMETERS, PolicyChange, parse_value, policy_at
from creditline.domain.quota.documents import Document, DocumentType
from creditline.domain.quota.limits import LimitChange, LimitChangeKind
from creditline.domain.quota.parties import PartyKind
from creditline.domain.quota.purposes import Product
from creditline.service.credit import reviews
from creditline.service.quota import line_admin as lines
from creditline.service.quota import party_admin as parties
from creditline.service.sandbox_clock import set_clock
from tests.fakes import FakeDatabase

NOW = datetime(2024, 5, 1, 2, 0, tzinfo=UTC)
POLICY = policy_at([], NOW)


def _m(text: str) -> Money:
    return Money.parse(text)


def _facts(**kw: object) -> ReviewFacts:
    base = _m(str(kw.pop("base", "100000.00")))
    licence = Document("doc_1", "mer_1", DocumentType.BUSINESS_LICENCE, date(2024, 4, 1))
    values: dict[str, object] = {
        "line_id": "line_1",
        "party_kind": PartyKind.MERCHANT,
        "product": Product.MERCHANT_BNPL,
        "category": "digital",
        "limit_now": base,
        "standing": Standing(base),
        "used": Money.zero(),
        "opened_at": NOW - timedelta(days=30),
        "orders": 0,
        "returns": 0,
        "documents": [licence],
        "last_spend_at": NOW - timedelta(days=1),
        "overdue": 0,
        "credit_score": None,
        "income": None,
    }
    values.update(kw)
    return ReviewFacts(**values)  # type: ignore[arg-type]


def test_several_reasons_give_the_lowest_target_once_not_compounded() -> None:
    facts = _facts(
        category="beauty", orders=50, returns=10, overdue=2, documents=[]
    )  # returns 30% off, overdue 50% off, missing licence 50% off
    decision = decide(facts, POLICY, NOW)
    assert decision.decision is Decision.LOWERED
    assert decision.target == _m("50000.00")
    assert set(decision.standing) == {"return_rate_high", "overdue", "documents_required"}
    assert decision.standing["return_rate_high"] == _m("70000.00")
    restore_zh, restore_en = decision.restore
    assert "还清逾期" in restore_zh
    assert "submit the business licence" in restore_en


def test_a_return_rate_at_the_line_or_outside_the_watched_categories_lowers_nothing() -> None:
    assert decide(_facts(category="apparel", orders=50, returns=4), POLICY, NOW).reasons == ()
    assert decide(_facts(category="digital", orders=50, returns=25), POLICY, NOW).reasons == ()
    # Too few orders to judge (policy: at least 10).
    assert decide(_facts(category="apparel", orders=5, returns=3), POLICY, NOW).reasons == ()


def test_cuts_round_down_to_the_policy_step() -> None:
    step = _m("100.00")
    assert cut(_m("12345.67"), POLICY.rate("return_rate_cut"), step) == _m("8600.00")
    assert cut(_m("0.00"), POLICY.rate("documents_cut"), step) == Money.zero()


def test_inactivity_and_an_expired_licence() -> None:
    idle = decide(_facts(last_spend_at=None, opened_at=NOW - timedelta(days=200)), POLICY, NOW)
    assert [r.code.value for r in idle.reasons] == ["inactivity"]
    expired = Document("doc_2", "mer_1", DocumentType.BUSINESS_LICENCE, date(2024, 1, 1))
    expired = Document(expired.id, "mer_1", expired.type, date(2024, 1, 1), date(2024, 4, 30))
    stale = decide(_facts(documents=[expired]), POLICY, NOW)
    assert [r.code.value for r in stale.reasons] == ["documents_stale"]
    assert "expired on 2024-04-30" in stale.reasons[0].en


def test_a_standing_reduction_is_restored_when_its_reason_is_gone() -> None:
    standing = Standing(_m("100000.00"), {"overdue": _m("50000.00")})
    decision = decide(_facts(limit_now=_m("50000.00"), standing=standing), POLICY, NOW)
    assert (decision.decision, decision.target) == (Decision.RAISED, _m("100000.00"))
    assert [r.code.value for r in decision.reasons] == ["restored"]


def _change(kind: LimitChangeKind, previous: str, target: str, **detail: object) -> LimitChange:
    return LimitChange("lim_1", "line_1", kind, _m(previous), _m(target), NOW, detail=dict(detail))


def test_the_base_survives_temporary_quota_granted_after_the_review() -> None:
    review = _change(
        LimitChangeKind.REVIEW,
        "100000.00",
        "50000.00",
        base="100000.00",
        standing={"documents_stale": "50000.00"},
    )
    temporary = _change(LimitChangeKind.TEMPORARY, "50000.00", "60000.00")
    standing = standing_of([temporary, review], _m("60000.00"))
    assert (standing.base, standing.extra) == (_m("100000.00"), _m("10000.00"))
    assert standing.reductions == {"documents_stale": _m("50000.00")}
    licence = Document("doc_3", "mer_1", DocumentType.BUSINESS_LICENCE, date(2024, 5, 1))
    found = resubmission(
        standing,
        [licence],
        POLICY,
        now=NOW,
        limit_now=_m("60000.00"),
        submitted="business_licence",
    )
    assert found is not None
    assert found[0].target == _m("110000.00")  # the base back, the temporary quota kept
    # Another kind of change after the review (an operator's) ends its standing.
    operator = _change(LimitChangeKind.SET, "50000.00", "80000.00")
    assert standing_of([operator, review], _m("80000.00")) == Standing(
        _m("80000.00"), {}, Money.zero()
    )


def test_whole_months_count_calendar_months_in_beijing() -> None:
    start = datetime(2024, 1, 31, 16, 0, tzinfo=UTC)  # 2024-02-01 00:00 Beijing
    assert whole_months(start, datetime(2024, 7, 31, 15, 59, tzinfo=UTC)) == 5
    assert whole_months(start, datetime(2024, 7, 31, 16, 0, tzinfo=UTC)) == 6


def test_the_review_parameters_are_named_and_list_values_are_canonical() -> None:
    for key in ("required_documents", "return_rate_categories", "review_interval_days"):
        assert PARAMETERS[key].zh
        assert PARAMETERS[key].en
    assert parse_value("required_documents", "tax_registration, business_licence,") == (
        "business_licence,tax_registration"
    )
    assert parse_value("required_documents", "none") == "none"
    with pytest.raises(InvalidInput, match="value"):
        parse_value("required_documents", "passport")
    changed = policy_at(
        [PolicyChange(1, "required_documents", "none", NOW - timedelta(days=1))], NOW
    )
    assert changed.names("required_documents") == ()
    assert decide(_facts(documents=[]), changed, NOW).reasons == ()


def test_on_the_fakes_a_stale_licence_halves_and_a_resubmission_restores_at_once() -> None:
    """The use cases on the in-memory fakes (``tests/fakes_reviews.py``), as on SQL."""
    db = FakeDatabase()
    set_clock(db, "2024-05-01T10:00:00+08:00")
    m = parties.add_party(db, kind="merchant", name="小王", category="digital").body["id"]
    parties.verify_party(db, m, real_name=True, qualification=True, settlement_account="6222")
    line = lines.open_line(db, m, product="merchant_bnpl", limit="100000.00").body["id"]
    lines.activate_line(db, line)
    parties.add_document(db, m, doc_type="business_licence", submitted="2023-01-01")
    run = reviews.review_limits(db).body
    assert (run["lowered"], run["by_reason"]) == (1, {"documents_stale": 1})
    assert lines.show_line(db, line).body["limit"] == "50000.00"
    added = parties.add_document(db, m, doc_type="business_licence", submitted="2024-05-01")
    assert added.body["limits_restored"][0]["to_limit"] == "100000.00"
    assert lines.show_line(db, line).body["limit"] == "100000.00"
    assert reviews.show_review(db).body["review"]["id"] == run["id"]

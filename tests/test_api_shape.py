"""The API's shape of an answer (entrypoints/api/shape.py): amounts in minor units beside their
currency, found by key and nearest currency; ``object`` types first; input never changed."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import creditline
from creditline import InvalidInput, Money
from creditline.adapters.db.database import SqlDatabase
from creditline.entrypoints.api import shape
from creditline.entrypoints.api.shape import (
    MONEY_KEYS,
    OBJECT_TYPES,
    from_minor,
    minor_units,
    object_type,
    to_api,
)
from tests.helpers import active_line, make_db
from tests.strategies import SIGNED_MINOR_UNITS

CURRENCIES = st.sampled_from(["CNY", "HKD", "USD"])


@pytest.fixture
def db(sqlite_url: str) -> Iterator[SqlDatabase]:
    database = make_db(sqlite_url)
    yield database
    database.dispose()


def hkd_line(db: SqlDatabase) -> str:
    party = creditline.add_party(db, kind="merchant", name="港商", category="luxury").body["id"]
    creditline.verify_party(
        db, party, real_name=True, qualification=True, settlement_account="6222"
    )
    line = creditline.open_line(
        db, party, product="merchant_bnpl", limit="12345.67", currency="HKD"
    ).body["id"]
    creditline.activate_line(db, line)
    return str(line)


# -- real answers ----------------------------------------------------------------------------


def test_a_real_line_in_minor_units_with_its_object_first_and_the_answer_unchanged(db):
    _, line = active_line(db, limit="100000.00")
    creditline.authorize(db, line, amount="1234.56", purpose="procurement", key="k1")
    body = creditline.show_line(db, line).body
    before = copy.deepcopy(body)
    api = to_api(body)
    assert body == before
    assert next(iter(api)) == "object"
    assert api["object"] == "line"
    assert api["id"] == line
    assert api["currency"] == "CNY"
    assert (api["limit"], api["held"], api["available"]) == (10_000_000, 123_456, 9_876_544)
    assert (api["occupied"], api["frozen"], api["fees_due"]) == (0, 0, 0)
    assert list(api)[1:] == list(body)  # every key kept, in order, after "object"
    json.dumps(api)  # still JSON


def test_a_real_hkd_spend_and_its_refused_twin_in_minor_units(db):
    line = hkd_line(db)
    held = to_api(
        creditline.authorize(db, line, amount="10.50", purpose="procurement", key="k1").body
    )
    assert (held["object"], held["amount"], held["currency"]) == ("authorization", 1050, "HKD")
    assert held["balances"]["currency"] == "HKD"
    assert held["balances"]["available"] == 1_233_517
    refused = creditline.authorize(db, line, amount="20000.00", purpose="procurement", key="k2")
    assert refused.refused
    api = to_api(refused.body, currency="HKD")
    facts = next(r["facts"] for r in api["reasons"] if r["code"] == "insufficient_available")
    assert (facts["amount"], facts["shortfall"]) == (2_000_000, 2_000_000 - 1_233_517)
    assert all(isinstance(r["message_zh"], str) for r in api["reasons"])  # texts untouched


def test_a_real_policy_keeps_its_values_as_text(db):
    body = creditline.show_policy(db).body
    api = to_api(body)
    assert api["values"] == body["values"]  # max_single_spend "1000000.00", rate "0.0005"
    assert api["values"]["late_fee_daily_rate"]["value"] == "0.0005"


# -- currency: the nearest object that names one -----------------------------------------------


def test_usd_and_hkd_at_the_top_and_the_argument_when_nothing_names_one():
    assert to_api({"amount": "1.05", "currency": "USD"}) == {"amount": 105, "currency": "USD"}
    assert to_api({"limit": "12345.67", "currency": "HKD"})["limit"] == 1_234_567
    assert to_api({"amount": "0.01"}, currency="USD") == {"amount": 1}


def test_an_unknown_currency_argument_is_refused_naming_currency():
    with pytest.raises(InvalidInput) as e:
        to_api({"amount": "1.00"}, currency="EUR")
    assert e.value.param == "currency"


@pytest.fixture
def exponents(monkeypatch: pytest.MonkeyPatch) -> None:
    """Currencies of 0 and 3 decimals, so that which currency was used shows in the result."""
    known = {"CNY": 2, "JPY": 0, "KWD": 3}

    def exponent_of(currency: str) -> int:
        if currency not in known:
            raise InvalidInput("currency", f"unsupported currency {currency!r}")
        return known[currency]

    monkeypatch.setattr(shape, "_exponent_of", exponent_of)


@pytest.mark.usefixtures("exponents")
def test_each_amount_takes_the_currency_of_its_nearest_object_walking_outwards():
    body = {
        "amount": "1.00",
        "orders": [
            {
                "currency": "JPY",
                "amount": "500",
                "facts": {"outstanding": "7", "split": {"currency": "KWD", "held": "1.250"}},
                "paid": {"currency": None, "occupancy": "9"},  # null names none: JPY still
            }
        ],
        "balances": {"limit": "2.50"},
    }
    api = to_api(body)
    assert api["amount"] == 100
    order = api["orders"][0]
    assert (order["amount"], order["facts"]["outstanding"]) == (500, 7)
    assert order["facts"]["split"]["held"] == 1250
    assert order["paid"]["occupancy"] == 9
    assert api["balances"]["limit"] == 250
    assert to_api({"amount": "3"}, currency="JPY") == {"amount": 3}


@pytest.mark.usefixtures("exponents")
def test_amounts_of_another_exponent_or_of_an_unknown_currency_stay_text():
    assert to_api({"currency": "JPY", "amount": "5.00"})["amount"] == "5.00"
    assert to_api({"currency": "KWD", "amount": "5.00"})["amount"] == "5.00"
    body = {"currency": "EUR", "amount": "1.00", "inner": {"amount": "2.00"}}
    assert to_api(body) == body


# -- what is money and what is not --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minor"),
    [("500000.00", 50_000_000), ("-12.50", -1250), ("0.00", 0), ("0.01", 1), ("-0.00", 0)],
)
def test_amount_text_becomes_minor_units(text, minor):
    assert to_api({"amount": text}) == {"amount": minor}
    assert minor_units(text, "CNY") == minor


@pytest.mark.parametrize(
    "value",
    [None, 100, True, "", "1", "1.5", "1.000", "01.00", "+1.00", " 1.00", "1.00\n", "1e3",
     "NaN", "1,000.00", "١.٠٠", "occ_611588d739035c3456420bb2a2f9", "9" * 5000 + ".00"],
)  # fmt: skip
def test_values_that_are_not_amount_text_are_left_alone_under_a_money_key(value):
    assert to_api({"amount": value, "occupancy": value}) == {"amount": value, "occupancy": value}


@pytest.mark.parametrize(
    "key",
    ["value", "from", "rate", "return_rate", "score", "spend_sum_30d", "order", "days", "version"],
)
def test_decimal_text_under_keys_that_are_not_money_is_untouched(key):
    body = {key: "50000.00", "nested": [{key: "0.0005"}]}
    assert to_api(body) == body


def test_people_s_texts_are_never_touched_even_under_a_money_looking_name():
    body = {"amount_zh": "100.00", "amount_en": ["100.00"], "message": "100.00", "amount": "1.00"}
    assert to_api(body) == {**body, "amount": 100}


def test_lists_of_amounts_under_a_money_key_are_converted_item_by_item():
    assert to_api({"amount": ["1.00", "x", None, ["2.00"]]}) == {"amount": [100, "x", None, [200]]}


def test_the_inventory_keeps_out_what_is_known_not_to_be_money():
    assert {"value", "from", "rate", "return_rate", "precision", "recall"} & MONEY_KEYS == set()
    assert {"amount", "limit", "available", "fees_due", "merchant_balance"} <= MONEY_KEYS


# -- object types -------------------------------------------------------------------------------


@pytest.mark.parametrize(("prefix", "name"), sorted(OBJECT_TYPES.items()))
def test_every_prefix_names_its_object(prefix, name):
    assert prefix.endswith("_")
    assert prefix.count("_") == 1
    assert object_type(f"{prefix}611588d739035c34") == name


@pytest.mark.parametrize(
    "object_id", ["line_", "line", "", "TB2024092701", "cl_sk_abc", "whsec_abc", "LINE_1", "x_y"]
)
def test_an_id_of_no_known_prefix_names_no_object(object_id):
    assert object_type(object_id) is None
    assert "object" not in to_api({"id": object_id})


def test_the_object_goes_first_nested_too_and_an_existing_one_is_kept():
    body = {
        "amount": "1.00",
        "id": "hold_611588d739035c34fa195d0e54f4",
        "party": {"name": "小王", "id": "mer_a3bcbf440ccc1146"},
        "data": [{"id": "frz_1"}, {"id": "TB1"}, {"id": 7}],
        "key": {"object": "api_key_secret", "id": "key_1"},
    }
    api = to_api(body)
    assert list(api) == ["object", *body]
    assert api["object"] == "authorization"
    assert list(api["party"]) == ["object", "name", "id"]
    assert api["party"]["object"] == "party"
    assert api["data"] == [{"object": "freeze", "id": "frz_1"}, {"id": "TB1"}, {"id": 7}]
    assert api["key"] == {"object": "api_key_secret", "id": "key_1"}


def test_the_input_is_never_changed_and_shares_nothing_with_the_output():
    body: dict[str, Any] = {
        "id": "line_1",
        "balances": {"limit": "1.00", "currency": "HKD"},
        "rows": [{"amount": "2.00"}],
        "message_zh": ["一"],
    }
    before = copy.deepcopy(body)
    api = to_api(body)
    assert body == before
    api["balances"]["limit"] = 0
    api["rows"].append(1)
    api["message_zh"].append("二")
    assert body == before


# -- from_minor ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [(10000, "CNY", "100.00"), (1, "HKD", "0.01"), (0, "USD", "0.00"), (-1250, "CNY", "-12.50")],
)
def test_from_minor_gives_the_text_the_use_cases_take(minor, currency, text):
    assert from_minor(minor, currency) == text


@pytest.mark.parametrize("amount", ["100", 1.5, True, False, None, [1]])
def test_from_minor_refuses_what_is_not_an_int_naming_the_field(amount):
    with pytest.raises(InvalidInput) as e:
        from_minor(amount, "CNY")
    assert e.value.param == "amount"
    with pytest.raises(InvalidInput) as e:
        from_minor(amount, "CNY", field="limit")
    assert e.value.param == "limit"


@pytest.mark.parametrize("amount", [0, -1])
def test_from_minor_refuses_zero_and_less_when_asked_for_a_positive_amount(amount):
    with pytest.raises(InvalidInput) as e:
        from_minor(amount, "CNY", positive=True)
    assert e.value.param == "amount"
    assert from_minor(1, "CNY", positive=True) == "0.01"


@pytest.mark.parametrize(
    "amount",
    [10**14 + 1, 10**20, -(10**20), 10**5000],
    ids=["max_plus_1", "1e20", "-1e20", "5001_digits"],
)
def test_from_minor_refuses_more_than_the_use_cases_accept(amount):
    assert from_minor(10**14, "CNY") == "1000000000000.00"
    with pytest.raises(InvalidInput) as e:
        from_minor(amount, "CNY")
    assert e.value.param == "amount"
    with pytest.raises(InvalidInput) as e:
        from_minor(-amount, "CNY", positive=True)
    assert e.value.param == "amount"


@pytest.mark.parametrize("currency", ["EUR", "cny", "", None, 1])
def test_from_minor_refuses_an_unknown_currency_naming_currency(currency):
    with pytest.raises(InvalidInput) as e:
        from_minor(100, currency)
    assert e.value.param == "currency"


# -- properties ---------------------------------------------------------------------------------


@given(minor=SIGNED_MINOR_UNITS, currency=CURRENCIES)
def test_any_money_comes_back_as_its_minor_units(minor, currency):
    m = Money(minor, currency)
    assert to_api({"amount": m.format(), "currency": m.currency})["amount"] == m.minor
    if abs(minor) <= 10**14:
        assert from_minor(m.minor, m.currency) == m.format()


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(["1.00", "-0.50", "0.0005", "line_1", "hold_2", "TB1", "CNY", "HKD"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["id", "object", "amount", "limit", "value", "currency", "note_zh", "x"]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@given(body=JSON)
def test_any_json_is_left_unchanged_and_shaping_twice_changes_nothing_more(body):
    before = copy.deepcopy(body)
    once = to_api(body)
    assert body == before
    assert to_api(once) == once

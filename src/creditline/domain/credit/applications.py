"""A consumer's credit application (授信申请): the answers the consumer card reads. The card is
fitted on the German credit data, so the application asks its attributes, with its answers
(amounts as in the data); an attribute left out scores in the card's ``Missing`` bin."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from creditline.domain.errors import InvalidInput

#: Numeric attributes: the range of a whole-number answer.
NUMERIC: dict[str, tuple[int, int]] = {
    "duration_in_month": (1, 120),
    "credit_amount": (1, 10_000_000),
    "installment_rate_in_percentage_of_disposable_income": (1, 4),
    "present_residence_since": (1, 4),
    "age_in_years": (18, 120),
    "number_of_existing_credits_at_this_bank": (0, 20),
    "number_of_people_being_liable_to_provide_maintenance_for": (0, 20),
}

#: Categorical attributes: the answers allowed.
CATEGORICAL: dict[str, tuple[str, ...]] = {
    "status_of_existing_checking_account": (
        "... < 0 DM",
        "... >= 200 DM / salary assignments for at least 1 year",
        "0 <= ... < 200 DM",
        "no checking account",
    ),
    "credit_history": (
        "all credits at this bank paid back duly",
        "critical account/ other credits existing (not at this bank)",
        "delay in paying off in the past",
        "existing credits paid back duly till now",
        "no credits taken/ all credits paid back duly",
    ),
    "purpose": (
        "business",
        "car (new)",
        "car (used)",
        "domestic appliances",
        "education",
        "furniture/equipment",
        "others",
        "radio/television",
        "repairs",
        "retraining",
    ),
    "savings_account_and_bonds": (
        "... < 100 DM",
        "... >= 1000 DM",
        "100 <= ... < 500 DM",
        "500 <= ... < 1000 DM",
        "unknown/ no savings account",
    ),
    "present_employment_since": (
        "... < 1 year",
        "... >= 7 years",
        "1 <= ... < 4 years",
        "4 <= ... < 7 years",
        "unemployed",
    ),
    "personal_status_and_sex": (
        "female : divorced/separated/married",
        "male : divorced/separated",
        "male : married/widowed",
        "male : single",
    ),
    "other_debtors_or_guarantors": ("co-applicant", "guarantor", "none"),
    "property": (
        "building society savings agreement/ life insurance",
        "car or other, not in attribute Savings account/bonds",
        "real estate",
        "unknown / no property",
    ),
    "other_installment_plans": ("bank", "none", "stores"),
    "housing": ("for free", "own", "rent"),
    "job": (
        "management/ self-employed/ highly qualified employee/ officer",
        "skilled employee / official",
        "unemployed/ unskilled - non-resident",
        "unskilled - resident",
    ),
    "telephone": ("none", "yes, registered under the customers name"),
    "foreign_worker": ("no", "yes"),
}

ATTRIBUTES = (*NUMERIC, *CATEGORICAL)


def parse_application(answers: Any) -> dict[str, int | str]:
    """The answers, checked: known attributes only, whole numbers in range, categories from
    the list; at least one answer. Bad input names the attribute."""
    if not isinstance(answers, Mapping):
        raise InvalidInput("application", "application must be an object of attribute: answer")
    if not answers:
        raise InvalidInput("application", "application has no answer")
    out: dict[str, int | str] = {}
    for key, value in answers.items():
        name = str(key)[:80]
        if name in NUMERIC:
            low, high = NUMERIC[name]
            if type(value) is not int or not low <= value <= high:
                raise InvalidInput(name, f"{name} must be a whole number from {low} to {high}")
            out[name] = value
        elif name in CATEGORICAL:
            if value not in CATEGORICAL[name]:
                allowed = "; ".join(CATEGORICAL[name])
                raise InvalidInput(name, f"{name} must be one of: {allowed}")
            out[name] = str(value)
        else:
            raise InvalidInput(
                name, f"{name!r} is not an attribute; known: {', '.join(ATTRIBUTES)}"
            )
    return {k: out[k] for k in ATTRIBUTES if k in out}

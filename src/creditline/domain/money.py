"""Money: integer minor units plus a currency, immutable; parsing of decimal strings."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Self

from creditline.domain.errors import InvalidInput, InvariantViolation

#: Minor-unit exponent of each supported ISO 4217 currency.
CURRENCY_EXPONENTS: dict[str, int] = {"CNY": 2, "HKD": 2, "USD": 2}
DEFAULT_CURRENCY = "CNY"
#: Largest amount accepted as input, in major units (one trillion yuan).
MAX_MAJOR_UNITS = 10**12
#: Most digits accepted before the decimal point. Checked on the text before it becomes an
#: int: Python refuses to convert more than 4300 digits, and a long string is bad input, not a
#: crash (the maximum above needs 13).
MAX_INTEGER_DIGITS = 15

_AMOUNT = re.compile(r"(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?")


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """An exact amount: ``minor`` units (fen for CNY) of ``currency``. Never a float."""

    minor: int
    currency: str = DEFAULT_CURRENCY

    _exponents: ClassVar[dict[str, int]] = CURRENCY_EXPONENTS

    def __post_init__(self) -> None:
        if type(self.minor) is not int:  # bool and float are refused on purpose
            raise TypeError(f"Money.minor must be int, not {type(self.minor).__name__}")
        if self.currency not in self._exponents:
            raise InvalidInput("currency", f"unsupported currency {self.currency!r}")

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Self:
        return cls(0, currency)

    @classmethod
    def total(cls, amounts: Iterable[Money], currency: str = DEFAULT_CURRENCY) -> Money:
        """The sum of ``amounts``, zero in ``currency`` when there are none."""
        return sum(amounts, Money(0, currency))

    @classmethod
    def parse(cls, text: str, currency: str = DEFAULT_CURRENCY, *, field: str = "amount") -> Self:
        """Parse ``"1000.00"`` strictly: digits, at most two decimals, no sign, no exponent."""
        if not isinstance(text, str):
            raise InvalidInput(field, f"{field} must be a decimal string like 1000.00")
        if currency not in CURRENCY_EXPONENTS:
            raise InvalidInput("currency", f"unsupported currency {currency!r}")
        exponent = CURRENCY_EXPONENTS[currency]
        whole_digits = len(text.partition(".")[0])
        if whole_digits > MAX_INTEGER_DIGITS:
            # Not echoed: the text may be thousands of characters long.
            raise InvalidInput(
                field,
                f"{field} is too long: at most {MAX_INTEGER_DIGITS} digits before the decimal "
                f"point ({whole_digits} given)",
            )
        match = _AMOUNT.fullmatch(text)
        if match is None:
            raise InvalidInput(
                field,
                f"{field} must be a non-negative decimal like 1000.00 with at most "
                f"{exponent} decimals; got {text!r}",
            )
        whole, frac = match.group(1), match.group(2) or ""
        if len(frac) > exponent:
            raise InvalidInput(field, f"{field} has more than {exponent} decimals: {text!r}")
        minor = int(whole) * 10**exponent + int(frac.ljust(exponent, "0") or "0")
        if minor > MAX_MAJOR_UNITS * 10**exponent:
            raise InvalidInput(field, f"{field} is over the maximum of {MAX_MAJOR_UNITS}: {text!r}")
        return cls(minor, currency)

    def _check(self, other: Money) -> None:
        # A wrong type is a TypeError like any Python operator's (mypy --strict rules it out);
        # two currencies is a value the code should never have let meet.
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise InvariantViolation(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.minor, self.currency)

    def __mul__(self, times: int) -> Money:
        """``times`` this amount (a whole number of days' fees, say): never a fraction."""
        if type(times) is not int:
            raise TypeError(f"Money can only be multiplied by an int, not {type(times).__name__}")
        return Money(self.minor * times, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.minor <= other.minor

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.minor > other.minor

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.minor >= other.minor

    def __bool__(self) -> bool:
        return self.minor != 0

    def min(self, other: Money) -> Money:
        return min(self, other)

    def max(self, other: Money) -> Money:
        return max(self, other)

    @property
    def is_positive(self) -> bool:
        return self.minor > 0

    @property
    def major(self) -> Decimal:
        """The exact amount in major units (yuan for CNY), for rules written in them."""
        return Decimal(self.minor).scaleb(-self._exponents[self.currency])

    def format(self) -> str:
        """``"1234.56"``: the wire format of every amount."""
        exponent = self._exponents[self.currency]
        sign = "-" if self.minor < 0 else ""
        whole, frac = divmod(abs(self.minor), 10**exponent)
        if exponent == 0:
            return f"{sign}{whole}"
        return f"{sign}{whole}.{frac:0{exponent}d}"

    def __str__(self) -> str:
        return f"{self.format()} {self.currency}"

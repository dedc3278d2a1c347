"""Policy values that list names: the documents a review requires (资质材料) and the merchant
categories whose return rate a review watches. Kept as comma-separated text in canonical order
(sorted, each once); ``none`` is the empty list."""

from __future__ import annotations

from collections.abc import Callable

from creditline.domain.errors import InvalidInput
from creditline.domain.quota.documents import parse_document_type
from creditline.domain.quota.parties import parse_category

NONE = "none"


def _canonical(text: str, parse: Callable[[str], str], what: str) -> str:
    items = [part.strip() for part in text.split(",")]
    items = [item for item in items if item]
    if not items or items == [NONE]:
        return NONE
    try:
        return ",".join(sorted({parse(item) for item in items}))
    except InvalidInput as exc:
        raise InvalidInput("value", f"{what}: {exc.message}") from None


def parse_documents(text: str) -> str:
    """``tax_registration,business_licence`` → ``business_licence,tax_registration``."""
    return _canonical(text, lambda t: parse_document_type(t).value, "documents")


def parse_categories(text: str) -> str:
    return _canonical(text, parse_category, "categories")


def names(text: str) -> tuple[str, ...]:
    """The names a canonical list holds (none for ``none``)."""
    if text == NONE:
        return ()
    return tuple(text.split(","))

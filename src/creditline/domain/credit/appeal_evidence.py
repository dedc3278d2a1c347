"""The evidence of an appeal (申诉材料): order ids, statement lines, amounts and documents, each
checked and named by its place (``evidence.amounts[1].amount``) when it is wrong, so that the
holder knows which line of the form to fix. Pure: whether an order or a document is the
holder's own is the use case's question."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from creditline.domain.errors import InvalidInput
from creditline.domain.money import Money
from creditline.domain.quota.documents import DOCUMENT_NAMES, DocumentType
from creditline.domain.text import MAX_NOTE, MAX_REF, printable_text

#: The kinds of evidence, in the order the answers list them.
KINDS = ("orders", "statement_lines", "amounts", "documents")
#: At most this many items of each kind: an appeal is read by a person.
MAX_ITEMS = 50
#: A statement line as the holder copies it (date, flow id, amount, words).
MAX_STATEMENT_LINE = 200


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount the holder points at (a refund already paid, a sale not yet counted)."""

    amount: Money
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"amount": self.amount.format(), "note": self.note}


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document the appeal rests on: one already submitted (``id``; its type is then the
    stored one's), or only its type (to be sent to the platform)."""

    type: DocumentType | None
    id: str | None = None

    def to_json(self) -> dict[str, Any]:
        zh, en = DOCUMENT_NAMES[self.type] if self.type else ("", "")
        kind = self.type.value if self.type else None
        return {"type": kind, "id": self.id, "name_zh": zh, "name_en": en}


@dataclass(frozen=True, slots=True)
class Evidence:
    orders: tuple[str, ...] = ()
    statement_lines: tuple[str, ...] = ()
    amounts: tuple[Amount, ...] = ()
    documents: tuple[DocumentRef, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.orders or self.statement_lines or self.amounts or self.documents)

    def counts(self) -> dict[str, int]:
        return {kind: len(getattr(self, kind)) for kind in KINDS}

    def to_json(self) -> dict[str, Any]:
        return {
            "orders": list(self.orders),
            "statement_lines": list(self.statement_lines),
            "amounts": [a.to_json() for a in self.amounts],
            "documents": [d.to_json() for d in self.documents],
        }


def parse_evidence(raw: object, currency: str) -> Evidence:
    """``raw`` (the JSON a holder sent: ``{"orders": [...], "statement_lines": [...],
    "amounts": [...], "documents": [...]}``, each part optional; None for no evidence) as
    ``Evidence``; anything wrong is ``InvalidInput`` naming the field and its place."""
    if raw is None:
        return Evidence()
    if not isinstance(raw, Mapping):
        raise InvalidInput("evidence", f"evidence must be an object with {', '.join(KINDS)}")
    unknown = sorted(str(k) for k in raw if k not in KINDS)
    if unknown:
        raise InvalidInput(
            f"evidence.{unknown[0][:40]}",
            f"evidence.{unknown[0][:40]} is not a kind of evidence; known: {', '.join(KINDS)}",
        )
    items = {kind: _items(raw.get(kind), f"evidence.{kind}") for kind in KINDS}
    return Evidence(
        orders=tuple(
            printable_text(_text(v, f), f, max_length=MAX_REF, strip=True, spaces=False)
            for f, v in items["orders"]
        ),
        statement_lines=tuple(
            printable_text(_text(v, f), f, max_length=MAX_STATEMENT_LINE, strip=True)
            for f, v in items["statement_lines"]
        ),
        amounts=tuple(_amount(v, f, currency) for f, v in items["amounts"]),
        documents=tuple(_document(v, f) for f, v in items["documents"]),
    )


def _items(value: object, field: str) -> list[tuple[str, object]]:
    """The items of one kind with the field that names each (``evidence.orders[0]``)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(field, f"{field} must be a list")
    if len(value) > MAX_ITEMS:
        raise InvalidInput(field, f"{field}: at most {MAX_ITEMS} items ({len(value)} given)")
    return [(f"{field}[{i}]", item) for i, item in enumerate(value)]


def _text(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field, f"{field} must be text")
    return value


def _amount(value: object, field: str, currency: str) -> Amount:
    """``"12000.00"``, or ``{"amount": "12000.00", "note": "refunds paid on 05-02"}``."""
    if isinstance(value, str):
        return Amount(_money(value, field, currency))
    if not isinstance(value, Mapping):
        raise InvalidInput(field, f"{field} must be an amount like 12000.00, or an object")
    _only(value, field, {"amount", "note"})
    note = printable_text(
        _text(value.get("note", ""), f"{field}.note"),
        f"{field}.note",
        max_length=MAX_NOTE,
        required=False,
        strip=True,
    )
    return Amount(_money(value.get("amount"), f"{field}.amount", currency), note)


def _money(value: object, field: str, currency: str) -> Money:
    if not isinstance(value, str):
        raise InvalidInput(field, f"{field} must be an amount like 12000.00")
    money = Money.parse(value.strip(), currency, field=field)
    if not money.is_positive:
        raise InvalidInput(field, f"{field} must be more than 0")
    return money


def _document(value: object, field: str) -> DocumentRef:
    """``{"type": "bank_statement", "id": "doc_…"}`` (either may be left out, not both), or a
    document's id alone."""
    if isinstance(value, str):
        return DocumentRef(None, _doc_id(value, field))
    if not isinstance(value, Mapping):
        raise InvalidInput(field, f"{field} must be a document id, or an object with type and id")
    _only(value, field, {"type", "id"})
    kind, doc_id = value.get("type"), value.get("id")
    if kind is None and doc_id is None:
        raise InvalidInput(f"{field}.type", f"{field} needs a type or an id")
    doc_type = None
    if kind is not None:
        try:
            doc_type = DocumentType(kind) if isinstance(kind, str) else None
        except ValueError:
            doc_type = None
        if doc_type is None:
            known = ", ".join(t.value for t in DocumentType)
            raise InvalidInput(f"{field}.type", f"{field}.type must be one of {known}")
    return DocumentRef(doc_type, None if doc_id is None else _doc_id(doc_id, f"{field}.id"))


def _doc_id(value: object, field: str) -> str:
    return printable_text(_text(value, field), field, max_length=MAX_REF, strip=True, spaces=False)


def _only(value: Mapping[Any, Any], field: str, allowed: set[str]) -> None:
    extra = sorted(str(k) for k in value if k not in allowed)
    if extra:
        raise InvalidInput(
            f"{field}.{extra[0][:40]}", f"{field} takes only {', '.join(sorted(allowed))}"
        )

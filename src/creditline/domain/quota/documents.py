"""Merchant documents (资质材料): licence, tax registration, statements; which are required."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from creditline.domain.errors import InvalidInput


class DocumentType(StrEnum):
    BUSINESS_LICENCE = "business_licence"  # 营业执照
    TAX_REGISTRATION = "tax_registration"  # 税务登记证
    BANK_STATEMENT = "bank_statement"  # 银行对账单
    BRAND_AUTHORISATION = "brand_authorisation"  # 品牌授权书
    SUPPLY_CONTRACT = "supply_contract"  # 供货合同


DOCUMENT_NAMES: dict[DocumentType, tuple[str, str]] = {
    DocumentType.BUSINESS_LICENCE: ("营业执照", "business licence"),
    DocumentType.TAX_REGISTRATION: ("税务登记证", "tax registration"),
    DocumentType.BANK_STATEMENT: ("银行对账单", "bank statement"),
    DocumentType.BRAND_AUTHORISATION: ("品牌授权书", "brand authorisation"),
    DocumentType.SUPPLY_CONTRACT: ("供货合同", "supply contract"),
}

#: Documents whose expiry stops spending.
REQUIRED_DOCUMENTS = frozenset({DocumentType.BUSINESS_LICENCE})


def parse_document_type(text: str) -> DocumentType:
    try:
        return DocumentType(text)
    except ValueError:
        raise InvalidInput(
            "type", f"type must be one of {', '.join(t.value for t in DocumentType)}"
        ) from None


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    party_id: str
    type: DocumentType
    submitted_on: date
    expires_on: date | None = None


def current_documents(documents: Iterable[Document]) -> dict[DocumentType, Document]:
    """The latest submitted document of each type; an older one is superseded."""
    latest: dict[DocumentType, Document] = {}
    for doc in sorted(documents, key=lambda d: (d.submitted_on, d.id)):
        latest[doc.type] = doc
    return latest


def expired_required(documents: Iterable[Document], today: date) -> list[Document]:
    return [
        doc
        for doc_type, doc in sorted(current_documents(documents).items())
        if doc_type in REQUIRED_DOCUMENTS and doc.expires_on is not None and doc.expires_on < today
    ]

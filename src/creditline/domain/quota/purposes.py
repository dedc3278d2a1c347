"""Spending purposes (用途): which are allowed on which product, and which are always forbidden."""

from __future__ import annotations

from enum import StrEnum

from creditline.domain.errors import InvalidInput
from creditline.domain.quota.parties import PartyKind


class Product(StrEnum):
    MERCHANT_BNPL = "merchant_bnpl"  # 先用后付
    INSTALLMENT = "installment"  # 分期购


class Purpose(StrEnum):
    PROCUREMENT = "procurement"  # 进货支付
    COMMISSION = "commission"  # 平台佣金
    LOGISTICS = "logistics"  # 物流费
    PURCHASE = "purchase"  # a shopper's purchase, installment lines only
    WITHDRAW_CASH = "withdraw_cash"  # 个人提现
    TRANSFER_WALLET = "transfer_wallet"  # 转账到支付宝
    TRANSFER_BANK = "transfer_bank"  # 转账到银行卡


#: Cash-out purposes: refused on every line, always, and counted as a 套现 signal (R4, R17).
FORBIDDEN_PURPOSES = frozenset(
    {Purpose.WITHDRAW_CASH, Purpose.TRANSFER_WALLET, Purpose.TRANSFER_BANK}
)

PURPOSE_NAMES: dict[Purpose, tuple[str, str]] = {
    Purpose.PROCUREMENT: ("进货支付", "procurement"),
    Purpose.COMMISSION: ("平台佣金", "platform commission"),
    Purpose.LOGISTICS: ("物流费", "logistics fees"),
    Purpose.PURCHASE: ("分期购物", "an installment purchase"),
    Purpose.WITHDRAW_CASH: ("个人提现", "cash withdrawal"),
    Purpose.TRANSFER_WALLET: ("转账到支付宝", "a transfer to a wallet"),
    Purpose.TRANSFER_BANK: ("转账到银行卡", "a transfer to a bank card"),
}

PRODUCT_NAMES: dict[Product, tuple[str, str]] = {
    Product.MERCHANT_BNPL: ("先用后付", "merchant_bnpl (use first, pay later)"),
    Product.INSTALLMENT: ("分期购", "installment"),
}

_MERCHANT_PURPOSES = frozenset({Purpose.PROCUREMENT, Purpose.COMMISSION, Purpose.LOGISTICS})


def parse_purpose(text: str) -> Purpose:
    try:
        return Purpose(text)
    except ValueError:
        raise InvalidInput(
            "purpose", f"purpose must be one of {', '.join(p.value for p in Purpose)}; got {text!r}"
        ) from None


def parse_product(text: str) -> Product:
    try:
        return Product(text)
    except ValueError:
        raise InvalidInput(
            "product", f"product must be one of {', '.join(p.value for p in Product)}"
        ) from None


def allowed_purposes(product: Product, party_kind: PartyKind) -> frozenset[Purpose]:
    """Merchants spend on procurement, commission and logistics (and purchases on an
    installment line); a consumer's installment line pays for purchases only."""
    if party_kind is PartyKind.CONSUMER:
        return frozenset({Purpose.PURCHASE})
    if product is Product.INSTALLMENT:
        return _MERCHANT_PURPOSES | {Purpose.PURCHASE}
    return _MERCHANT_PURPOSES


def check_product_for_party(product: Product, party_kind: PartyKind) -> None:
    """先用后付 merchant quota is for merchants only; both kinds may hold 分期购 lines."""
    if product is Product.MERCHANT_BNPL and party_kind is not PartyKind.MERCHANT:
        raise InvalidInput("product", "merchant_bnpl lines are for merchants only")

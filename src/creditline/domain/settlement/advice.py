"""Split advice (分账比例建议): "核心供应商>60%, 普通供应商<30%", three core suppliers on the
whitelist, and a share to repayment. Advice warns and never refuses; only the ordinary
supplier's ceiling is a rule (``splits.parse_rule``)."""

from __future__ import annotations

from collections.abc import Mapping

from creditline.domain.reasons import Reason, ReasonCode
from creditline.domain.settlement.splits import (
    ShareKind,
    SplitRule,
    Supplier,
    SupplierTier,
    percent,
)

#: A core supplier is advised to take more than 60%.
CORE_ADVICE_BP = 6000
#: The whitelist is advised to hold this many core suppliers.
CORE_SUPPLIERS_ADVISED = 3


def split_warnings(rule: SplitRule | None, suppliers: Mapping[str, Supplier]) -> list[Reason]:
    """Every warning about a merchant's split rule and whitelist, in a stable order: no
    repayment (R10: the quota never comes back), each core share at or below the advice, too
    few core suppliers. The split rule's answer and ``why`` both list exactly these."""
    warnings: list[Reason] = []
    if rule is not None:
        if rule.repayment_bp == 0:
            warnings.append(
                Reason(
                    ReasonCode.SPLIT_NO_REPAYMENT, {"version": rule.version, "rule": rule.text()}
                )
            )
        for share in rule.shares:
            supplier = suppliers.get(share.supplier_id or "")
            if (
                share.kind is ShareKind.SUPPLIER
                and supplier is not None
                and supplier.tier is SupplierTier.CORE
                and share.bp <= CORE_ADVICE_BP
            ):
                facts = {
                    "supplier": supplier.id,
                    "name": supplier.name,
                    "share": percent(share.bp),
                    "advised_above": percent(CORE_ADVICE_BP),
                    "version": rule.version,
                }
                warnings.append(Reason(ReasonCode.CORE_SHARE_BELOW_ADVICE, facts))
    whitelist = whitelist_warning(suppliers)
    if whitelist is not None:
        warnings.append(whitelist)
    return warnings


def whitelist_warning(suppliers: Mapping[str, Supplier]) -> Reason | None:
    """Fewer core suppliers than advised on a whitelist the merchant has started; a merchant
    with no whitelist at all pays no supplier by split and is not nagged."""
    if not suppliers:
        return None
    core = sum(1 for s in suppliers.values() if s.tier is SupplierTier.CORE)
    if core >= CORE_SUPPLIERS_ADVISED:
        return None
    return Reason(
        ReasonCode.CORE_SUPPLIERS_BELOW_ADVICE,
        {"core_suppliers": core, "advised": CORE_SUPPLIERS_ADVISED},
    )

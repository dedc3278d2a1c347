"""Scale-out on paper, checked in code (issue 18, ``docs/scaling.md``): every hot table leads
its primary key with the key it is distributed by (Citus ``create_distributed_table``), so a
spend touches the rows of one line, on one shard."""

from __future__ import annotations

from creditline.adapters.db import tables as t

#: table → its distribution column: the line id, or the party id for the funds book and the
#: risk decisions (a party's money and its risk history stay together).
HOT_TABLES = {
    "lines": "id",
    "ledger_transfers": "line_id",
    "holds": "line_id",
    "occupancies": "line_id",
    "line_day_ends": "line_id",
    "freezes": "line_id",
    "limit_changes": "line_id",
    "temporary_quotas": "line_id",
    "installment_plans": "line_id",
    "installment_periods": "line_id",
    "installment_entries": "line_id",
    "idempotency_keys": "scope",  # a line command's key is scoped by its line id
    "ledger_checkpoints": "book_id",  # a line's or a party's book
    "funds_books": "party_id",
    "funds_transfers": "party_id",
    "risk_decisions": "party_id",
}


def test_every_hot_table_leads_its_primary_key_with_its_distribution_column() -> None:
    for name, column in HOT_TABLES.items():
        key = [c.name for c in t.metadata.tables[name].primary_key.columns]
        assert key, name
        assert key[0] == column, f"{name}: primary key {key} does not lead with {column}"


def test_the_scaling_document_names_every_hot_table() -> None:
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "scaling.md").read_text(encoding="utf-8")
    missing = [name for name in HOT_TABLES if f"`{name}`" not in text]
    assert not missing, missing

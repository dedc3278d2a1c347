"""``one_read``: the sections of a page read one snapshot in one transaction (issue 18's
quota page), a write through it is refused, and a section's own error leaves it usable."""

from __future__ import annotations

import pytest

import creditline
from creditline import NotFound, ReadOnlySnapshot, one_read
from creditline.adapters.db.database import SqlDatabase
from creditline.service.quota import spending
from tests.helpers import active_line


def test_every_section_reads_the_same_snapshot(db: SqlDatabase, db_url: str) -> None:
    from creditline.entrypoints.bootstrap import open_database

    _, line = active_line(db, limit="5000.00")
    with open_database(db_url) as other, one_read(db) as snap:
        before = creditline.show_line(snap, line).body["available"]
        # Another connection spends while the page is being read.
        spent = spending.authorize(other, line, amount="10.00", purpose="procurement", key="s1")
        assert not spent.refused
        assert creditline.show_line(snap, line).body["available"] == before
        assert creditline.line_exposure(snap, line).body["held"] == "0.00"
    assert creditline.show_line(db, line).body["available"] != before


def test_a_write_through_a_snapshot_is_refused_and_a_section_error_leaves_it_usable(
    db: SqlDatabase,
) -> None:
    _, line = active_line(db)
    with one_read(db) as snap:
        with pytest.raises(ReadOnlySnapshot):
            spending.authorize(snap, line, amount="1.00", purpose="procurement", key="w1")
        with pytest.raises(NotFound):
            creditline.show_line(snap, "line_nosuchline")
        assert creditline.show_line(snap, line).body["id"] == line
    assert creditline.show_line(db, line).body["held"] == "0.00"

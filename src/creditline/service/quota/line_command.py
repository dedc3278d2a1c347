"""The frame of every command on one line (额度): its transaction, its lock, its time, its key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from creditline.domain.money import Money
from creditline.service.idempotency import Answer, run_once
from creditline.service.quota.quota_ports import LockedLine
from creditline.service.uow import Database, UnitOfWork


@dataclass(frozen=True, slots=True)
class LineCommand:
    """One request on a line, inside its transaction and under the line's row lock."""

    uow: UnitOfWork
    line: LockedLine
    key: str | None
    now: datetime

    def amount(self, text: str) -> Money:
        """``text`` in the line's currency (its shape was checked before any I/O)."""
        return Money.parse(text, self.line.state.currency)

    def run(self, command: str, params: dict[str, Any], effect: Callable[[], Answer]) -> Answer:
        """Run ``effect`` once for the key, replaying the first answer (read with the lock)."""
        return run_once(
            self.uow,
            scope=self.line.state.id,
            key=self.key,
            command=command,
            params=params,
            effect=effect,
            now=self.now,
            locked=self.line,
        )


@contextmanager
def line_command(
    db: Database, line_id: str, key: str | None, *, spend: bool = False
) -> Iterator[LineCommand]:
    """Open the command's transaction with the line locked and the key's stored answer read
    in the same statement. What the block reads before ``run`` (the hold, the amount in the
    line's currency) may still refuse bad input, which is never stored under the key.
    ``spend``: the command scores a spend (the store may read its history with the lock)."""
    with db.transaction() as uow:
        locked = uow.lines.lock_line(line_id, key, for_spend=spend)
        yield LineCommand(uow, locked, key, uow.reference.now())

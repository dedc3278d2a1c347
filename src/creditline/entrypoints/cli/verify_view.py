"""``creditline ledger verify``: runs the verification with a progress bar and a verdict."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import creditline
from creditline.entrypoints.cli.output import console

if TYPE_CHECKING:
    from creditline import Database, VerifyReport


def run_verify(db: Database, *, show_progress: bool) -> dict[str, Any]:
    if show_progress:
        from rich.progress import Progress

        with Progress(console=console(), transient=True) as progress:
            task = progress.add_task("verifying ledger 校验账本", total=None)
            report = creditline.verify_ledger(db, lambda n: progress.advance(task, n))
    else:
        report = creditline.verify_ledger(db)
    if show_progress:
        _render(report)
    return report.to_json()


def _render(report: VerifyReport) -> None:
    out = console()
    if not report.trust.anchored:
        # Whoever can write the database can also record a key and sign with it: say so.
        out.print(
            "[yellow]! signatures checked with the keys recorded in the database only "
            "仅用数据库内记录的公钥校验签名[/yellow]: set $CREDITLINE_LEDGER_PUBLIC_KEY "
            "(or have the key file) to trust a key from outside it."
        )
    if report.ok:
        out.print(
            f"[green]✓ ledger verified 账本校验通过[/green]: {report.lines} lines, "
            f"{report.funds_books} funds books, {report.transfers} transfers, every chain "
            f"intact and matching its {report.checkpoints} signed checkpoints, every balance "
            "derived, every hold, occupancy and payout matching its transfers."
        )
        return
    bad = report.problems[0]
    book = "line" if "line" in bad else "funds"
    out.print(
        f"[red]✗ ledger does NOT verify 账本校验失败[/red]: {len(report.problems)} problem(s); "
        f"first bad row: {book} {bad[book]} seq {bad['seq']}: {bad['problem']}"
    )

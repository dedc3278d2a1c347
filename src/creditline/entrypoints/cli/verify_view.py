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
    if report.ok:
        console().print(
            f"[green]✓ ledger verified 账本校验通过[/green]: {report.lines} lines, "
            f"{report.transfers} transfers, every chain intact, every balance derived."
        )
        return
    bad = report.problems[0]
    console().print(
        f"[red]✗ ledger does NOT verify 账本校验失败[/red]: {len(report.problems)} problem(s); "
        f"first bad row: line {bad['line']} seq {bad['seq']}: {bad['problem']}"
    )

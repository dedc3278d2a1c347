"""The domain layer reads no clock and opens no file; import-linter checks the imports."""

from __future__ import annotations

import re
from pathlib import Path

import creditline.domain

DOMAIN = Path(creditline.domain.__file__).parent
FORBIDDEN = re.compile(r"\.now\(|\.today\(|\butcnow\(|\btime\.time\(|\bopen\(|\.read_text\(")


def test_domain_rules_read_no_clock_and_open_no_file() -> None:
    offenders = [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(DOMAIN.glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert offenders == []


def test_no_float_in_money_code() -> None:
    """Money is integer minor units; no float() anywhere in the rules or the use cases."""
    roots = [DOMAIN, DOMAIN.parent / "service"]
    offenders = [
        f"{path.name}:{n}"
        for root in roots
        for path in sorted(root.glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bfloat\(", line)
    ]
    assert offenders == []

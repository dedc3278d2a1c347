"""Scorecard versions kept as JSON files in a folder, each written once, atomically (a
temporary file renamed into place): ``scorecard-v1.json``... for the consumer card (the names
it always had) and ``scorecard-merchant-v1.json``... for the merchant card.

Version 0 of each kind is the card shipped inside the package, in this folder
(``scorecard-v0.json``, ``scorecard-merchant-v0.json``, made by ``creditline scorecard train
--kind K --shipped``): a store falls back on it while its folder keeps no version of that kind,
so assessments work on a fresh clone without training."""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

#: Where the shipped cards (version 0) are: beside this module.
SHIPPED = Path(__file__).parent
_PREFIX = {"consumer": "scorecard", "merchant": "scorecard-merchant"}


def file_name(kind: str, version: int) -> str:
    return f"{_PREFIX[kind]}-v{version}.json"


class FolderStore:
    """The ``ScorecardStore`` port on a folder; ``shipped``: the folder of the version-0
    cards (None: no fallback)."""

    def __init__(self, folder: Path, shipped: Path | None = None) -> None:
        self.folder = folder
        self.shipped = shipped

    def versions(self, kind: str = "consumer") -> list[int]:
        if not self.folder.is_dir():
            return []
        name = re.compile(rf"^{re.escape(_PREFIX[kind])}-v(\d+)\.json$")
        found = (name.match(p.name) for p in self.folder.iterdir())
        return sorted(v for v in (int(m.group(1)) for m in found if m) if v > 0)

    def save(self, version: int, artefact: dict[str, Any], kind: str = "consumer") -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / file_name(kind, version)
        if target.exists() and version != 0:
            raise FileExistsError(f"{target} exists: a version is written once")
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(artefact, out, ensure_ascii=False, indent=1)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        Path(tmp).chmod(0o644)  # a scorecard is no secret: the package ships two
        Path(tmp).replace(target)
        if version == 0:
            _read.cache_clear()

    def load(self, version: int, kind: str = "consumer") -> dict[str, Any] | None:
        path = self.folder / file_name(kind, version)
        if version == 0 and self.shipped is not None and not path.is_file():
            path = self.shipped / file_name(kind, 0)
        if not path.is_file():
            return None
        found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return found


@functools.cache
def _read(path: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return found


def shipped_scorecard(kind: str) -> dict[str, Any]:
    """The card of ``kind`` shipped with the package (read once per process)."""
    return _read(SHIPPED / file_name(kind, 0))

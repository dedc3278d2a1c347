"""Scorecard versions kept as JSON files in a folder (``scorecard-v1.json``...), each written
once, atomically (a temporary file renamed into place)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

NAME = re.compile(r"^scorecard-v(\d+)\.json$")


class FolderStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def versions(self) -> list[int]:
        if not self.folder.is_dir():
            return []
        found = (NAME.match(p.name) for p in self.folder.iterdir())
        return sorted(int(m.group(1)) for m in found if m)

    def save(self, version: int, artefact: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"scorecard-v{version}.json"
        if target.exists():
            raise FileExistsError(f"{target} exists: a version is written once")
        fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(artefact, out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())
        Path(tmp).replace(target)

    def load(self, version: int) -> dict[str, Any] | None:
        path = self.folder / f"scorecard-v{version}.json"
        if not path.is_file():
            return None
        found: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return found

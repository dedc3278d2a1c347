"""Use cases for scorecards (评分卡): train one (a new version each time, never overwritten)
and show a version's points table. Fitting is a port (``ScorecardFitter``: optbinning in
production) and so is where the versions are kept (``ScorecardStore``), both wired by
``entrypoints/bootstrap.py``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from creditline.domain.errors import InvalidInput, NotFound
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer


class ScorecardFitter(Protocol):
    def __call__(self, data: Path | None) -> dict[str, Any]:
        """A fitted scorecard as a JSON-ready artefact (bins, points, metrics, libraries),
        on ``data`` (a CSV) or the shipped data set."""


class ScorecardStore(Protocol):
    def versions(self) -> list[int]:
        """The versions kept, ascending."""

    def save(self, version: int, artefact: dict[str, Any]) -> None:
        """Keep ``artefact`` as ``version`` (a version is written once)."""

    def load(self, version: int) -> dict[str, Any] | None:
        """The artefact of ``version``, or None."""


def train_scorecard(
    store: ScorecardStore, fit: ScorecardFitter, *, at: datetime, data: str | None = None
) -> Answer:
    """Fit a scorecard and keep it as the next version."""
    path = None
    if data is not None:
        path = Path(data)
        if not path.is_file():
            raise InvalidInput("data", f"data: no such file {data!r}")
    try:
        artefact = fit(path)
    except (ValueError, KeyError) as exc:
        raise InvalidInput("data", f"data: cannot fit a scorecard on it: {exc}") from exc
    version = max(store.versions(), default=0) + 1
    artefact = {"object": "scorecard", "version": version, "trained_at": iso_local(at)} | artefact
    store.save(version, artefact)
    return Answer(artefact)


def show_scorecard(store: ScorecardStore, version: int | None = None) -> Answer:
    """A kept scorecard (the latest without ``version``)."""
    kept = store.versions()
    if version is None:
        if not kept:
            raise NotFound("version", "no scorecard yet: run `creditline scorecard train`")
        version = kept[-1]
    if version < 1:
        raise InvalidInput("version", "version must be 1 or more")
    found = store.load(version)
    if found is None:
        raise NotFound("version", f"version: no scorecard {version}")
    return Answer(found)

"""Use cases for scorecards (评分卡): train one (a new version each time, never overwritten)
and show a version's points table. Fitting is a port (``ScorecardFitter``: optbinning in
production) and so is where the versions are kept (``ScorecardStore``), both wired by
``entrypoints/bootstrap.py``.

There are two kinds of card, each with its own versions: ``consumer`` (fitted on the German
credit data) and ``merchant`` (fitted on a simulated merchant population, and marked so).
Version 0 of each kind is the card shipped inside the package: what ``show`` and the
assessments use while the store keeps no trained version of that kind."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from creditline.domain.errors import InvalidInput, NotFound
from creditline.domain.workdays import iso_local
from creditline.service.idempotency import Answer

KINDS = ("consumer", "merchant")


class ScorecardFitter(Protocol):
    def __call__(self, data: Path | None) -> dict[str, Any]:
        """A fitted scorecard as a JSON-ready artefact (bins, points, metrics, libraries),
        on ``data`` (a CSV) or the kind's own data set."""


class ScorecardStore(Protocol):
    def versions(self, kind: str = "consumer") -> list[int]:
        """The trained versions kept of ``kind``, ascending (not the shipped version 0)."""

    def save(self, version: int, artefact: dict[str, Any], kind: str = "consumer") -> None:
        """Keep ``artefact`` as ``version`` of ``kind`` (a version is written once; version 0
        is the shipped card, rewritten only by ``train --shipped``)."""

    def load(self, version: int, kind: str = "consumer") -> dict[str, Any] | None:
        """The artefact of ``version`` of ``kind`` (0: the shipped one), or None."""


def parse_kind(kind: str) -> str:
    if kind not in KINDS:
        raise InvalidInput("kind", f"kind must be one of {', '.join(KINDS)}")
    return kind


def train_scorecard(
    store: ScorecardStore,
    fit: ScorecardFitter,
    *,
    at: datetime,
    data: str | None = None,
    kind: str = "consumer",
    shipped: bool = False,
) -> Answer:
    """Fit a scorecard of ``kind`` and keep it as its next version (``shipped``: as version 0,
    the card the package ships)."""
    parse_kind(kind)
    path = None
    if data is not None:
        path = Path(data)
        if not path.is_file():
            raise InvalidInput("data", f"data: no such file {data!r}")
    try:
        artefact = fit(path)
    except (ValueError, KeyError) as exc:
        raise InvalidInput("data", f"data: cannot fit a scorecard on it: {exc}") from exc
    version = 0 if shipped else max(store.versions(kind), default=0) + 1
    head = {"object": "scorecard", "kind": kind, "version": version, "trained_at": iso_local(at)}
    artefact = head | artefact | {"kind": kind}
    store.save(version, artefact, kind)
    return Answer(artefact)


def latest_scorecard(store: ScorecardStore, kind: str = "consumer") -> dict[str, Any] | None:
    """The latest trained card of ``kind``, else the shipped one, else None."""
    kept = store.versions(kind)
    return store.load(kept[-1] if kept else 0, kind)


def show_scorecard(
    store: ScorecardStore, version: int | None = None, kind: str = "consumer"
) -> Answer:
    """A kept scorecard of ``kind`` (the latest without ``version``; while none is trained,
    the shipped one, version 0)."""
    parse_kind(kind)
    if version is None:
        found = latest_scorecard(store, kind)
        if found is None:
            raise NotFound("version", "no scorecard yet: run `creditline scorecard train`")
        return Answer(found)
    if version < 0 or (version == 0 and store.load(0, kind) is None):
        raise InvalidInput("version", "version must be 1 or more")
    found = store.load(version, kind)
    if found is None:
        raise NotFound("version", f"version: no {kind} scorecard {version}")
    return Answer(found)

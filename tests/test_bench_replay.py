"""The ceiling bench's replay (``bench/replay.py``): our spends' driver calls, made again with
a bare connection on a copy of the database, end with the same rows; a replay that writes
less is caught. Without this the ceiling it prints would not be the cost of our writes."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
authorize: Any = importlib.import_module("authorize")
replay: Any = importlib.import_module("replay")


def _server(request: pytest.FixtureRequest, backend: str) -> str:
    return str(request.getfixturevalue("postgres_server")) if backend == "postgresql" else ""


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_replay_writes_what_the_spends_wrote(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    with replay.recording() as events:
        pass
    assert events == []  # nothing is noted outside a recording
    ms = replay.replayed_ms(backend, authorize.ours_op, 4, _server(request, backend), str(tmp_path))
    assert ms > 0
    kinds = {event[0] for event in replay.LOG.events}
    assert {"execute", "commit"} <= kinds
    if backend == "postgresql":
        assert {"enter", "exit"} <= kinds  # the hot path's pipelines were recorded and replayed


def test_a_replay_that_writes_less_is_caught(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = replay.replay

    def half(conn: Any, events: list[Any]) -> float:
        commits = [i for i, event in enumerate(events) if event[0] == "commit"]
        return float(whole(conn, events[: commits[len(commits) // 2] + 1]))

    monkeypatch.setattr(replay, "replay", half)
    with pytest.raises(RuntimeError, match="the original"):
        replay.replayed_ms("sqlite", authorize.ours_op, 4, "", str(tmp_path))

"""The risk engine (风控): rule sets as versioned documents, the features a rule may name, the
review queue (人工审核) and its decisions, cash-out ring detection (套现团伙) and backtests.

Access: everything here is for operators. A holder's key is a 403 even for the reads: the
live rules and thresholds, and other holders' held events, are not for the people they judge.
Loading rules is ``risk.rules``, deciding ``risk.decide`` (the decision names its operator),
rings and backtests ``risk.analyse`` (a backtest writes nothing but is audited: who replayed
which rules)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

import creditline
from creditline import Answer, InvalidInput
from creditline.entrypoints.api.bodies import (
    BacktestIn,
    DecisionIn,
    Limit,
    ModelIn,
    RingsIn,
    RulesIn,
    StartingAfter,
    operators_only,
)
from creditline.entrypoints.api.calls import Caller, page
from creditline.entrypoints.api.models import ERRORS, REFUSABLE

router = APIRouter(prefix="/v1/risk", tags=["risk"])
DecisionId = Annotated[str, Path(max_length=64, examples=["dec_5f2a9c1e0b7d4a33"])]
Call = Annotated[Caller, Depends(Caller)]
#: The queue is read whole (the use case's most) and paged here.
QUEUE_MOST = 1000


def parse_when(text: str | None, field: str) -> datetime | None:
    """A date (midnight Beijing time) or an ISO 8601 time with its offset."""
    if text is None:
        return None
    if len(text) == 10:
        try:
            day = datetime.fromisoformat(text).date()
        except ValueError:
            raise InvalidInput(field, f"{field} must be a date YYYY-MM-DD or an ISO time") from None
        return datetime.combine(day, time(0), creditline.SHANGHAI)
    return creditline.parse_instant(text, field)


@router.get("/rules", responses=ERRORS, summary="The live rule set (风控规则), or one version")
def show_rules(
    call: Call,
    version: Annotated[
        int | None, Query(ge=0, le=2**31, description="0 is the default", examples=[0])
    ] = None,
) -> JSONResponse:
    operators_only(call.principal, "the risk rules")
    return call.read(lambda db: creditline.show_rules(db, version=version))


@router.post(
    "/rules",
    responses=REFUSABLE,
    summary="Check a rule set and make it live (a new version); errors name line and column",
)
def load_rules(body: RulesIn, call: Call) -> JSONResponse:
    return call.write(
        "risk.rules",
        lambda db, key: creditline.load_rules(db, body.text, note=body.note, key=key),
        target="rule set",
        note=body.note,
        native_key=True,
    )


@router.get("/features", responses=ERRORS, summary="Every feature a rule may name")
def list_features(call: Call) -> JSONResponse:
    operators_only(call.principal, "the risk features")
    return call.read(lambda _db: creditline.features())


@router.get(
    "/queue",
    responses=ERRORS,
    summary="Events held for an operator's review (待审核), oldest first",
)
def review_queue(
    call: Call,
    limit: Limit = 10,
    starting_after: StartingAfter = None,
    features: Annotated[
        bool, Query(description="each decision with the features it was scored on")
    ] = False,
) -> JSONResponse:
    operators_only(call.principal, "the review queue")

    def run(db: creditline.Database) -> Answer:
        use = creditline.review_queue if features else creditline.queue
        items = use(db, limit=QUEUE_MOST).body["pending"]
        url = "/v1/risk/queue"
        return Answer(page(items, limit=limit, starting_after=starting_after, url=url))

    return call.read(run)


@router.post(
    "/decisions/{decision_id}",
    responses=REFUSABLE,
    summary="Approve or decline an event held for review; it labels the event for backtests",
)
def decide(decision_id: DecisionId, body: DecisionIn, call: Call) -> JSONResponse:
    by = call.principal.name
    return call.write(
        "risk.decide",
        lambda db, key: creditline.decide(
            db, decision_id, verdict=body.verdict, by=by, note=body.note, key=key
        ),
        target=decision_id,
        note=body.note,
        native_key=True,
    )


@router.post(
    "/rings/run",
    responses=REFUSABLE,
    summary="Find cash-out rings (套现团伙): members, evidence, score; one case per new ring",
)
def run_rings(call: Call, body: RingsIn | None = None) -> JSONResponse:
    call.principal.require("risk.analyse")
    since_text = None if body is None else body.since
    since = parse_when(since_text, "since")
    return call.write(
        "risk.analyse",
        lambda db, _key: creditline.rings(db, since=since),
        target=since_text or "all",
        body={} if body is None else body.model_dump(),
    )


RINGS_READ = 200  # the most rings the use case lists


@router.get(
    "/rings",
    responses=ERRORS,
    summary="The cash-out rings found so far, with which member holds which shared identifier",
)
def list_rings(call: Call, limit: Limit = 10, starting_after: StartingAfter = None) -> JSONResponse:
    operators_only(call.principal, "the rings")

    def run(db: creditline.Database) -> Answer:
        # the rings kept are few (the use case reads at most its MAX_RINGS, last seen first):
        # paged here, in that order, after ``starting_after``
        found = creditline.list_rings(db, limit=RINGS_READ).body["data"]
        return Answer(page(found, limit=limit, starting_after=starting_after, url="/v1/risk/rings"))

    return call.read(run)


@router.post(
    "/backtests",
    responses=REFUSABLE,
    summary="Replay stored history under a candidate rule set; nothing is written",
)
def backtest(body: BacktestIn, call: Call) -> JSONResponse:
    call.principal.require("risk.analyse")
    start, end = parse_when(body.start, "start"), parse_when(body.end, "end")
    return call.write(
        "risk.analyse",
        lambda db, _key: creditline.backtest(db, body.text, start=start, end=end, model=body.model),
        target="backtest",
        body=body.model_dump(),
    )


@router.get(
    "/models",
    responses=ERRORS,
    summary="The live learned model (机器学习风控模型), or one version: features, training",
)
def show_model(
    call: Call,
    version: Annotated[
        int | None, Query(ge=0, le=1_000_000, description="0 is the shipped model")
    ] = None,
) -> JSONResponse:
    operators_only(call.principal, "the risk model")
    return call.read(lambda db: creditline.show_model(db, version=version))


@router.post(
    "/models",
    responses=REFUSABLE,
    summary="Load a learned model document as the next live version",
)
def load_model(body: ModelIn, call: Call) -> JSONResponse:
    return call.write(
        "risk.rules",
        lambda db, key: creditline.load_model(db, body.document, note=body.note, key=key),
        target="model",
        note=body.note,
        native_key=True,
    )


@router.get(
    "/scorecard",
    responses=ERRORS,
    summary="The credit scorecard (评分卡): its points table, metrics and how it was made",
)
def show_scorecard(
    call: Call,
    version: Annotated[
        int | None, Query(ge=1, le=1_000_000, description="default: the latest")
    ] = None,
    kind: Annotated[
        str,
        Query(
            max_length=16,
            description="consumer (German credit data) or merchant (fitted on simulated data)",
        ),
    ] = "consumer",
) -> JSONResponse:
    operators_only(call.principal, "the scorecard")
    from creditline.entrypoints.bootstrap import scorecard_store

    store = scorecard_store(None)
    return call.read(lambda _db: creditline.show_scorecard(store, version, kind))

"""Routes of batch analytics (批量分析): the jobs, and a run of them over the staged ledger on
DuckDB (embedded) or Apache Spark (at ``$CREDITLINE_SPARK_MASTER``, else ``local[2]``).

Access: operators with ``risk.analyse`` (the jobs read every holder's activity). A run writes
nothing but is audited, like a backtest, and one runs at a time per server (409 while one
does; the scale is at most 10 here). A caller cannot point the server at a Spark cluster:
the master is the server's own setting, and so is where a run stages the ledger (a temporary
folder inside ``$CREDITLINE_ANALYTICS_STAGE``, storage the cluster's executors read). Rows
answer money in integer minor units, as every answer does (the job's ``money`` lists those
columns), and times in seconds since the epoch."""

from __future__ import annotations

import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import Field, StrictStr

import creditline
from creditline import Answer, Conflict
from creditline.entrypoints import bootstrap
from creditline.entrypoints.api.bodies import operators_only
from creditline.entrypoints.api.calls import Caller
from creditline.entrypoints.api.models import ERRORS, REFUSABLE, Body

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])
Call = Annotated[Caller, Depends(Caller)]
JobName = Annotated[StrictStr, Field(min_length=1, max_length=40, examples=["money_cycles"])]


class AnalyticsRunIn(Body):
    jobs: list[JobName] | None = Field(
        default=None, max_length=20, description="the jobs to run (all of them by default)"
    )
    engine: Literal["duckdb", "spark"] = Field(
        default="duckdb", description="duckdb (embedded) or spark (the server's Spark master)"
    )
    scale: int = Field(default=1, ge=1, le=10, description="copies of the data to run on")
    limit: int = Field(default=20, ge=0, le=1000, description="rows listed per job")


@router.get("/jobs", responses=ERRORS, summary="The batch jobs: what each serves, its columns")
def list_jobs(call: Call) -> JSONResponse:
    operators_only(call.principal, "the analytics jobs")
    return call.read(
        lambda _db: Answer({"object": "list", "data": creditline.analytics_jobs()}),
        action="risk.analyse",
    )


#: One run at a time per server process: a run stages the ledger and loads it into memory, and
#: the authorisations on the same server come first.
_ONE_RUN = threading.Semaphore(1)


def run_body(db: creditline.Database, body: AnalyticsRunIn) -> Answer:
    """One run, staged in a temporary folder that is removed with the answer; ``Conflict``
    (409) while another run is in progress on this server."""
    if not _ONE_RUN.acquire(blocking=False):
        raise Conflict("an analytics run is in progress on this server: retry when it ends")
    try:
        answer: Answer = bootstrap.analytics_run(
            db, engine=body.engine, jobs=body.jobs, scale=body.scale, listed=body.limit
        )
    finally:
        _ONE_RUN.release()
    return answer


@router.post(
    "/runs",
    responses=REFUSABLE,
    summary="Run the batch jobs over the staged ledger on DuckDB or Spark; nothing is written",
)
def run_jobs(call: Call, body: AnalyticsRunIn | None = None) -> JSONResponse:
    call.principal.require("risk.analyse")
    asked = body or AnalyticsRunIn()
    return call.write(
        "risk.analyse",
        lambda db, _key: run_body(db, asked),
        target=",".join(asked.jobs or ["all"]),
        body=asked.model_dump(),
    )

"""Webhook endpoints (回调通知): subscribe a URL to event types (the secret is shown once), see
each delivery attempt, redeliver an event."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

import creditline
from creditline.entrypoints.api.calls import Caller, page
from creditline.entrypoints.api.models import ERRORS, WebhookEndpointIn, WebhookEndpointUpdate

router = APIRouter(prefix="/v1", tags=["webhooks"])
EndpointId = Annotated[str, Path(max_length=64, examples=["we_5f2a9c1e0b7d4a33"])]
Call = Annotated[Caller, Depends(Caller)]


@router.post(
    "/webhook_endpoints",
    responses=ERRORS,
    summary="Subscribe a URL to event types; the answer carries the signing `secret`, once",
)
def create_endpoint(body: WebhookEndpointIn, call: Call) -> JSONResponse:
    return call.write(
        "webhooks.write",
        lambda db, _key: creditline.add_endpoint(
            db, body.url, list(body.enabled_events), description=body.description
        ),
        target=body.url,
        body=body.model_dump(),
    )


@router.get("/webhook_endpoints", responses=ERRORS, summary="Every webhook endpoint")
def list_endpoints(
    call: Call,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    starting_after: Annotated[str | None, Query(max_length=64)] = None,
) -> JSONResponse:
    call.principal.require("webhooks.write")
    items = creditline.list_endpoints(call.db).body["data"]
    return JSONResponse(
        page(items, limit=limit, starting_after=starting_after, url="/v1/webhook_endpoints")
    )


@router.get("/webhook_endpoints/{endpoint_id}", responses=ERRORS, summary="A webhook endpoint")
def get_endpoint(endpoint_id: EndpointId, call: Call) -> JSONResponse:
    return call.read(lambda db: creditline.show_endpoint(db, endpoint_id), action="webhooks.write")


@router.post(
    "/webhook_endpoints/{endpoint_id}",
    responses=ERRORS,
    summary="Change an endpoint: its URL, its events, enable or disable it",
)
def update_endpoint(
    endpoint_id: EndpointId, body: WebhookEndpointUpdate, call: Call
) -> JSONResponse:
    events = None if body.enabled_events is None else list(body.enabled_events)
    return call.write(
        "webhooks.write",
        lambda db, _key: creditline.update_endpoint(
            db, endpoint_id, status=body.status, enabled_events=events, url=body.url
        ),
        target=endpoint_id,
        body=body.model_dump(),
    )


@router.get(
    "/webhook_endpoints/{endpoint_id}/attempts",
    responses=ERRORS,
    summary="The endpoint's delivery attempts, newest first",
)
def list_attempts(
    endpoint_id: EndpointId,
    call: Call,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> JSONResponse:
    return call.read(
        lambda db: creditline.list_attempts(db, endpoint_id, after=after, limit=limit),
        action="webhooks.write",
    )


@router.post(
    "/webhook_endpoints/{endpoint_id}/events/{event_id}/redeliver",
    responses=ERRORS,
    summary="Send an event to the endpoint again",
)
def redeliver(
    endpoint_id: EndpointId,
    event_id: Annotated[int, Path(ge=1, le=2**62)],
    call: Call,
) -> JSONResponse:
    return call.write(
        "webhooks.write",
        lambda db, _key: creditline.redeliver(db, endpoint_id, event_id),
        target=f"{endpoint_id}/{event_id}",
        body={"event": event_id},
    )

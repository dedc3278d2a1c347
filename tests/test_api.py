"""The HTTP API's conventions (Stripe's), on SQLite and PostgreSQL: minor units and object
types, idempotency, errors in one shape, access by key and role, bad input refused with
nothing written, request ids, health and metrics."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import creditline
from tests.api_helpers import World, make_world


@pytest.fixture
def w(db) -> Iterator[World]:
    world = make_world(db)
    yield world
    world.client.close()


def spend(
    w: World, who: str, line: str, amount: int = 10000, purpose: str = "procurement", **h: str
):
    return w.post(
        who,
        f"/v1/lines/{line}/authorizations",
        {"amount": amount, "currency": "CNY", "purpose": purpose},
        **h,
    )


def test_a_line_in_minor_units_with_its_object_type_and_a_request_id(w):
    r = w.get("alice", f"/v1/lines/{w.lines['alice']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "line"
    assert body["id"] == w.lines["alice"]
    assert body["limit"] == 10_000_000  # 100000.00 CNY in fen
    assert body["available"] == 10_000_000
    assert body["currency"] == "CNY"
    assert r.headers["Request-Id"].startswith("req_")


def test_a_spend_holds_quota_and_a_replay_gives_the_first_response(w):
    line = w.lines["alice"]
    first = spend(w, "alice", line, 10000, **{"Idempotency-Key": "order-1"})
    assert first.status_code == 200, first.text
    hold = first.json()
    assert hold["amount"] == 10000
    again = spend(w, "alice", line, 10000, **{"Idempotency-Key": "order-1"})
    assert again.status_code == 200
    assert again.json()["id"] == hold["id"]
    line_now = w.get("alice", f"/v1/lines/{line}").json()
    assert line_now["held"] == 10000
    other = spend(w, "alice", line, 20000, **{"Idempotency-Key": "order-1"})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"


def test_a_declined_spend_is_a_402_with_its_reasons_and_replays_as_402(w):
    line = w.lines["alice"]
    r = spend(w, "alice", line, 10000, "withdraw_cash", **{"Idempotency-Key": "cash-1"})
    assert r.status_code == 402, r.text
    body = r.json()
    assert body["error"]["type"] == "refused"
    assert body["error"]["decline_code"] == "purpose_forbidden"
    assert body["authorization"]["status"] == "declined"
    codes = [reason["code"] for reason in body["reasons"]]
    assert "purpose_forbidden" in codes
    assert all("message_zh" in reason and "message_en" in reason for reason in body["reasons"])
    again = spend(w, "alice", line, 10000, "withdraw_cash", **{"Idempotency-Key": "cash-1"})
    assert again.status_code == 402
    assert again.json() == body


def test_the_diagnosis_takes_minor_units(w):
    r = w.get(
        "alice", f"/v1/lines/{w.lines['alice']}/diagnosis?amount=50000000&purpose=procurement"
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ok"] is False
    assert body["amount"] == 50_000_000
    assert "insufficient_available" in [reason["code"] for reason in body["reasons"]]


def test_another_holders_line_is_exactly_as_missing_as_no_line(w):
    theirs = w.get("alice", f"/v1/lines/{w.lines['bob']}")
    missing = w.get("alice", "/v1/lines/line_0000000000000000")
    assert theirs.status_code == missing.status_code == 404
    unnamed = theirs.text.replace(w.lines["bob"], "line_0000000000000000")
    assert unnamed == missing.text
    r = spend(w, "alice", w.lines["bob"])
    assert r.status_code == 404
    assert w.get("bob", f"/v1/lines/{w.lines['bob']}").status_code == 200


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer "])
def test_no_key_or_a_wrong_key_is_a_401(w, header):
    headers = {} if header is None else {"Authorization": header}
    r = w.client.get(f"/v1/lines/{w.lines['alice']}", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["type"] == "authentication_error"


def test_a_revoked_key_is_a_401(w):
    fresh = creditline.create_key(w.db, party=w.parties["alice"]).body
    creditline.revoke_key(w.db, fresh["id"])
    r = w.client.get(
        f"/v1/lines/{w.lines['alice']}", headers={"Authorization": f"Bearer {fresh['key']}"}
    )
    assert r.status_code == 401


def test_a_role_that_is_not_allowed_is_a_403_naming_the_role(w):
    frozen = w.post(
        "risk", f"/v1/lines/{w.lines['alice']}/freezes", {"reason": "risk", "note": "ring"}
    )
    assert frozen.status_code == 200, frozen.text
    lift = w.post("risk", f"/v1/freezes/{frozen.json()['id']}/lift", {"note": "cleared"})
    assert lift.status_code == 403
    assert lift.json()["error"]["required_roles"] == ["operations"]
    by_holder = w.post("alice", f"/v1/freezes/{frozen.json()['id']}/lift", {"note": "x"})
    assert by_holder.status_code == 403
    ok = w.post("ops", f"/v1/freezes/{frozen.json()['id']}/lift", {"note": "cleared"})
    assert ok.status_code == 200, ok.text


def test_operator_actions_are_audited_with_the_request_id(w):
    r = w.post("risk", f"/v1/lines/{w.lines['bob']}/freezes", {"reason": "risk", "note": "ring"})
    assert r.status_code == 200, r.text
    records = creditline.list_audit(w.db).body["data"]
    mine = [a for a in records if a["action"] == "freeze.add"]
    assert len(mine) == 1
    assert mine[0]["actor"] == "risk"
    assert mine[0]["target"] == w.lines["bob"]
    assert mine[0]["note"] == "ring"
    assert mine[0]["request_id"] == r.headers["Request-Id"]


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        (
            {"amount": 100.5, "currency": "CNY", "purpose": "procurement"},
            "parameter_invalid",
            "amount",
        ),
        (
            {"amount": "100", "currency": "CNY", "purpose": "procurement"},
            "parameter_invalid",
            "amount",
        ),
        ({"amount": 0, "currency": "CNY", "purpose": "procurement"}, "parameter_invalid", "amount"),
        (
            {"amount": True, "currency": "CNY", "purpose": "procurement"},
            "parameter_invalid",
            "amount",
        ),
        ({"currency": "CNY", "purpose": "procurement"}, "parameter_missing", "amount"),
        ({"amount": 1, "purpose": "procurement", "tip": 1}, "parameter_unknown", "tip"),
        (
            {"amount": 1, "currency": "EUR", "purpose": "procurement"},
            "parameter_invalid",
            "currency",
        ),
        ({"amount": 1, "currency": "HKD", "purpose": "procurement"}, "invalid_input", "currency"),
    ],
)
def test_bad_bodies_are_a_400_naming_the_field_and_write_nothing(w, body, code, param):
    line = w.lines["alice"]
    r = w.post("alice", f"/v1/lines/{line}/authorizations", body)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert (error["code"], error["param"]) == (code, param)
    assert w.get("alice", f"/v1/lines/{line}").json()["held"] == 0


def test_malformed_json_oversized_bodies_and_unknown_routes(w):
    line = w.lines["alice"]
    headers = w.headers("alice", **{"Content-Type": "application/json"})
    r = w.client.post(f"/v1/lines/{line}/authorizations", content=b"{nope", headers=headers)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_json"
    big = b'{"amount": 1, "purpose": "' + b"x" * (1024 * 1024 + 10) + b'"}'
    r = w.client.post(f"/v1/lines/{line}/authorizations", content=big, headers=headers)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "body_too_large"
    r = w.get("alice", "/v1/nothing-here")
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "route_missing"
    assert "Request-Id" in r.headers
    assert w.get("alice", f"/v1/lines/{line}").json()["held"] == 0


def test_an_idempotency_key_over_255_characters_is_refused(w):
    r = spend(w, "alice", w.lines["alice"], **{"Idempotency-Key": "k" * 256})
    assert r.status_code == 400
    assert r.json()["error"]["param"] in {"key", "Idempotency-Key"}


def test_health_readiness_and_metrics(w):
    assert w.client.get("/healthz").json() == {"ok": True}
    ready = w.client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    spend(w, "alice", w.lines["alice"])
    text = w.client.get("/metrics").text
    assert "creditline_authorizations_total" in text
    assert "creditline_http_request_duration_seconds_bucket" in text
    assert "creditline_outbox_backlog" in text


def test_a_webhook_endpoint_shows_its_secret_once(w):
    r = w.post(
        "root",
        "/v1/webhook_endpoints",
        {"url": "https://example.com/h", "enabled_events": ["freeze.added"]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "webhook_endpoint"
    assert body["secret"].startswith("whsec_")
    listed = w.get("root", "/v1/webhook_endpoints").json()
    assert listed["object"] == "list"
    assert "secret" not in listed["data"][0]
    assert (
        w.post(
            "alice", "/v1/webhook_endpoints", {"url": "https://e.com", "enabled_events": ["*"]}
        ).status_code
        == 403
    )


def test_the_openapi_document_describes_every_path_with_its_errors(w):
    doc = w.client.get("/openapi.json").json()
    paths = doc["paths"]
    assert "/v1/lines/{line_id}" in paths
    assert "/v1/lines/{line_id}/authorizations" in paths
    assert "/v1/lines/{line_id}/diagnosis" in paths
    assert "/v1/webhook_endpoints" in paths
    for path, methods in paths.items():
        if not path.startswith("/v1/"):
            continue
        for method, op in methods.items():
            assert {"400", "401", "403", "404"} <= set(op["responses"]), (path, method)


def test_a_holder_cannot_free_its_quota_or_invent_sales_on_its_own_word(w):
    line = w.lines["alice"]
    hold = spend(w, "alice", line).json()
    assert w.post("alice", f"/v1/authorizations/{hold['id']}/capture", {}).status_code == 200
    repay = w.post("alice", f"/v1/lines/{line}/repayments", {"amount": 10000, "currency": "CNY"})
    assert repay.status_code == 403
    assert repay.json()["error"]["required_roles"] == ["operations"]
    refund = w.post("alice", f"/v1/authorizations/{hold['id']}/refund", {"amount": 10000})
    assert refund.status_code == 403
    order = {"merchant": w.parties["alice"], "order": "A-1", "amount": 5000}
    assert w.post("alice", "/v1/orders", order).status_code == 403
    assert w.post("ops", "/v1/orders", order).status_code == 200
    assert w.post("alice", "/v1/orders/A-1/ship").status_code == 200
    assert w.post("alice", "/v1/orders/A-1/confirm").status_code == 403
    assert w.get("alice", f"/v1/lines/{line}").json()["occupied"] == 10000
    paid = w.post("ops", f"/v1/lines/{line}/repayments", {"amount": 10000, "currency": "CNY"})
    assert paid.status_code == 200, paid.text


def test_one_idempotency_key_of_two_callers_names_two_requests(w):
    line = w.lines["alice"]
    mine = spend(w, "alice", line, 10000, **{"Idempotency-Key": "same"})
    theirs = spend(w, "ops", line, 10000, **{"Idempotency-Key": "same"})
    assert mine.status_code == theirs.status_code == 200
    assert mine.json()["id"] != theirs.json()["id"]


def test_a_replay_never_shows_a_secret_again_and_a_running_key_is_in_use(w):
    body = {"url": "https://example.com/h", "enabled_events": ["*"]}
    first = w.post("root", "/v1/webhook_endpoints", body, **{"Idempotency-Key": "we-1"})
    again = w.post("root", "/v1/webhook_endpoints", body, **{"Idempotency-Key": "we-1"})
    assert first.json()["secret"].startswith("whsec_")
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["secret"] is None
    assert len(w.get("root", "/v1/webhook_endpoints").json()["data"]) == 1
    # A claim whose request is still running: the racing twin is told to retry, and acts not.
    owner = w.key_ids["root"]
    assert creditline.claim_key(w.db, owner, "we-2", "fp") is None
    with pytest.raises(creditline.IdempotencyKeyInUse):
        creditline.claim_key(w.db, owner, "we-2", "fp")
    with pytest.raises(creditline.IdempotencyKeyReused):
        creditline.claim_key(w.db, owner, "we-2", "other")


def test_unexpected_errors_and_streamed_oversized_bodies_keep_the_error_shape(w):
    app = w.client.app

    @app.get("/v1/boom")
    def boom() -> None:
        raise RuntimeError("bug")

    client = type(w.client)(app, raise_server_exceptions=False)
    r = client.get("/v1/boom")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal_error"
    assert r.headers["Request-Id"].startswith("req_")

    def chunks():
        yield b'{"name": "'
        for _ in range(20):
            yield b"x" * 65536
        yield b'"}'

    r = w.client.post("/v1/parties", content=chunks(), headers=w.headers("ops"))
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "body_too_large"


def test_dates_far_from_any_line_are_bad_input(w):
    r = w.get("ops", "/v1/calendar/next_working_day?day=9999-12-31&days=366")
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "date"
    line = w.lines["alice"]
    r = w.get("alice", f"/v1/lines/{line}/statement?start=0001-01-01&end=9999-12-31")
    assert r.status_code == 400


def test_the_hook_after_the_first_answer_runs_once_and_after_the_answer() -> None:
    """``Observe(after_first=…)``: what the server does once its first request is answered
    (freeze the route validators FastAPI built for it out of the collector's reach)."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from creditline.entrypoints.api.observe import Observe

    seen: list[str] = []

    def hello(_request: object) -> PlainTextResponse:
        seen.append("answer")
        return PlainTextResponse("hi")

    app = Starlette(routes=[Route("/", hello)])
    app.add_middleware(Observe, after_first=lambda: seen.append("hook"))
    client = TestClient(app)
    assert [client.get("/").text for _ in range(3)] == ["hi"] * 3
    assert seen == ["answer", "hook", "answer", "answer"]

"""Every endpoint is tried with no key, a wrong key, a revoked key and another holder's key, on
SQLite and PostgreSQL. The endpoints come from the live OpenAPI document, so a route added
without authentication, or open to a holder on another holder's objects, fails here.

Path parameters are filled with real objects of bob's (his party, line, hold, freeze, order,
violation, decision, key) and alice's key is used on them: the answer is a 404 (as if they did
not exist) or a 403 (a role she lacks), never a success and never a 5xx; and nothing at all is
written (bob's line and funds, the events and the audit log are unchanged)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

import creditline
from tests.api_helpers import World, make_world

#: Path parameters that name a holder's object: filled with bob's.
HOLDER_PARAMS = {"line_id", "hold_id", "freeze_id", "party_id", "order_id"}
HOLDER_PARAMS |= {"appeal_id", "request_id"}  # an appeal (申诉), an increase request (提额申请)
HOLDER_PARAMS |= {"plan_id", "promotion_id"}  # an installment plan (分期), a promotion (贴息)
#: Path parameters that name a platform object (filled with bob's where he has one, else a
#: well-formed id of nothing). A new parameter must be added to one of these two sets.
OTHER_PARAMS = {"violation_id", "decision_id", "key_id", "case_id", "endpoint_id", "event_id"}
OTHER_PARAMS |= {"review_id"}  # a limit review run (额度复审)
OTHER_PARAMS |= {"incident_id"}  # an incident over many holders' lines (系统故障)
#: Body fields that name a holder's object: bob's.
HOLDER_FIELDS = {"party": "party", "merchant": "party", "buyer": "party", "line": "line"}
#: Platform-wide terms every holder may read (they name nobody's objects).
HOLDER_READABLE = {
    ("get", "/v1/policy"),
    ("get", "/v1/calendar/next_working_day"),
    ("get", "/v1/clock"),
    ("get", "/v1/appeals"),  # a holder's list holds its own appeals only
}
#: Fields the examples alone do not make valid.
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("post", "/v1/clock"): {"advance": "1h"},
    ("post", "/v1/lines"): {"product": "merchant_bnpl"},
}


@dataclass
class Bobs:
    params: dict[str, str]
    fields: dict[str, str]


@pytest.fixture
def w(db) -> Iterator[World]:
    world = make_world(db)
    yield world
    world.client.close()


@pytest.fixture
def bobs(w: World) -> Bobs:
    """Bob's objects, made through the use cases."""
    db, party, line = w.db, w.parties["bob"], w.lines["bob"]
    hold = creditline.authorize(db, line, amount="100.00", purpose="procurement", key="b-1")
    freeze = creditline.add_freeze(db, line, reason="risk", amount="50.00", key="b-2")
    creditline.add_order(db, party, order_id="BOB-1", amount="80.00", key="b-3")
    bob_installments = creditline.open_line(
        db, party, product="installment", limit="1000.00", key="b-8"
    ).body["id"]
    creditline.activate_line(db, bob_installments)
    plan = creditline.purchase_installment(
        db, bob_installments, merchant=w.parties["alice"], order="BOB-2", amount="300.00",
        periods=3, key="b-9",
    )  # fmt: skip
    violation = creditline.add_violation(db, party, note="late", key="b-4")
    login = creditline.record_login(db, party, device="bob-phone", ip="10.0.0.2", key="b-5")
    appeal = creditline.submit_appeal(db, line, reason="请恢复", key="b-6")
    assessment = creditline.assess_limit(db, party).body
    request = creditline.request_increase(
        db, line, amount="200000.00", reason="more", assessment=assessment, key="b-7"
    )
    promotion = creditline.create_promotion(
        db, party, name="免息", periods="3", starts_on="2024-01-01", ends_on="2024-12-31",
        cap="100.00",
    )  # fmt: skip
    return Bobs(
        params={
            "plan_id": plan.body["id"],
            "promotion_id": promotion.body["id"],
            "line_id": line,
            "hold_id": hold.body["id"],
            "freeze_id": freeze.body["id"],
            "party_id": party,
            "order_id": "BOB-1",
            "violation_id": violation.body["id"],
            "decision_id": login.body["risk"]["decision"],
            "key_id": w.key_ids["bob"],
            "case_id": "case_0000000000000000",
            "endpoint_id": "we_0000000000000000",
            "event_id": "1",
            "review_id": "rvw_0000000000000000",
            "appeal_id": appeal.body["id"],
            "request_id": request.body["id"],
            "incident_id": "inc_0000000000000000",
        },
        fields={"party": party, "line": line},
    )


def operations(client: Any) -> list[tuple[str, str, dict[str, Any]]]:
    doc = client.get("/openapi.json").json()
    found = [
        (method, path, op)
        for path, methods in doc["paths"].items()
        if path.startswith("/v1/")
        for method, op in methods.items()
    ]
    assert len(found) > 50
    return found


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for option in schema.get("anyOf", []):
        if option.get("type") != "null":
            return _resolve(option, doc)
    return schema


def _value(name: str, prop: dict[str, Any], doc: dict[str, Any], bobs: Bobs) -> Any:
    if name in HOLDER_FIELDS:
        return bobs.fields[HOLDER_FIELDS[name]]
    if prop.get("examples"):
        return prop["examples"][0]
    prop = _resolve(prop, doc)
    if prop.get("examples"):
        return prop["examples"][0]
    if prop.get("type") == "object":
        return _body(prop, doc, bobs)
    if prop.get("type") == "array":
        return [_value(name, prop.get("items", {}), doc, bobs)]
    defaults = {"integer": 1, "boolean": False, "number": 1}
    return defaults.get(prop.get("type", ""), "x")


def _body(schema: dict[str, Any], doc: dict[str, Any], bobs: Bobs) -> dict[str, Any]:
    schema = _resolve(schema, doc)
    props = schema.get("properties", {})
    wanted = set(schema.get("required", [])) | (set(props) & set(HOLDER_FIELDS))
    return {name: _value(name, props[name], doc, bobs) for name in sorted(wanted)}


@dataclass
class Request:
    method: str
    path: str
    url: str
    params: dict[str, Any]
    body: dict[str, Any] | None
    holder_objects: bool


def requests_for(w: World, bobs: Bobs) -> list[Request]:
    doc = w.client.get("/openapi.json").json()
    out = []
    for method, path, op in operations(w.client):
        names = re.findall(r"{(\w+)}", path)
        unknown = set(names) - HOLDER_PARAMS - OTHER_PARAMS
        assert not unknown, f"{path}: add {unknown} to HOLDER_PARAMS or OTHER_PARAMS"
        url = path
        for name in names:
            url = url.replace(f"{{{name}}}", bobs.params[name])
        query = {
            p["name"]: _value(p["name"], p.get("schema", {}), doc, bobs)
            for p in op.get("parameters", [])
            if p["in"] == "query" and p.get("required")
        }
        body = None
        if "requestBody" in op:
            content = op["requestBody"]["content"]["application/json"]
            body = _body(content["schema"], doc, bobs) | BODIES.get((method, path), {})
        touches = bool(set(names) & HOLDER_PARAMS) or bool(body and set(body) & set(HOLDER_FIELDS))
        out.append(Request(method, path, url, query, body, touches))
    return out


def send(w: World, req: Request, headers: dict[str, str]) -> Any:
    return w.client.request(
        req.method.upper(), req.url, params=req.params, json=req.body, headers=headers
    )


def snapshot(w: World) -> dict[str, Any]:
    """What bob owns and what the platform has recorded."""
    return {
        "line": creditline.show_line(w.db, w.lines["bob"]).body,
        "funds": creditline.show_funds(w.db, w.parties["bob"]).body,
        "order": creditline.show_order(w.db, "BOB-1").body,
        "party": creditline.show_party(w.db, w.parties["bob"]).body,
        "events": creditline.list_events(w.db, limit=1000).body,
        "audit": creditline.list_audit(w.db).body,
        "keys": creditline.list_keys(w.db).body,
    }


def revoked_keys(w: World) -> dict[str, str]:
    """An admin's key and a holder's key, each used once (so that the app has cached them)
    and then revoked through the API."""
    out = {}
    for who, owner in (("admin", {"operator": "root"}), ("holder", {"party": w.parties["bob"]})):
        made = creditline.create_key(w.db, **owner).body
        headers = {"Authorization": f"Bearer {made['key']}"}
        assert w.client.get("/v1/clock", headers=headers).status_code == 200
        assert w.post("root", f"/v1/api_keys/{made['id']}/revoke").status_code == 200
        out[who] = made["key"]
    return out


def test_every_endpoint_refuses_no_key_a_wrong_key_and_a_revoked_key(w, bobs):
    revoked = revoked_keys(w)
    tries = {
        "no key": {},
        "wrong key": {"Authorization": "Bearer wrong"},
        "revoked admin key": {"Authorization": f"Bearer {revoked['admin']}"},
        "revoked holder key": {"Authorization": f"Bearer {revoked['holder']}"},
    }
    before = snapshot(w)
    failures = []
    for req in requests_for(w, bobs):
        for label, headers in tries.items():
            r = send(w, req, headers)
            body = r.json() if r.headers.get("content-type") == "application/json" else {}
            kind = body.get("error", {}).get("type")
            if r.status_code != 401 or kind != "authentication_error":
                failures.append(f"{req.method.upper()} {req.path} with {label}: {r.status_code}")
    assert not failures, "\n".join(failures)
    assert snapshot(w) == before


def test_another_holders_key_reaches_nothing_of_bobs_and_writes_nothing(w, bobs):
    before = snapshot(w)
    failures = []
    for req in requests_for(w, bobs):
        r = send(w, req, w.headers("alice"))
        where = f"{req.method.upper()} {req.path} ({req.url}): {r.status_code} {r.text[:200]}"
        if r.status_code >= 500:
            failures.append(where)
        elif (req.method, req.path) in HOLDER_READABLE and not req.holder_objects:
            if r.status_code != 200:
                failures.append(where)
        elif r.status_code not in {403, 404}:
            failures.append(where)
    assert not failures, "\n".join(failures)
    assert snapshot(w) == before

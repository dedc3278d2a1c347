"""Use cases for operators (操作员) and API keys: named operators with one role each, keys that
are random, shown once and kept only as a hash, and who a key or a name stands for."""

from __future__ import annotations

import secrets
from typing import Any

from creditline.domain.access.roles import ACTIONS, Principal, Role, key_hash, parse_role
from creditline.domain.errors import Forbidden, InvalidInput, Unauthenticated
from creditline.domain.text import printable_text
from creditline.domain.workdays import iso_local
from creditline.service.access.access_ports import ApiKey, Operator
from creditline.service.idempotency import Answer
from creditline.service.ids import new_id
from creditline.service.uow import Database, UnitOfWork

MAX_NAME = 64
KEY_PREFIX = "cl_sk_"


def operator_json(operator: Operator) -> dict[str, Any]:
    return {
        "object": "operator",
        "id": operator.name,
        "name": operator.name,
        "role": operator.role.value,
        "created_at": iso_local(operator.created_at),
    }


def key_json(key: ApiKey) -> dict[str, Any]:
    return {
        "object": "api_key",
        "id": key.id,
        "owner": {"party": key.party_id} if key.party_id else {"operator": key.operator},
        "hint": f"…{key.hint}",
        "created_at": iso_local(key.created_at),
        "revoked_at": iso_local(key.revoked_at) if key.revoked_at else None,
        "active": key.revoked_at is None,
    }


def _name(name: str) -> str:
    return printable_text(name, "name", max_length=MAX_NAME, strip=True, spaces=False)


def roles_table() -> Answer:
    """Every operator action and the roles allowed to take it (the README prints it)."""
    return Answer(
        {
            "data": [
                {"action": action, "roles": sorted(r.value for r in roles), "what": what}
                for action, (roles, what) in ACTIONS.items()
            ]
        }
    )


def operator_principal(uow: UnitOfWork, name: str) -> Principal:
    """The operator named ``name`` as a principal; ``Unauthenticated`` when there is none."""
    found = uow.access.operator(name)
    if found is None:
        raise Unauthenticated(f"no operator named {name[:MAX_NAME]!r}; add one with operator add")
    return Principal(found.name, role=found.role)


def as_operator(db: Database, name: str | None, action: str) -> Principal:
    """The CLI's ``--as NAME``: that operator, if it exists and its role allows ``action``."""
    if not name:
        raise InvalidInput("as", f"{action} is an operator action: name the operator with --as")
    who = _name(name)
    with db.transaction(write=False) as uow:
        principal = operator_principal(uow, who)
    principal.require(action)
    return principal


def add_operator(db: Database, name: str, *, role: str, by: Principal | None) -> Answer:
    """Add an operator. The first admin may be added from the machine's shell with nobody to
    vouch for it; after that only an admin adds operators."""
    who, chosen = _name(name), parse_role(role)
    with db.transaction() as uow:
        has_admin = any(o.role is Role.ADMIN for o in uow.access.operators())
        if by is not None:
            by.require("keys.write")
        elif has_admin:
            raise Forbidden("an admin exists: name the admin adding operators (--as)", ["admin"])
        elif chosen is not Role.ADMIN:
            raise Forbidden("the first operator must be an admin", ["admin"])
        operator = Operator(who, chosen, uow.reference.now())
        uow.access.add_operator(operator)
        return Answer(operator_json(operator))


def list_operators(db: Database) -> Answer:
    with db.transaction(write=False) as uow:
        return Answer({"data": [operator_json(o) for o in uow.access.operators()]})


def create_key(db: Database, *, party: str | None = None, operator: str | None = None) -> Answer:
    """A new key for a party or an operator; the body carries ``key``, shown this once."""
    if (party is None) == (operator is None):
        raise InvalidInput("party", "name exactly one owner: --party P or --operator NAME")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    with db.transaction() as uow:
        if party is not None:
            uow.parties.get_party(party)  # NotFound names the party
        elif uow.access.operator(_name(operator or "")) is None:
            raise InvalidInput("operator", f"operator: no operator named {operator!r}")
        key = ApiKey(
            new_id("key"),
            secret[-4:],
            party,
            operator and _name(operator),
            uow.reference.now(),
            None,
        )
        uow.access.add_key(key, key_hash(secret))
        return Answer({**key_json(key), "key": secret})


def list_keys(db: Database) -> Answer:
    with db.transaction(write=False) as uow:
        return Answer({"data": [key_json(k) for k in uow.access.api_keys()]})


def revoke_key(db: Database, key_id: str) -> Answer:
    with db.transaction() as uow:
        return Answer(key_json(uow.access.revoke_key(key_id, uow.reference.now())))


def authenticate(db: Database, secret: str | None) -> Principal:
    """Who a bearer key stands for; ``Unauthenticated`` for none, an unknown or a revoked one."""
    if not secret:
        raise Unauthenticated("no API key: send Authorization: Bearer KEY")
    with db.transaction(write=False) as uow:
        key = uow.access.key_by_hash(key_hash(secret))
        if key is None or key.revoked_at is not None:
            raise Unauthenticated("the API key is unknown or revoked")
        if key.party_id is not None:
            return Principal(key.party_id, party_id=key.party_id, key_id=key.id)
        principal = operator_principal(uow, key.operator or "")
    return Principal(principal.name, role=principal.role, key_id=key.id)

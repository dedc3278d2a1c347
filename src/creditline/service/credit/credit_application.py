"""Use cases for a consumer's credit application (授信申请): submit one (each submission is kept;
the latest is the one assessed) and show the latest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from creditline.domain.credit.applications import parse_application
from creditline.domain.errors import InvalidInput, NotFound
from creditline.domain.quota.parties import PartyKind
from creditline.domain.workdays import iso_local
from creditline.service.credit.credit_ports import Application
from creditline.service.idempotency import Answer, once
from creditline.service.ids import new_id
from creditline.service.uow import Database, UnitOfWork


def application_json(application: Application) -> dict[str, Any]:
    return {
        "id": application.id,
        "party": application.party_id,
        "answers": application.answers,
        "submitted_at": iso_local(application.submitted_at),
    }


def submit_application(
    db: Database, party_id: str, answers: Any, *, key: str | None = None
) -> Answer:
    """Keep a consumer's credit application: the consumer card's attributes (checked; one
    left out scores as missing). A merchant has none: its card reads its own history."""
    checked = parse_application(answers)

    def effect(uow: UnitOfWork, now: datetime) -> Answer:
        party = uow.parties.get_party(party_id)
        if party.kind is not PartyKind.CONSUMER:
            raise InvalidInput(
                "party",
                "credit applications are for consumers; a merchant is scored on its history",
            )
        application = Application(new_id("capp"), party_id, checked, now)
        uow.credit.insert_application(application)
        return Answer(application_json(application))

    return once(
        db,
        key=key,
        command="credit.application",
        params={"party": party_id, "answers": checked},
        effect=effect,
        scope=f"party:{party_id}",
    )


def show_application(db: Database, party_id: str) -> Answer:
    """The consumer's latest credit application."""
    with db.transaction(write=False) as uow:
        uow.parties.get_party(party_id)
        found = uow.credit.latest_application(party_id)
    if found is None:
        raise NotFound("application", f"application: party {party_id} has submitted none")
    return Answer(application_json(found))

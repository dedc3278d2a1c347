"""CLI commands for parties (主体): merchants and consumers, their verification, violations,
documents and identifiers."""

from __future__ import annotations

from typing import Annotated, Any

import typer

import creditline
from creditline.entrypoints.cli.care_view import (
    render_policy_changes,
    render_security,
    render_self_check,
)
from creditline.entrypoints.cli.common import (
    AsOpt,
    DbOpt,
    JsonOpt,
    KeyOpt,
    PartyArg,
    run,
    run_as,
    show,
)
from creditline.entrypoints.cli.output import console, kv_table

app = typer.Typer()
party_app = typer.Typer(help="Merchants (商家) and consumers (消费者).", no_args_is_help=True)
violation_app = typer.Typer(help="Violation records (违规记录).", no_args_is_help=True)
document_app = typer.Typer(help="Merchant documents (资质材料).", no_args_is_help=True)
app.add_typer(party_app, name="party")
party_app.add_typer(violation_app, name="violation")
party_app.add_typer(document_app, name="document")


# Registered first: `party --help` has always listed it first.
@party_app.command("link")
def party_link(
    party: PartyArg,
    device: Annotated[str | None, typer.Option("--device", help="a device id it used")] = None,
    phone: Annotated[str | None, typer.Option("--phone", help="a phone number")] = None,
    bank_account: Annotated[
        str | None, typer.Option("--bank-account", help="a bank account number")
    ] = None,
    address: Annotated[
        str | None, typer.Option("--address", help="a shipping or business address (weak link)")
    ] = None,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a party's identifiers; parties that share one are linked (关联)."""

    def render(body: dict[str, Any]) -> None:
        console().print(f"{body['party']}: {body['added']} identifier(s) added")
        for p in body["linked_parties"]:
            console().print(f"  linked 关联 {p['party']} via {', '.join(p['shared'])}")

    run(
        db,
        json_out,
        lambda d: creditline.link(
            d,
            party,
            {"device": device, "phone": phone, "bank_account": bank_account, "address": address},
            key=key,
        ),
        render,
    )


@party_app.command("add")
def party_add(
    kind: Annotated[str, typer.Argument(help="merchant or consumer")],
    name: Annotated[str, typer.Option("--name", help="the name (at most 200 characters)")],
    category: Annotated[
        str | None,
        typer.Option(
            "--category",
            help="merchants: apparel, beauty, digital, food, home, sports, luxury or other "
            "(the default)",
        ),
    ] = None,
    credit_score: Annotated[
        int | None, typer.Option("--credit-score", help="consumers: 300-950")
    ] = None,
    income: Annotated[str | None, typer.Option("--income", help="Monthly income, 8000.00")] = None,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a merchant or a consumer."""
    run(
        db,
        json_out,
        lambda d: creditline.add_party(
            d,
            kind=kind,
            name=name,
            category=category,
            credit_score=credit_score,
            income=income,
            key=key,
        ),
        show("party 主体"),
    )


@party_app.command("verify")
def party_verify(
    party: PartyArg,
    real_name: Annotated[bool, typer.Option("--real-name", help="实名认证 passed")] = False,
    qualification: Annotated[bool, typer.Option("--qualification", help="资质审核 passed")] = False,
    settlement_account: Annotated[
        str | None,
        typer.Option("--settlement-account", help="结算账户 (a consumer's repayment account)"),
    ] = None,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record verification steps and bind the settlement (or repayment) account."""
    run(
        db,
        json_out,
        lambda d: creditline.verify_party(
            d,
            party,
            real_name=real_name,
            qualification=qualification,
            settlement_account=settlement_account,
            key=key,
        ),
        show("party 主体"),
    )


@party_app.command("show")
def partyshow(party: PartyArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """Show a party: verification, settlement account, open violations."""
    run(db, json_out, lambda d: creditline.show_party(d, party), show("party 主体"))


@violation_app.command("add")
def violation_add(
    party: PartyArg,
    note: Annotated[str, typer.Option("--note", help="what the violation is (at most 500)")],
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a violation record against a party."""
    run(
        db,
        json_out,
        lambda d: creditline.add_violation(d, party, note=note, key=key),
        show("violation 违规"),
    )


@violation_app.command("close")
def violation_close(
    violation: Annotated[str, typer.Argument(metavar="VIOLATION", help="its id (vio_...)")],
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Close a violation record."""
    run(
        db,
        json_out,
        lambda d: creditline.close_violation(d, violation, key=key),
        show("violation 违规"),
    )


@document_app.command("add")
def document_add(
    party: PartyArg,
    doc_type: Annotated[
        str,
        typer.Option(
            "--type",
            help="business_licence, tax_registration, "
            "bank_statement, brand_authorisation, supply_contract",
        ),
    ],
    submitted: Annotated[str, typer.Option("--submitted", help="2024-05-01")],
    expires: Annotated[
        str | None, typer.Option("--expires", help="2029-05-01; none if it never expires")
    ] = None,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a document a merchant submitted, with its expiry."""
    run(
        db,
        json_out,
        lambda d: creditline.add_document(
            d, party, doc_type=doc_type, submitted=submitted, expires=expires, key=key
        ),
        show("document 资质材料"),
    )


# -- the holder's care pages: password, service figures, self-check, security, policy ---------
@party_app.command("password")
def party_password(
    party: PartyArg, as_name: AsOpt = None, db: DbOpt = None, json_out: JsonOpt = False
) -> None:
    """Set a holder's password for the pages' sign-in, read from stdin (one line; at least 12
    characters), e.g. ``printf '%s\\n' "$PW" | creditline party password mer_... --as root``.
    Kept as an argon2id hash; an admin's action (keys.write), audited."""
    import sys

    from creditline.entrypoints.bootstrap import password_hasher

    password = sys.stdin.readline().rstrip("\r\n")
    hasher = password_hasher()
    run_as(
        db,
        json_out,
        as_name,
        "keys.write",
        lambda d, _who: creditline.set_holder_password(d, party, password, hasher=hasher),
        show("party 主体", ["id", "password_set"]),
        target=party,
    )


@party_app.command("service-figures")
def party_service_figures(
    party: PartyArg,
    day: Annotated[str, typer.Option("--day", help="the day, 2026-11-30 (Beijing time)")],
    chats: Annotated[int, typer.Option("--chats", help="chats that day")],
    within_30s: Annotated[
        int, typer.Option("--within-30s", help="chats answered within 30 seconds")
    ],
    median_seconds: Annotated[
        int, typer.Option("--median-seconds", help="the median first response, seconds")
    ],
    as_name: AsOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a holder's customer-service figures of a day (a repeat replaces the day's)."""
    run_as(
        db,
        json_out,
        as_name,
        "party.write",
        lambda d, _who: creditline.save_service_figures(
            d,
            party,
            day=day,
            chats=chats,
            answered_within_30s=within_30s,
            median_seconds=median_seconds,
        ),
        show("service figures 客服数据"),
        target=party,
    )


@party_app.command("self-check")
def party_self_check(party: PartyArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """The self-check (自测清单): four items scored 1-5 against the pass line of 4."""
    run(db, json_out, lambda d: creditline.self_check(d, party), render_self_check)


@party_app.command("security")
def party_security(party: PartyArg, db: DbOpt = None, json_out: JsonOpt = False) -> None:
    """The security centre (安全中心): devices, abnormal logins, core suppliers."""
    run(db, json_out, lambda d: creditline.security_centre(d, party), render_security)


@party_app.command("policy-changes")
def party_policy_changes(
    party: PartyArg,
    days: Annotated[int, typer.Option("--days", help="how many days back (1-366)")] = 30,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The policy changes (政策变更) that touched the holder in the last days."""
    run(db, json_out, lambda d: creditline.policy_changes(d, party, days), render_policy_changes)


@party_app.command("application")
def party_application(
    party: PartyArg,
    file: Annotated[
        str | None,
        typer.Option(
            "--file",
            help="a JSON object of the consumer card's attributes (授信申请); "
            "without it, the latest application is shown",
        ),
    ] = None,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A consumer's credit application (授信申请): submit one from --file, or show the latest."""

    def action(d: creditline.Database) -> creditline.Answer:
        if file is None:
            return creditline.show_application(d, party)
        return creditline.submit_application(d, party, _read_json(file), key=key)

    def render(body: dict[str, Any]) -> None:
        console().print(kv_table("application 授信申请", body, ["id", "party", "submitted_at"]))
        console().print(kv_table("answers 申请内容", body["answers"]))

    run(db, json_out, action, render)


def _read_json(file: str) -> Any:
    """A JSON file's content; one that cannot be read or parsed is bad input naming ``file``."""
    import json
    from pathlib import Path

    try:
        return json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        message = f"file: cannot read JSON from {file!r}: {exc}"
        raise creditline.InvalidInput("file", message) from exc


@party_app.command("credit")
def party_credit(
    party: PartyArg,
    score: Annotated[
        int | None, typer.Option("--score", min=300, max=950, help="credit score (300-950)")
    ] = None,
    income: Annotated[
        str | None, typer.Option("--income", help="monthly income, e.g. 12000.00")
    ] = None,
    key: KeyOpt = None,
    db: DbOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """A consumer's credit score and income as the credit bureau reports them now (征信更新);
    the next limit review compares them with the last one's."""
    run(
        db,
        json_out,
        lambda d: creditline.update_credit_facts(
            d, party, credit_score=score, income=income, key=key
        ),
        show("credit 征信"),
    )

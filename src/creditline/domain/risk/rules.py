"""Risk rules (风控规则) as data: a versioned document of named rules whose conditions are written
in a safe expression language (``rule-engine``), checked at load and evaluated over features.

A rule that does not parse, names an unknown feature or compares values of the wrong type is
refused at load, with the line and column in the document. Nothing here uses Python ``eval``.
"""

from __future__ import annotations

import functools
import hashlib
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

import yaml

from creditline.domain.errors import InvalidInput

E = TypeVar("E", bound=StrEnum)


class Outcome(StrEnum):
    APPROVE = "approve"
    REVIEW = "review"
    DECLINE = "decline"


SEVERITY = {Outcome.APPROVE: 0, Outcome.REVIEW: 1, Outcome.DECLINE: 2}


class Event(StrEnum):
    SPEND = "spend"
    WITHDRAWAL = "withdrawal"
    LOGIN = "login"


class Signal(StrEnum):
    """The cash-out (套现) pattern a rule looks for; backtests and reports group by it."""

    LINKED_COUNTERPARTY = "linked_counterparty"  # spends to a party sharing identifiers
    MONEY_BACK = "money_back"  # money that returns to the holder or its links
    FAKE_ORDERS = "fake_orders"  # fake orders with quick refunds
    THRESHOLD_SPLIT = "threshold_split"  # splitting spends just under the large threshold
    FORBIDDEN_PURPOSE = "forbidden_purpose"  # repeated forbidden-purpose attempts
    VELOCITY = "velocity"
    ACCOUNT = "account"  # login and account anomalies


#: The running totals each hold row keeps for its line (a prefix sum per kind of attempt):
#: attempts, spends, amount spent, declines, forbidden-purpose attempts, near-threshold attempts,
#: spends with a counterparty. A window's figure is the newest totals minus the last before it.
RUNNING_TOTALS = (
    "cum_attempts",
    "cum_count",
    "cum_amount",
    "cum_declined",
    "cum_forbidden",
    "cum_near",
    "cum_counterparty",
)

# Feature types; rule-engine's own (imported when a rule is first compiled, to keep the CLI's
# start-up fast) are BOOLEAN, FLOAT (its numbers are Decimal: no float near money) and STRING.
_B, _N, _S = "BOOLEAN", "FLOAT", "STRING"

#: Every feature a rule may name, with its type and meaning. Money is in yuan (Decimal).
FEATURES: dict[str, tuple[Any, str]] = {
    "event": (_S, "spend, withdrawal or login"),
    "amount": (_N, "the request's amount in yuan (0 for a login)"),
    "purpose": (_S, "the spend's purpose ('' for other events)"),
    "purpose_forbidden": (_B, "the purpose is withdraw_cash, transfer_wallet or transfer_bank"),
    "product": (_S, "merchant_bnpl or installment ('' without a line)"),
    "party_kind": (_S, "merchant or consumer"),
    "account_age_days": (_N, "days since the party was added"),
    "large_spend_threshold": (_N, "policy's large-spend threshold in yuan"),
    "near_threshold": (_B, "amount in [90%, 100%) of the large-spend threshold"),
    **{
        f"spend_count_{w}": (_N, f"spends authorised on the line in the last {w}")
        for w in ("1h", "24h", "7d", "30d")
    },
    **{
        f"spend_sum_{w}": (_N, f"yuan authorised on the line in the last {w}")
        for w in ("1h", "24h", "7d", "30d")
    },
    "declined_24h": (_N, "declined spend attempts on the line in 24 h"),
    "forbidden_attempts_7d": (_N, "forbidden-purpose attempts on the line in 7 days, before this"),
    "near_threshold_24h": (_N, "attempts in [90%, 100%) of the threshold in 24 h, before this"),
    "refunds_30d": (_N, "captured spends refunded in 30 days"),
    "orders_30d": (_N, "the merchant's orders in 30 days"),
    "returns_30d": (_N, "the merchant's returned orders in 30 days"),
    "return_rate_30d": (_N, "returned / all orders in 30 days (0 without orders)"),
    "linked_parties": (_N, "parties sharing a device, phone, bank account or address"),
    "strong_linked_parties": (_N, "parties sharing a device, phone or bank account"),
    "counterparty_linked": (_B, "the counterparty shares any identifier with the holder"),
    "counterparty_strong_link": (_B, "the counterparty shares a device, phone or bank account"),
    "linked_spends_30d": (_N, "the holder's spends to linked parties in 30 days"),
    "linked_near_threshold_24h": (_N, "near-threshold attempts of strongly linked parties, 24 h"),
    "linked_forbidden_7d": (_N, "forbidden-purpose attempts of strongly linked parties, 7 days"),
    "money_back_7d": (
        _N,
        (
            "yuan of orders paid to the holder (or its strong links) in 7 days by its spends'"
            " counterparties or its strong links (0 for a party with no links)"
        ),
    ),
    "logins_24h": (_N, "logins in 24 h"),
    "new_device_logins_24h": (_N, "logins from a device never seen before, in 24 h"),
    "distinct_ips_24h": (_N, "distinct IP addresses logged in from in 24 h"),
    "device_new": (_B, "this login's device was never seen for the party"),
    "ip_new": (_B, "this login's IP was never seen for the party"),
}


@functools.cache
def _engine() -> Any:
    """The rule-engine module and a context that knows every feature and its type."""
    import rule_engine  # noqa: PLC0415 - imported on first use (start-up time)

    types = {k: getattr(rule_engine.DataType, t) for k, (t, _) in FEATURES.items()}
    context = rule_engine.Context(
        type_resolver=rule_engine.type_resolver_from_dict(types), default_timezone="UTC"
    )
    return rule_engine, context


def _blank() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (kind, _) in FEATURES.items():
        out[name] = False if kind is _B else ("" if kind is _S else Decimal(0))
    return out


#: Every feature at its neutral value (read-only; ``blank_features`` hands out copies).
BLANK: dict[str, Any] = _blank()


def blank_features() -> dict[str, Any]:
    """Every feature at its neutral value: a request fills in what it knows."""
    return dict(BLANK)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    when: str
    outcome: Outcome
    reason: str
    weight: int
    signal: Signal
    events: frozenset[Event]
    freeze_hours: int = 0
    message_zh: str = ""
    message_en: str = ""
    compiled: Any = field(default=None, compare=False, repr=False)
    #: The features the condition names: a rule is a pure function of them, so each distinct
    #: combination is evaluated once (profiling showed the interpreter dominating scoring).
    symbols: tuple[str, ...] = ()
    memo: dict[Any, bool] = field(default_factory=dict, compare=False, repr=False)
    key: Callable[[dict[str, Any]], Any] = field(default=lambda _f: (), compare=False, repr=False)

    def matches(self, features: dict[str, Any]) -> bool:
        key = self.key(features)
        found = self.memo.get(key)
        if found is None:
            assert self.compiled is not None
            found = bool(self.compiled.matches(features))
            if len(self.memo) >= MEMO_SIZE:
                self.memo.clear()
            self.memo[key] = found
        return found


@dataclass(frozen=True, slots=True)
class Fired:
    rule: str
    reason: str
    outcome: Outcome
    weight: int
    signal: Signal
    freeze_hours: int
    message_zh: str
    message_en: str

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "code": self.reason,
            "outcome": self.outcome.value,
            "weight": self.weight,
            "signal": self.signal.value,
            "message_zh": self.message_zh,
            "message_en": self.message_en,
        }


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the rules say about one event: outcome, score (0-100), the rules that fired."""

    outcome: Outcome
    score: int
    fired: tuple[Fired, ...]
    rule_set_version: int

    @property
    def freeze_hours(self) -> int:
        return max((f.freeze_hours for f in self.fired if f.outcome is Outcome.DECLINE), default=0)

    @property
    def reason_codes(self) -> list[str]:
        return [f.reason for f in self.fired]


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str
    version: int
    digest: str
    review_at: int
    decline_at: int
    rules: tuple[Rule, ...]
    text: str

    def evaluate(self, features: dict[str, Any]) -> Verdict:
        event = Event(features["event"])
        fired = [
            Fired(
                r.name,
                r.reason,
                r.outcome,
                r.weight,
                r.signal,
                r.freeze_hours,
                r.message_zh,
                r.message_en,
            )
            for r in self.rules
            if event in r.events and r.matches(features)
        ]
        score = min(100, sum(f.weight for f in fired))
        outcome = Outcome.APPROVE
        for f in fired:
            if SEVERITY[f.outcome] > SEVERITY[outcome]:
                outcome = f.outcome
        if score >= self.decline_at:
            outcome = Outcome.DECLINE
        elif score >= self.review_at and outcome is Outcome.APPROVE:
            outcome = Outcome.REVIEW
        fired.sort(key=lambda f: (-SEVERITY[f.outcome], -f.weight, f.rule))
        return Verdict(outcome, score, tuple(fired), self.version)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "digest": self.digest,
            "thresholds": {"review": self.review_at, "decline": self.decline_at},
            "rules": [
                {
                    "name": r.name,
                    "when": r.when,
                    "outcome": r.outcome.value,
                    "reason": r.reason,
                    "weight": r.weight,
                    "signal": r.signal.value,
                    "events": sorted(e.value for e in r.events),
                    "freeze_hours": r.freeze_hours,
                }
                for r in self.rules
            ],
        }


#: Identifiers that tie parties together strongly; a shared address is a weak link.
STRONG_IDENTIFIERS = frozenset({"device", "phone", "bank_account"})


def near_floor(threshold: int) -> int:
    """The smallest amount "just under" the large-spend threshold: 90 % of it, rounded up."""
    return -(-threshold * 9 // 10)


_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MEMO_SIZE = 4096


def _symbols(text: str) -> tuple[str, ...]:
    """Every feature name in a condition (a string literal equal to one only adds a key)."""
    return tuple(sorted({w for w in _WORD.findall(text) if w in FEATURES}))


class _Doc:
    """A parsed YAML/JSON document that remembers where each scalar started."""

    def __init__(self, text: str) -> None:
        try:
            self.root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            raise InvalidInput("rules", f"{where}the rule set is not valid YAML/JSON") from None
        if not isinstance(self.root, yaml.MappingNode):
            raise InvalidInput("rules", "line 1, column 1: the rule set must be a mapping")
        self.mapping: yaml.MappingNode = self.root

    @staticmethod
    def where(node: yaml.Node) -> str:
        return f"line {node.start_mark.line + 1}, column {node.start_mark.column + 1}"

    @staticmethod
    def items(node: yaml.Node) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            raise InvalidInput("rules", f"{_Doc.where(node)}: expected a mapping")
        return {str(k.value): v for k, v in node.value}

    @staticmethod
    def scalar(node: yaml.Node | None, what: str, parent: yaml.Node) -> str:
        if node is None:
            raise InvalidInput("rules", f"{_Doc.where(parent)}: {what} is missing")
        if not isinstance(node, yaml.ScalarNode) or node.value == "":
            raise InvalidInput("rules", f"{_Doc.where(node)}: {what} must be a value")
        return str(node.value)

    @staticmethod
    def integer(node: yaml.Node | None, what: str, parent: yaml.Node, default: int) -> int:
        if node is None:
            return default
        text = _Doc.scalar(node, what, parent)
        if not re.fullmatch(r"\d{1,4}", text):
            raise InvalidInput("rules", f"{_Doc.where(node)}: {what} must be a whole number")
        return int(text)


def _expression_position(node: yaml.Node, offset: int) -> str:
    """Line and column in the file of character ``offset`` of a scalar's text."""
    text = str(node.value)
    line = node.start_mark.line + text.count("\n", 0, offset)
    if "\n" in text[:offset]:
        column = offset - text.rfind("\n", 0, offset)
    else:
        quoted = 1 if getattr(node, "style", None) in {'"', "'"} else 0
        column = node.start_mark.column + quoted + offset + 1
    return f"line {line + 1}, column {column}"


def compile_condition(text: str, node: yaml.Node | None = None) -> Any:
    """Compile one condition; errors name the line and column (in the file when known)."""

    def where(offset: int) -> str:
        if node is not None:
            return _expression_position(node, offset)
        line = text.count("\n", 0, offset) + 1
        return f"line {line}, column {offset - text.rfind(chr(10), 0, offset)}"

    rule_engine, context = _engine()
    try:
        compiled = rule_engine.Rule(text, context=context)
    except rule_engine.errors.SymbolResolutionError as exc:
        found = re.search(rf"\b{re.escape(exc.symbol_name)}\b", text)
        hint = f" (did you mean {exc.suggestion!r}?)" if exc.suggestion else ""
        raise InvalidInput(
            "rules",
            f"{where(found.start() if found else 0)}: unknown feature {exc.symbol_name!r}{hint}",
        ) from None
    except rule_engine.errors.RuleSyntaxError as exc:
        token = exc.token
        offset = len(text.rstrip()) if token is None else int(token.lexpos)
        raise InvalidInput("rules", f"{where(offset)}: syntax error in the condition") from None
    except rule_engine.errors.EngineError as exc:
        raise InvalidInput("rules", f"{where(0)}: {exc.message}") from None
    if compiled.statement.expression.result_type not in {
        rule_engine.DataType.BOOLEAN,
        rule_engine.DataType.UNDEFINED,
    }:
        raise InvalidInput("rules", f"{where(0)}: the condition must be true or false")
    return compiled


def parse_rule_set(text: str, *, version: int = 0) -> RuleSet:
    """Parse and check a rule-set document (YAML, or JSON which is YAML too)."""
    doc = _Doc(text)
    root: yaml.Node = doc.mapping
    top = _Doc.items(root)
    name = _Doc.scalar(top.get("name"), "name", root)
    thresholds = _Doc.items(top["thresholds"]) if "thresholds" in top else {}
    review_at = _Doc.integer(thresholds.get("review"), "thresholds.review", root, 101)
    decline_at = _Doc.integer(thresholds.get("decline"), "thresholds.decline", root, 101)
    rules_node = top.get("rules")
    if not isinstance(rules_node, yaml.SequenceNode) or not rules_node.value:
        raise InvalidInput("rules", f"{_Doc.where(rules_node or root)}: rules must be a list")
    rules: list[Rule] = []
    seen: set[str] = set()
    for node in rules_node.value:
        fields = _Doc.items(node)
        rule_name = _Doc.scalar(fields.get("name"), "name", node)
        if not _NAME.match(rule_name) or rule_name in seen:
            raise InvalidInput(
                "rules", f"{_Doc.where(fields['name'])}: rule name {rule_name!r} is bad or repeated"
            )
        seen.add(rule_name)
        when_node = fields.get("when")
        when = _Doc.scalar(when_node, "when", node)
        compiled = compile_condition(when, when_node)
        rules.append(
            Rule(
                name=rule_name,
                when=when,
                outcome=_choice(fields, "outcome", node, Outcome),
                reason=_reason(fields, node),
                weight=_Doc.integer(fields.get("weight"), "weight", node, 0),
                signal=_choice(fields, "signal", node, Signal),
                events=_events(fields, node),
                freeze_hours=_Doc.integer(fields.get("freeze_hours"), "freeze_hours", node, 0),
                message_zh=str(fields["message_zh"].value) if "message_zh" in fields else "",
                message_en=str(fields["message_en"].value) if "message_en" in fields else "",
                compiled=compiled,
                symbols=(symbols := _symbols(when)),
                key=operator.itemgetter(*symbols) if symbols else (lambda _f: ()),
            )
        )
    digest = hashlib.sha256(text.encode()).hexdigest()
    return RuleSet(name, version, digest, review_at, decline_at, tuple(rules), text)


def _choice(fields: dict[str, yaml.Node], key: str, parent: yaml.Node, kind: type[E]) -> E:
    value = _Doc.scalar(fields.get(key), key, parent)
    try:
        return kind(value)
    except ValueError:
        options = ", ".join(e.value for e in kind)
        raise InvalidInput(
            "rules", f"{_Doc.where(fields[key])}: {key} must be one of {options}"
        ) from None


def _reason(fields: dict[str, yaml.Node], parent: yaml.Node) -> str:
    reason = _Doc.scalar(fields.get("reason"), "reason", parent)
    if not _NAME.match(reason):
        raise InvalidInput("rules", f"{_Doc.where(fields['reason'])}: reason must be a code")
    return reason


def _events(fields: dict[str, yaml.Node], parent: yaml.Node) -> frozenset[Event]:
    node = fields.get("events")
    if node is None:
        return frozenset({Event.SPEND})
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise InvalidInput("rules", f"{_Doc.where(node)}: events must be a list")
    out = set()
    for item in node.value:
        try:
            out.add(Event(str(item.value)))
        except ValueError:
            raise InvalidInput(
                "rules", f"{_Doc.where(item)}: events are spend, withdrawal, login"
            ) from None
    _ = parent
    return frozenset(out)

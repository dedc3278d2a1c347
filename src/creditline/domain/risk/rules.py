"""Risk rules (风控规则) as data: a versioned document of named rules whose conditions are written
in a safe expression language (``rule-engine``), checked at load and evaluated over features.

A rule that does not parse, names an unknown feature or compares values of the wrong type is
refused at load, with the line and column in the document. Nothing here uses Python ``eval``.
"""

from __future__ import annotations

import hashlib
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

import yaml

from creditline.domain.errors import InvalidInput
from creditline.domain.risk.catalogue import blank_features
from creditline.domain.risk.conditions import compile_condition, symbols_of

#: ``blank_features`` is re-exported: rule authors and tests build features from it.
__all__ = [
    "Event",
    "Fired",
    "Outcome",
    "Rule",
    "RuleSet",
    "Signal",
    "Verdict",
    "blank_features",
    "is_model_spec",
    "parse_rule_set",
]

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


_EVENTS = {e.value: e for e in Event}


class Signal(StrEnum):
    """The cash-out (套现) pattern a rule looks for; backtests and reports group by it."""

    LINKED_COUNTERPARTY = "linked_counterparty"  # spends to a party sharing identifiers
    MONEY_BACK = "money_back"  # money that returns to the holder or its links
    FAKE_ORDERS = "fake_orders"  # fake orders with quick refunds
    THRESHOLD_SPLIT = "threshold_split"  # splitting spends just under the large threshold
    FORBIDDEN_PURPOSE = "forbidden_purpose"  # repeated forbidden-purpose attempts
    VELOCITY = "velocity"
    ACCOUNT = "account"  # login and account anomalies


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
    #: The learned model beside the rules: ``none``, ``live`` (the newest) or a version.
    model: str = "none"

    def evaluate(self, features: dict[str, Any]) -> Verdict:
        event = _EVENTS.get(features["event"])
        if event is None:
            raise InvalidInput("event", f"event must be one of {', '.join(_EVENTS)}")
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
            "model": self.model,
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


_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
MEMO_SIZE = 4096


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
                events=_events(fields),
                freeze_hours=_Doc.integer(fields.get("freeze_hours"), "freeze_hours", node, 0),
                message_zh=str(fields["message_zh"].value) if "message_zh" in fields else "",
                message_en=str(fields["message_en"].value) if "message_en" in fields else "",
                compiled=compiled,
                symbols=(symbols := symbols_of(when)),
                key=operator.itemgetter(*symbols) if symbols else (lambda _f: ()),
            )
        )
    digest = hashlib.sha256(text.encode()).hexdigest()
    model = "none"
    if "model" in top:
        model = _model_spec(_Doc.scalar(top["model"], "model", root), top["model"])
    return RuleSet(name, version, digest, review_at, decline_at, tuple(rules), text, model)


def is_model_spec(text: str) -> bool:
    """Whether ``text`` names a learned model: ``none``, ``live`` or a version number."""
    return text in {"none", "live"} or (text.isdigit() and len(text) <= 6)


def _model_spec(text: str, node: yaml.Node) -> str:
    if is_model_spec(text):
        return text
    raise InvalidInput("rules", f"{_Doc.where(node)}: model must be none, live or a version")


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


def _events(fields: dict[str, yaml.Node]) -> frozenset[Event]:
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
    return frozenset(out)

"""The FAQ knowledge base (`data/faq.yaml`): intents, FAQ entries, answers, hand-off rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast, get_args

from csbot.problems import Problem, did_you_mean, error, raise_errors
from csbot.responses.render import placeholders, stray_braces
from csbot.types import HandoffReason, Priority

if TYPE_CHECKING:  # reading YAML is for training; answering messages never imports it
    from csbot.yamlfile import YamlDocument

OUT_OF_SCOPE = "out_of_scope"
FORMAT_VERSION = 1
SETTINGS_DEFAULTS: dict[str, float] = {
    # Cosine similarity a message needs with an FAQ entry's questions to get that entry's
    # answer rather than the intent's default answer.
    "faq_match_threshold": 0.3,
    "emotion_threshold": 0.6,
    "clarify_margin": 0.15,
    "clarify_below": 0.6,
    "fallbacks_before_handoff": 2,
    "ask_rating": 1,  # 1: ask for a 1-5 rating when a conversation closes; 0: never
}
_COUNT_SETTINGS = ("fallbacks_before_handoff",)
# Messages of the conversation policy; each must be present in faq.yaml.
POLICY_MESSAGES = (
    "clarify",
    "clarification_failed",
    "low_confidence",
    "calm",
    "negative_emotion",
    "ask_order_id",
    "ask_tracking_no",
    "ask_phone",
    "ask_rating",
    "rating_thanks",
)
# Values an FAQ entry may require before it is answered; each has an `ask_<slot>` message.
SLOTS = ("order_id", "tracking_no", "phone")
_POLICY_VARIABLES = ("option_1", "option_2")
HANDOFF_REASONS = ("requested", "urgent", "complaint")
PRIORITIES: tuple[str, ...] = get_args(Priority)
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEYS = ("version", "variables", "settings", "messages", "urgent", "intents")
_INTENT_KEYS = ("title", "description", "handoff", "queue", "priority", "default_answers", "faqs")
_FAQ_KEYS = ("id", "questions", "answers", "requires")
_URGENT_KEYS = ("id", "keywords", "queue", "answers")


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One question the shop answers, with example phrasings and answer variants."""

    id: str
    intent: str
    questions: tuple[str, ...]
    answers: tuple[str, ...]
    requires: tuple[str, ...] = ()  # slots (e.g. order_id) to ask for before answering


@dataclass(frozen=True, slots=True)
class UrgentRule:
    """Keywords that make any message urgent (e.g. a device smoking), with what to say."""

    id: str
    keywords: tuple[str, ...]
    queue: str
    answers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IntentSpec:
    """How the bot treats an intent: its answers and whether it hands off."""

    name: str
    title: str  # what customers read, e.g. in a clarifying question
    description: str
    handoff: HandoffReason | None
    queue: str
    priority: Priority
    default_answers: tuple[str, ...]
    faqs: tuple[FaqEntry, ...]


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """All intents in file order, the template variables' defaults and the settings."""

    intents: tuple[IntentSpec, ...]
    variables: Mapping[str, str]
    settings: Mapping[str, float]
    messages: Mapping[str, str]
    urgent: tuple[UrgentRule, ...]

    def intent(self, name: str) -> IntentSpec:
        for spec in self.intents:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def intent_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.intents)

    def to_dict(self) -> dict[str, Any]:
        """The same plain structure as `faq.yaml` (what `knowledge_base_from_dict` reads)."""
        return {
            "version": FORMAT_VERSION,
            "variables": dict(self.variables),
            "settings": dict(self.settings),
            "messages": dict(self.messages),
            "urgent": [
                {
                    "id": r.id,
                    "keywords": list(r.keywords),
                    "queue": r.queue,
                    "answers": list(r.answers),
                }
                for r in self.urgent
            ],
            "intents": {
                spec.name: {
                    "title": spec.title,
                    "description": spec.description,
                    "handoff": spec.handoff or False,
                    "queue": spec.queue,
                    "priority": spec.priority,
                    "default_answers": list(spec.default_answers),
                    "faqs": [
                        {
                            "id": e.id,
                            "questions": list(e.questions),
                            "answers": list(e.answers),
                            "requires": list(e.requires),
                        }
                        for e in spec.faqs
                    ],
                }
                for spec in self.intents
            },
        }

    def faq(self, faq_id: str) -> FaqEntry:
        for spec in self.intents:
            for entry in spec.faqs:
                if entry.id == faq_id:
                    return entry
        raise KeyError(faq_id)


def load_knowledge_base(path: Path) -> KnowledgeBase:
    """Read and validate `faq.yaml`; raise DataError listing every problem with its line."""
    from csbot.yamlfile import read_yaml

    doc = read_yaml(path)
    problems = check_knowledge_base(doc)
    raise_errors(problems, str(path))
    return knowledge_base_from_dict(doc.data)


def check_knowledge_base(doc: YamlDocument) -> list[Problem]:
    """Every schema problem of a parsed `faq.yaml`, each with `file:line` and field."""
    problems: list[Problem] = []
    data = doc.data
    if not isinstance(data, dict):
        return [error(doc.where(), "expected a mapping with keys " + ", ".join(_TOP_KEYS))]
    _unknown_keys(doc, data, (), _TOP_KEYS, problems)
    if data.get("version") != FORMAT_VERSION:
        problems.append(error(doc.where("version"), f"field 'version' must be {FORMAT_VERSION}"))
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str | int | float) for k, v in variables.items()
    ):
        problems.append(error(doc.where("variables"), "field 'variables' must map names to text"))
        variables = {}
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        problems.append(error(doc.where("settings"), "field 'settings' must be a mapping"))
        settings = {}
    for key, value in settings.items():
        where = doc.where("settings", key)
        if key not in SETTINGS_DEFAULTS:
            problems.append(
                error(
                    where,
                    f"unknown setting '{key}'" + did_you_mean(str(key), list(SETTINGS_DEFAULTS)),
                )
            )
        elif key in _COUNT_SETTINGS:
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                problems.append(
                    error(where, f"setting '{key}' must be a whole number of at least 1")
                )
        elif not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            problems.append(error(where, f"setting '{key}' must be a number from 0 to 1"))
    _check_messages(doc, data.get("messages"), variables, problems)
    _check_urgent(doc, data.get("urgent", []), variables, problems)
    intents = data.get("intents")
    if not isinstance(intents, dict) or not intents:
        problems.append(error(doc.where("intents"), "field 'intents' must be a non-empty mapping"))
        return problems
    if OUT_OF_SCOPE not in intents:
        problems.append(
            error(doc.where("intents"), f"intent '{OUT_OF_SCOPE}' is required (the fallback)")
        )
    seen_ids: dict[str, str] = {}
    for name, spec in intents.items():
        _check_intent(doc, str(name), spec, variables, seen_ids, problems)
    return problems


def _check_intent(
    doc: YamlDocument,
    name: str,
    spec: Any,
    variables: Mapping[str, Any],
    seen_ids: dict[str, str],
    problems: list[Problem],
) -> None:
    key = ("intents", name)
    if not _ID.match(name):
        problems.append(error(doc.where(*key), f"intent name '{name}' must be snake_case"))
    if not isinstance(spec, dict):
        problems.append(error(doc.where(*key), f"intent '{name}' must be a mapping"))
        return
    _unknown_keys(doc, spec, key, _INTENT_KEYS, problems)
    for field in ("title", "description", "queue"):
        if not isinstance(spec.get(field), str) or not spec[field].strip():
            problems.append(
                error(doc.where(*key, field), f"intents.{name}.{field} must be non-empty text")
            )
    handoff = spec.get("handoff", False)
    if handoff is not False and handoff not in HANDOFF_REASONS:
        problems.append(
            error(
                doc.where(*key, "handoff"),
                f"intents.{name}.handoff must be false or one of {', '.join(HANDOFF_REASONS)}",
            )
        )
    if spec.get("priority", "normal") not in PRIORITIES:
        problems.append(
            error(
                doc.where(*key, "priority"),
                f"intents.{name}.priority must be one of {', '.join(PRIORITIES)}",
            )
        )
    _check_answers(
        doc, (*key, "default_answers"), spec.get("default_answers"), variables, problems, minimum=1
    )
    faqs = spec.get("faqs", [])
    if not isinstance(faqs, list):
        problems.append(error(doc.where(*key, "faqs"), f"intents.{name}.faqs must be a list"))
        return
    for i, entry in enumerate(faqs):
        fkey = (*key, "faqs", i)
        if not isinstance(entry, dict):
            problems.append(error(doc.where(*fkey), f"intents.{name}.faqs[{i}] must be a mapping"))
            continue
        _unknown_keys(doc, entry, fkey, _FAQ_KEYS, problems)
        faq_id = entry.get("id")
        if not isinstance(faq_id, str) or not _ID.match(faq_id):
            problems.append(
                error(
                    doc.where(*fkey, "id"),
                    f"intents.{name}.faqs[{i}].id must be a snake_case string",
                )
            )
        elif faq_id in seen_ids:
            problems.append(
                error(
                    doc.where(*fkey, "id"),
                    f"FAQ id '{faq_id}' is used twice (first at {seen_ids[faq_id]})",
                )
            )
        else:
            seen_ids[faq_id] = doc.where(*fkey, "id")
        questions = entry.get("questions")
        if (
            not isinstance(questions, list)
            or not questions
            or not all(isinstance(q, str) and q.strip() for q in questions)
        ):
            problems.append(
                error(
                    doc.where(*fkey, "questions"),
                    f"intents.{name}.faqs[{i}].questions must be a non-empty list of strings",
                )
            )
        _check_answers(
            doc, (*fkey, "answers"), entry.get("answers"), variables, problems, minimum=1
        )
        requires = entry.get("requires", [])
        if not isinstance(requires, list) or any(r not in SLOTS for r in requires):
            problems.append(
                error(
                    doc.where(*fkey, "requires"),
                    f"intents.{name}.faqs[{i}].requires must list slots among {', '.join(SLOTS)}",
                )
            )


def _check_messages(
    doc: YamlDocument, messages: Any, variables: Mapping[str, Any], problems: list[Problem]
) -> None:
    if not isinstance(messages, dict):
        problems.append(error(doc.where("messages"), "field 'messages' must be a mapping"))
        return
    allowed = {*variables, *_POLICY_VARIABLES}
    for name in POLICY_MESSAGES:
        if name not in messages:
            problems.append(error(doc.where("messages"), f"messages.{name} is missing"))
    for name, text in messages.items():
        where = doc.where("messages", name)
        if name not in POLICY_MESSAGES:
            hint = did_you_mean(str(name), POLICY_MESSAGES)
            problems.append(error(where, f"unknown message '{name}'" + hint))
        elif not isinstance(text, str) or not text.strip():
            problems.append(error(where, f"messages.{name} must be non-empty text"))
        else:
            for var in placeholders(text):
                if var not in allowed:
                    problems.append(
                        error(where, f"messages.{name} uses unknown variable {{{var}}}")
                    )


def _check_urgent(
    doc: YamlDocument, rules: Any, variables: Mapping[str, Any], problems: list[Problem]
) -> None:
    if not isinstance(rules, list):
        problems.append(error(doc.where("urgent"), "field 'urgent' must be a list of rules"))
        return
    for i, rule in enumerate(rules):
        key = ("urgent", i)
        if not isinstance(rule, dict):
            problems.append(error(doc.where(*key), f"urgent[{i}] must be a mapping"))
            continue
        _unknown_keys(doc, rule, key, _URGENT_KEYS, problems)
        if not isinstance(rule.get("id"), str) or not isinstance(rule.get("queue"), str):
            problems.append(
                error(doc.where(*key), f"urgent[{i}] needs text fields 'id' and 'queue'")
            )
        keywords = rule.get("keywords")
        if not isinstance(keywords, list) or not all(isinstance(k, str) and k for k in keywords):
            problems.append(
                error(doc.where(*key, "keywords"), f"urgent[{i}].keywords must be a list of words")
            )
        _check_answers(doc, (*key, "answers"), rule.get("answers"), variables, problems, minimum=1)


def _check_answers(
    doc: YamlDocument,
    key: tuple[str | int, ...],
    answers: Any,
    variables: Mapping[str, Any],
    problems: list[Problem],
    minimum: int,
) -> None:
    field = ".".join(str(k) for k in key)
    if not isinstance(answers, list) or len(answers) < minimum:
        problems.append(
            error(doc.where(*key), f"{field} must be a list of at least {minimum} answer(s)")
        )
        return
    for i, answer in enumerate(answers):
        where = doc.where(*key, i)
        if not isinstance(answer, str) or not answer.strip():
            problems.append(error(where, f"{field}[{i}] must be non-empty text"))
            continue
        for name in placeholders(answer):
            if name not in variables:
                problems.append(
                    error(
                        where,
                        f"{field}[{i}] uses unknown variable {{{name}}}"
                        + did_you_mean(name, list(variables)),
                    )
                )
        if stray_braces(answer):
            problems.append(error(where, f"{field}[{i}] has a brace that is not a {{variable}}"))


def _unknown_keys(
    doc: YamlDocument,
    mapping: dict[Any, Any],
    key: tuple[str | int, ...],
    allowed: tuple[str, ...],
    problems: list[Problem],
) -> None:
    for name in mapping:
        if name not in allowed:
            where = doc.where(*key, name)
            problems.append(
                error(where, f"unknown field '{name}'" + did_you_mean(str(name), list(allowed)))
            )


def knowledge_base_from_dict(data: Mapping[str, Any]) -> KnowledgeBase:
    """Build the typed knowledge base from validated plain data (as read from YAML)."""
    intents = []
    for name, spec in data["intents"].items():
        faqs = tuple(
            FaqEntry(
                id=entry["id"],
                intent=name,
                questions=tuple(q.strip() for q in entry["questions"]),
                answers=tuple(entry["answers"]),
                requires=tuple(entry.get("requires") or ()),
            )
            for entry in spec.get("faqs") or ()
        )
        handoff = spec.get("handoff") or None
        intents.append(
            IntentSpec(
                name=name,
                title=spec.get("title", name),
                description=spec["description"].strip(),
                handoff=cast("HandoffReason | None", handoff),
                queue=spec["queue"],
                priority=cast(Priority, spec.get("priority", "normal")),
                default_answers=tuple(spec["default_answers"]),
                faqs=faqs,
            )
        )
    variables = {k: str(v) for k, v in (data.get("variables") or {}).items()}
    settings = {**SETTINGS_DEFAULTS, **(data.get("settings") or {})}
    messages = {k: str(v) for k, v in (data.get("messages") or {}).items()}
    urgent = tuple(
        UrgentRule(r["id"], tuple(r["keywords"]), r["queue"], tuple(r["answers"]))
        for r in data.get("urgent") or ()
    )
    return KnowledgeBase(tuple(intents), variables, settings, messages, urgent)

"""How often replies give the FAQ answer a labelled message calls for (`csbot eval --faq`).

Intent accuracy says nothing about the answer a customer reads: a message can be classified
right and still get another entry's answer, or the intent's generic default answer because
no example question is close enough. This scores whole replies against `faq_id<TAB>text`
lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csbot.intents.evaluate import read_labelled_rows
from csbot.problems import did_you_mean, raise_messages
from csbot.responses.knowledge_base import KnowledgeBase

if TYPE_CHECKING:
    from csbot.bot import Bot


@dataclass(frozen=True, slots=True)
class FaqMiss:
    """A message whose reply was not the expected entry's answer."""

    expected: str  # the FAQ id the message calls for
    faq_id: str | None  # the reply's entry; None: the intent's default answer
    intent: str  # the reply's intent
    text: str


@dataclass(frozen=True, slots=True)
class FaqReport:
    """Replies by outcome: the expected entry's answer, the right intent's default answer,
    another entry of the right intent, or another intent."""

    examples: int
    right: int
    default_answer: int
    other_entry: int
    other_intent: int
    misses: tuple[FaqMiss, ...]

    @property
    def accuracy(self) -> float:
        return self.right / self.examples if self.examples else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "accuracy": self.accuracy}

    def format(self, misses: int = 20) -> str:
        def share(n: int) -> str:
            return f"{n:>5}  {n / self.examples:6.1%}" if self.examples else f"{n:>5}"

        lines = [
            f"examples              {self.examples}",
            f"the expected answer   {share(self.right)}",
            f"the default answer    {share(self.default_answer)}",
            f"another entry         {share(self.other_entry)}",
            f"another intent        {share(self.other_intent)}",
        ]
        if self.misses and misses:
            lines += ["", "misses (expected -> the reply's intent · entry: message)"]
            lines += [
                f"  {m.expected} -> {m.intent} · {m.faq_id or 'default answer'}: {m.text}"
                for m in self.misses[:misses]
            ]
        return "\n".join(lines)


def read_faq_file(path: Path, kb: KnowledgeBase) -> list[tuple[str, str]]:
    """(faq_id, text) pairs from a TSV or JSONL file as `read_labelled_file` reads them
    (the label is the FAQ id); an id the knowledge base lacks is an error naming its line."""
    rows = read_labelled_rows(path)
    known = [entry.id for spec in kb.intents for entry in spec.faqs]
    problems = [
        f"{path}:{number}: field 'label': unknown FAQ id '{label}'" + did_you_mean(label, known)
        for number, label, _ in rows
        if label not in known
    ]
    raise_messages(problems, str(path))
    return [(label, text) for _, label, text in rows]


def evaluate_faq(bot: Bot, pairs: Sequence[tuple[str, str]]) -> FaqReport:
    """Each message answered on its own (no session, no template variables)."""
    kb = bot.model.knowledge_base
    right = default = other_entry = other_intent = 0
    misses = []
    for expected, text in pairs:
        reply = bot.reply(text)
        if reply.faq_id == expected:
            right += 1
            continue
        if reply.intent != kb.faq(expected).intent:
            other_intent += 1
        elif reply.faq_id is None:
            default += 1
        else:
            other_entry += 1
        misses.append(FaqMiss(expected, reply.faq_id, reply.intent, text))
    return FaqReport(len(pairs), right, default, other_entry, other_intent, tuple(misses))

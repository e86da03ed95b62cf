"""What the conversation log says: volume, hand-offs, fallbacks, uncertain messages, hot
issues and satisfaction, as text for the terminal or one self-contained HTML page."""

from __future__ import annotations

import html
import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from csbot.conversation_log import RatingEvent, ReplyEvent, SQLiteLog
from csbot.intents.classifier import OUT_OF_SCOPE
from csbot.intents.text import LINK_TOKEN, NUMBER_TOKEN, Tokenizer, normalize

_PERIOD = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
NOT_AN_ISSUE = frozenset({OUT_OF_SCOPE, "greeting", "thanks"})
# A term or intent is "hot" when its share of messages at least doubled against the
# previous period of the same length and it was seen this often.
HOT_RATIO = 2.0
HOT_MIN_COUNT = 3
_STOP = frozenset(
    (
        "的",
        "了",
        "吗",
        "啊",
        "呢",
        "吧",
        "我",
        "你",
        "我们",
        "你们",
        "是",
        "在",
        "有",
        "没有",
        "怎么",
        "什么",
        "一个",
        "这个",
        "那个",
        "还",
        "就",
        "也",
        "都",
        "和",
        "能",
        "可以",
        "要",
        "不",
        "没",
    )
)


def parse_period(text: str) -> float:
    """'7d', '24h', '30m', '2w' or '90s' as seconds."""
    match = _PERIOD.match(text)
    if not match:
        raise ValueError(f"period must look like 7d, 24h, 30m, 2w or 90s, not {text!r}")
    return float(match.group(1)) * _UNIT_SECONDS[match.group(2)]


@dataclass(frozen=True)
class Rising:
    name: str
    now: int
    before: int
    ratio: float


@dataclass(frozen=True)
class Satisfaction:
    average: float | None
    ratings: int


@dataclass(frozen=True)
class Report:
    since: float
    until: float
    messages: int
    by_intent: list[tuple[str, int]]
    by_day: list[tuple[str, int]]
    handoff_rate: float
    handoff_reasons: list[tuple[str, int]]
    fallback_rate: float
    least_confident: list[ReplyEvent]
    hot_intents: list[Rising]
    hot_terms: list[Rising]
    satisfaction_by_intent: list[tuple[str, Satisfaction]]
    satisfaction_answered: Satisfaction
    satisfaction_handed_off: Satisfaction
    ratings: list[RatingEvent] = field(repr=False, default_factory=list)


def build_report(
    log: SQLiteLog, period: float, *, now: float | None = None, tokenizer: Tokenizer | None = None
) -> Report:
    """The report for the last `period` seconds, compared with the period before it."""
    until = time.time() if now is None else now
    since = until - period
    current = list(log.replies(since, until))
    previous = list(log.replies(since - period, since))
    ratings = list(log.ratings(since, until))
    tokenizer = tokenizer or Tokenizer()
    intents = Counter(e.intent for e in current)
    days = Counter(time.strftime("%Y-%m-%d", time.localtime(e.time)) for e in current)
    handoffs = Counter(e.handoff_reason for e in current if e.handoff_reason)
    n = max(len(current), 1)
    return Report(
        since=since,
        until=until,
        messages=len(current),
        by_intent=intents.most_common(),
        by_day=sorted(days.items()),
        handoff_rate=sum(handoffs.values()) / n,
        handoff_reasons=handoffs.most_common(),
        fallback_rate=intents[OUT_OF_SCOPE] / n,
        least_confident=sorted(current, key=lambda e: e.confidence)[:10],
        hot_intents=_rising(
            Counter(e.intent for e in current if e.intent not in NOT_AN_ISSUE),
            Counter(e.intent for e in previous if e.intent not in NOT_AN_ISSUE),
            len(current),
            len(previous),
        ),
        hot_terms=_rising(
            _terms(current, tokenizer), _terms(previous, tokenizer), len(current), len(previous)
        ),
        satisfaction_by_intent=_satisfaction_by_intent(current, ratings),
        satisfaction_answered=_satisfaction(current, ratings, handed_off=False),
        satisfaction_handed_off=_satisfaction(current, ratings, handed_off=True),
        ratings=ratings,
    )


def _terms(events: Sequence[ReplyEvent], tokenizer: Tokenizer) -> Counter[str]:
    """In how many messages each word appears (words of two or more characters)."""
    counts: Counter[str] = Counter()
    for event in events:
        words = {
            w
            for w in tokenizer.tokenize(normalize(event.text))
            if len(w) >= 2
            and w not in _STOP
            and w not in (NUMBER_TOKEN, LINK_TOKEN)
            and not w.isdigit()
        }
        counts.update(words)
    return counts


def _rising(now: Counter[str], before: Counter[str], n_now: int, n_before: int) -> list[Rising]:
    """Names whose share of messages rose at least HOT_RATIO-fold (add-one smoothed)."""
    rising = []
    for name, count in now.items():
        if count < HOT_MIN_COUNT:
            continue
        ratio = (count / max(n_now, 1)) / ((before[name] + 1) / (n_before + 1))
        if ratio >= HOT_RATIO:
            rising.append(Rising(name, count, before[name], ratio))
    return sorted(rising, key=lambda r: (-r.ratio, -r.now, r.name))[:10]


def _conversations(events: Sequence[ReplyEvent]) -> dict[str, list[ReplyEvent]]:
    sessions: dict[str, list[ReplyEvent]] = defaultdict(list)
    for event in events:
        if event.session_id:
            sessions[event.session_id].append(event)
    return sessions


def _topic(events: Sequence[ReplyEvent]) -> str:
    """What a conversation was about: its most frequent business intent."""
    topics = Counter(e.intent for e in events if e.intent not in NOT_AN_ISSUE)
    return topics.most_common(1)[0][0] if topics else OUT_OF_SCOPE


def _average(values: Sequence[int]) -> Satisfaction:
    return Satisfaction(sum(values) / len(values) if values else None, len(values))


def _satisfaction_by_intent(
    events: Sequence[ReplyEvent], ratings: Sequence[RatingEvent]
) -> list[tuple[str, Satisfaction]]:
    sessions = _conversations(events)
    by_topic: dict[str, list[int]] = defaultdict(list)
    for rating in ratings:
        by_topic[_topic(sessions.get(rating.session_id, []))].append(rating.rating)
    return sorted(((t, _average(v)) for t, v in by_topic.items()), key=lambda x: -x[1].ratings)


def _satisfaction(
    events: Sequence[ReplyEvent], ratings: Sequence[RatingEvent], *, handed_off: bool
) -> Satisfaction:
    sessions = _conversations(events)
    values = [
        r.rating
        for r in ratings
        if any(e.handoff_reason for e in sessions.get(r.session_id, [])) == handed_off
    ]
    return _average(values)


def _stars(s: Satisfaction) -> str:
    return "—" if s.average is None else f"{s.average:.2f} ({s.ratings})"


def format_text(report: Report) -> str:
    """The report for a terminal."""
    start = time.strftime("%Y-%m-%d %H:%M", time.localtime(report.since))
    end = time.strftime("%Y-%m-%d %H:%M", time.localtime(report.until))
    lines = [f"csbot report {start} - {end}: {report.messages} messages", ""]
    lines.append(
        f"hand-off rate {report.handoff_rate:.1%}   fallback rate (out_of_scope) {report.fallback_rate:.1%}"
    )
    lines.append(
        "hand-offs by reason: "
        + (", ".join(f"{r} {n}" for r, n in report.handoff_reasons) or "none")
    )
    lines += ["", "messages by intent:"]
    lines += [f"  {intent:<18}{n:>6}" for intent, n in report.by_intent]
    lines += ["", "messages by day:"]
    lines += [f"  {day}  {n:>6}" for day, n in report.by_day]
    lines += ["", "hot issues (share at least doubled against the previous period):"]
    hot = [f"  intent {r.name}: {r.before} -> {r.now} ({r.ratio:.1f}x)" for r in report.hot_intents]
    hot += [
        f"  term 「{r.name}」: {r.before} -> {r.now} ({r.ratio:.1f}x)" for r in report.hot_terms
    ]
    lines += hot or ["  none"]
    lines += ["", "least sure of (confidence, intent, masked text):"]
    lines += [
        f"  {e.confidence:.2f}  {e.intent:<18}{e.text[:60]}" for e in report.least_confident
    ] or ["  none"]
    lines += ["", "satisfaction (average 1-5, ratings):"]
    lines.append(f"  answered by the bot   {_stars(report.satisfaction_answered)}")
    lines.append(f"  handed off to a person {_stars(report.satisfaction_handed_off)}")
    lines += [f"  {intent:<18}{_stars(s)}" for intent, s in report.satisfaction_by_intent]
    return "\n".join(lines)


def _bars(title: str, rows: Sequence[tuple[str, float]], unit: str = "") -> str:
    """A horizontal bar chart as inline SVG."""
    if not rows:
        return f"<h2>{html.escape(title)}</h2><p>no data</p>"
    top = max(v for _, v in rows) or 1
    height = 24 * len(rows) + 10
    parts = [
        f'<h2>{html.escape(title)}</h2><svg width="640" height="{height}" role="img" aria-label="{html.escape(title)}">'
    ]
    for i, (label, value) in enumerate(rows):
        y = 5 + 24 * i
        width = 420 * value / top
        parts.append(
            f'<text x="150" y="{y + 15}" text-anchor="end">{html.escape(label)}</text>'
            f'<rect x="160" y="{y + 2}" width="{width:.1f}" height="16" fill="#ff5000"></rect>'
            f'<text x="{166 + width:.1f}" y="{y + 15}">{value:g}{unit}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def format_html(report: Report) -> str:
    """One self-contained page (inline SVG charts, no script, no CDN)."""
    start = time.strftime("%Y-%m-%d %H:%M", time.localtime(report.since))
    end = time.strftime("%Y-%m-%d %H:%M", time.localtime(report.until))
    hot = [(f"意图 {r.name}", round(r.ratio, 1)) for r in report.hot_intents]
    hot += [(f"词 {r.name}", round(r.ratio, 1)) for r in report.hot_terms]
    satisfaction = [
        (i, round(s.average, 2)) for i, s in report.satisfaction_by_intent if s.average is not None
    ]
    rows = "".join(
        f"<tr><td>{e.confidence:.2f}</td><td>{html.escape(e.intent)}</td><td>{html.escape(e.text)}</td></tr>"
        for e in report.least_confident
    )
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>csbot 报告</title>
<style>body{{font:14px/1.5 system-ui,"Noto Sans CJK SC","WenQuanYi Zen Hei",sans-serif;margin:24px;color:#1f2328}}
h1{{font-size:20px}}h2{{font-size:16px;margin-top:24px}}svg text{{font-size:12px}}
.kpi{{display:flex;gap:24px}}.kpi div{{border:1px solid #e3e6ea;border-radius:8px;padding:8px 16px}}
.kpi b{{display:block;font-size:20px}}table{{border-collapse:collapse}}td{{border-bottom:1px solid #eee;padding:4px 8px}}</style>
</head><body>
<h1>csbot 报告 {html.escape(start)} – {html.escape(end)}</h1>
<div class="kpi"><div>消息<b>{report.messages}</b></div><div>转人工率<b>{report.handoff_rate:.1%}</b></div>
<div>未理解率<b>{report.fallback_rate:.1%}</b></div>
<div>满意度（机器人/人工）<b>{_stars(report.satisfaction_answered)} / {_stars(report.satisfaction_handed_off)}</b></div></div>
{_bars("按意图的消息量", report.by_intent)}
{_bars("按天的消息量", report.by_day)}
{_bars("转人工原因", report.handoff_reasons)}
{_bars("热点（占比相对上一周期的倍数）", hot, "x")}
{_bars("各意图满意度（1-5）", satisfaction)}
<h2>机器人最没把握的消息</h2><table>{rows}</table>
</body></html>
"""

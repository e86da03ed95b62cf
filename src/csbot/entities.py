"""Entities in a customer's message: order, phone, tracking and ID-card numbers, amounts
and dates, found by tested patterns."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

EntityKind = Literal["order_id", "phone", "tracking_no", "id_card", "amount", "date"]


@dataclass(frozen=True, slots=True)
class Entity:
    """One entity: its kind, the text as written, and where it stands in the message."""

    kind: EntityKind
    value: str
    start: int
    end: int


_NOT_ALNUM_BEFORE = r"(?<![0-9A-Za-z])"
_NOT_ALNUM_AFTER = r"(?![0-9A-Za-z])"
# Most messages hold no digit, and all the number patterns need one: checked first.
HAS_DIGIT = re.compile(r"\d").search
ID_CARD = re.compile(
    _NOT_ALNUM_BEFORE
    + r"\d{6}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
    + _NOT_ALNUM_AFTER
)
PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")
LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-\d{7,8}(?!\d)")
# Courier waybills: SF (顺丰), YT (圆通), JT (极兔), JD/JDV (京东), DPK (德邦), ZTO/STO/YD and
# EMS-style international numbers (EA123456789CN).
TRACKING = re.compile(
    _NOT_ALNUM_BEFORE
    + r"(?:(?:SF|YT|JT|JDV?|DPK|ZTO|STO|YD|YZ)\d{9,15}|E[A-Z]\d{9}CN)"
    + _NOT_ALNUM_AFTER,
    re.IGNORECASE,
)
# Order numbers: 12-24 digits, or two digit groups joined by a dash (240312-558712093).
ORDER = re.compile(_NOT_ALNUM_BEFORE + r"(?:\d{6,8}-\d{6,15}|\d{12,24})" + _NOT_ALNUM_AFTER)
# Any other long number the customer calls an order or waybill number ("订单号 8839201").
LABELLED_NUMBER = re.compile(
    r"(?:订单号?|单号|快递单号|运单号|order)\s*(?:是|为|:|：|#)?\s*([A-Za-z]{0,4}\d[\d-]{5,30})",
    re.IGNORECASE,
)
AMOUNT = re.compile(r"(?:[¥￥]\s*\d+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?\s*(?:元|块钱|块|rmb|RMB))")
DATE = re.compile(
    r"(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}[日号]?|\d{1,2}月\d{1,2}[日号]|\d{1,2}[./]\d{1,2}号"
    r"|大前天|前天|昨天|今天|明天|后天|上周[一二三四五六日天]?|这周[一二三四五六日天]?"
    r"|上个?月|双十一|双11|双十二|双12|618)"
)


def extract_entities(text: str) -> tuple[Entity, ...]:
    """All entities in `text`, in order; a span is claimed by the first pattern that finds
    it (ID card, phone, tracking, order, amount, date)."""
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []

    def add(kind: EntityKind, start: int, end: int) -> None:
        if all(end <= a or start >= b for a, b in taken):
            taken.append((start, end))
            found.append(Entity(kind, text[start:end], start, end))

    if HAS_DIGIT(text):  # every pattern but the dates' words needs a digit
        for match in ID_CARD.finditer(text):
            add("id_card", *match.span())
        for match in PHONE.finditer(text):
            add("phone", *match.span())
        for match in TRACKING.finditer(text):
            add("tracking_no", *match.span())
        for match in ORDER.finditer(text):
            add("order_id", *match.span())
        for match in LABELLED_NUMBER.finditer(text):
            add("order_id", *match.span(1))
        for match in AMOUNT.finditer(text):
            add("amount", *match.span())
    for match in DATE.finditer(text):
        add("date", *match.span())
    return tuple(sorted(found, key=lambda e: e.start))

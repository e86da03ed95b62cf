"""Masking of customer data (phone, ID-card, order and tracking numbers, addresses) before
any text reaches a log line or a hand-off summary."""

from __future__ import annotations

import re

from csbot.entities import (
    HAS_DIGIT,
    ID_CARD,
    LABELLED_NUMBER,
    LANDLINE,
    ORDER,
    PHONE,
    TRACKING,
)

# Anything else that looks like an order or waybill number: optional letters, 8+ digits.
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{0,4}\d[\d-]{6,}\d(?![0-9A-Za-z])")
_ADDRESS = re.compile(
    r"[\u4e00-\u9fa5]{2,}(?:省|自治区|市|区|县|镇|乡|街道)"
    r"[\u4e00-\u9fa5\dA-Za-z\-#]*?(?:路|街|道|巷|弄|村|小区|花园|大厦|公寓|苑|号楼|栋|幢|单元|号|室)"
    r"(?:[\dA-Za-z\-#]*(?:号楼|栋|幢|单元|号|室|楼))*"
)


def _keep_last4(match: re.Match[str]) -> str:
    return "****" + match.group()[-4:]


def mask_pii(text: str) -> str:
    """`text` with ID-card numbers, phone numbers, order/tracking numbers and street
    addresses replaced: phones keep their first 3 and last 4 digits, long numbers their
    last 4, so an agent can still match them with what the customer sees."""
    if HAS_DIGIT(text):  # all but the address pattern need a digit
        text = ID_CARD.sub("[身份证号]", text)
        text = PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
        text = LANDLINE.sub("[电话]", text)
        text = TRACKING.sub(_keep_last4, text)
        text = ORDER.sub(_keep_last4, text)
        text = LABELLED_NUMBER.sub(_mask_labelled, text)
        text = _LONG_NUMBER.sub(_keep_last4, text)
    return _ADDRESS.sub("[地址]", text)


def _mask_labelled(match: re.Match[str]) -> str:
    """'订单号 8839201' -> '订单号 ****9201': the label stays, the number is masked."""
    return match.group()[: match.start(1) - match.start()] + "****" + match.group(1)[-4:]


def mask_entity(kind: str, value: str) -> str:
    """An extracted entity's value as an agent may see it."""
    if kind in ("order_id", "tracking_no"):
        return "****" + value[-4:]
    if kind == "id_card":
        return "[身份证号]"
    if kind == "phone":
        digits = re.sub(r"\D", "", value)[-11:]
        return f"{digits[:3]}****{digits[-4:]}"
    return mask_pii(value)

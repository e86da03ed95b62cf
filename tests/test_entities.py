import pytest

from csbot import mask_pii
from csbot.entities import extract_entities


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("订单号240312-558712093 还没发", "order_id", "240312-558712093"),
        ("淘宝订单 3691827745012345678", "order_id", "3691827745012345678"),
        ("订单号是 8839201", "order_id", "8839201"),
        ("我电话138 1234 5678", "phone", "138 1234 5678"),
        ("+8613812345678", "phone", "+8613812345678"),
        ("顺丰单号SF1234567890123", "tracking_no", "SF1234567890123"),
        ("yt4455667788990 圆通的", "tracking_no", "yt4455667788990"),
        ("极兔JT0001234567890到哪了", "tracking_no", "JT0001234567890"),
        ("EMS单号EA123456789CN", "tracking_no", "EA123456789CN"),
        ("身份证11010119900307123X", "id_card", "11010119900307123X"),
        ("退我39.9元", "amount", "39.9元"),
        ("付了¥199", "amount", "¥199"),
        ("2026-11-11买的", "date", "2026-11-11"),
        ("11月11日下的单", "date", "11月11日"),
        ("双十一买的 到现在没到", "date", "双十一"),
        ("昨天就该到了", "date", "昨天"),
    ],
)
def test_entities_are_found_with_kind_and_span(text: str, kind: str, value: str) -> None:
    entities = extract_entities(text)
    match = [e for e in entities if e.kind == kind]
    assert match and match[0].value == value
    assert text[match[0].start : match[0].end] == value


def test_one_span_is_one_entity() -> None:
    entities = extract_entities("手机13812345678 订单号 240312558712093 退款20元")
    assert [e.kind for e in entities] == ["phone", "order_id", "amount"]


@pytest.mark.parametrize("text", ["打12315", "尺码170/88A", "买了3件", "", "第2个"])
def test_plain_numbers_are_not_entities(text: str) -> None:
    assert [
        e for e in extract_entities(text) if e.kind in {"order_id", "phone", "tracking_no"}
    ] == []


def test_labelled_short_order_number_is_masked_with_its_label_kept() -> None:
    assert mask_pii("订单号是 8839201") == "订单号是 ****9201"

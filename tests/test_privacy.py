import pytest

from csbot import mask_pii


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我电话13812345678", "我电话138****5678"),
        ("手机+86 138-1234-5678", "手机138****5678"),
        ("订单号240312-558712093", "订单号****2093"),
        ("单号SF1234567890123", "单号****0123"),
        ("身份证110101199003071234", "身份证[身份证号]"),
        ("座机010-88886666", "座机[电话]"),
    ],
)
def test_personal_data_is_masked(text: str, expected: str) -> None:
    assert mask_pii(text) == expected


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("地址浙江省杭州市西湖区文三路90号3栋2单元501室 谢谢", "文三路90号3栋2单元501室"),
        ("送到北京市朝阳区建国路88号", "朝阳区建国路88号"),
        ("改成广东省深圳市南山区科技园花园小区", "南山区科技园"),
    ],
)
def test_addresses_are_masked_whole(text: str, secret: str) -> None:
    masked = mask_pii(text)
    assert "[地址]" in masked and secret not in masked


@pytest.mark.parametrize(
    "text",
    ["退款39.9元", "打12315投诉", "买了3件 尺码170/88A", "双十一11.11买的", "2026年11月29日", ""],
)
def test_ordinary_numbers_and_text_are_left_alone(text: str) -> None:
    assert mask_pii(text) == text

import pytest

from csbot.responses.render import placeholders, render, stray_braces

DEFAULTS = {"shop_name": "本店", "order_id": "您的订单"}


def test_values_fill_placeholders_and_missing_ones_use_defaults() -> None:
    out = render("欢迎光临{shop_name}，{order_id}已发货", {"shop_name": "小满家居"}, DEFAULTS)
    assert out == "欢迎光临小满家居，您的订单已发货"


def test_unknown_placeholder_without_default_never_shows_braces() -> None:
    assert render("亲{nickname}您好", {}, DEFAULTS) == "亲您好"


@pytest.mark.parametrize(
    "hostile",
    [
        "{order_id}",
        "{0.__class__.__mro__}",
        "{shop_name!r:>999999}",
        "%s%s%n",
        "}}{{",
        "\x00\n换行",
    ],
)
def test_hostile_values_are_inserted_as_plain_text(hostile: str) -> None:
    out = render("店铺：{shop_name}；订单：{order_id}", {"shop_name": hostile}, DEFAULTS)
    assert out.endswith("；订单：您的订单")
    assert "\x00" not in out and "\n" not in out
    assert hostile.replace("\x00", " ").replace("\n", " ").strip() in out


def test_long_values_are_cut() -> None:
    out = render("{shop_name}", {"shop_name": "店" * 10_000}, DEFAULTS)
    assert len(out) == 200


def test_placeholder_helpers() -> None:
    assert placeholders("{a}x{b_1}{}") == ["a", "b_1"]
    assert stray_braces("{a} {") and not stray_braces("{a}{b}")

import random
import re

import jieba
import pytest

from csbot.intents.features import Featurizer, extract_features
from csbot.intents.text import (
    _REPEATS,
    LINK_TOKEN,
    NUMBER_TOKEN,
    Tokenizer,
    _collapse_repeats,
    normalize,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("我的ＫＤ到哪了？？？", "我的快递到哪了?"),
        ("  退款   什么时候\t到账  ", "退款 什么时候 到账"),
        ("订单号240312-558712093还没fh!!!", f"订单号 {NUMBER_TOKEN} 还没发货!"),
        ("哈哈哈哈哈哈", "哈哈哈"),
        ("😭😭😭怎么办", "😭怎么办"),
        ("abc\x00\u200bdef", "abc def"),
        ("bad\ud800text", "badtext"),
        ("", ""),
        ("https://m.tb.cn/h.5xYz?sm=1a 这单发了没", f"{LINK_TOKEN} 这单发了没"),
        ("看下这个WWW.Shop.com/item/88这个有货吗", f"看下这个 {LINK_TOKEN} 这个有货吗"),
        ("[图片]你看 都碎成这样了[视频]", "你看 都碎成这样了"),
        ("[微笑] 好的", "[微笑] 好的"),  # an emoji in words stays: it tells the mood
        ("退款\u3000\u00a0 到账\u2003\n", "退款 到账"),  # Unicode spaces, as one
        ("HTTP://A.CN/x 看看", f"{LINK_TOKEN} 看看"),
        ("买了个www的杯子", "买了个www的杯子"),  # no link without "www."
    ],
)
def test_normalize_canonicalizes_width_case_spacing_and_repeats(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_keeps_short_numbers_that_carry_meaning() -> None:
    assert normalize("打12315投诉 退39.9") == "打12315投诉 退39.9"


def test_tokenizer_uses_the_ecommerce_user_dictionary() -> None:
    tokens = Tokenizer().tokenize(normalize("拼多多仅退款运费险七天无理由"))
    assert tokens == ["拼多多", "仅退款", "运费险", "七天无理由"]


def test_private_tokenizer_leaves_jieba_global_dictionary_alone() -> None:
    assert Tokenizer().tokenize("先用后付") == ["先用后付"]
    jieba.dt.initialize()
    assert "先用后付" not in jieba.dt.FREQ


def test_features_combine_words_bigrams_and_character_ngrams() -> None:
    features = extract_features("快递 到哪", ["快递", "到", "哪"])
    assert {"w:快递", "b:快递|到", "c:快", "c:快递", "c:到哪"} <= set(features)
    assert "c:递 " not in features and "c:递到" not in features  # n-grams stay inside a chunk


def test_featurizer_is_deterministic() -> None:
    featurize = Featurizer()
    assert featurize("我的快递怎么还没到") == featurize("我的快递怎么还没到")


def test_collapsing_repeats_in_one_pass_equals_the_two_substitutions() -> None:
    punctuation, characters = re.compile(r"([^\w\s])\1+"), re.compile(r"(.)\1{3,}")
    rng = random.Random(5)
    alphabet = "a啊哈!！?？。.- \n\t😭"
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        two_passes = characters.sub(r"\1\1\1", punctuation.sub(r"\1", text))
        assert _REPEATS.sub(_collapse_repeats, text) == two_passes, text


def test_folding_is_done_once_and_changes_nothing_the_second_time() -> None:
    from csbot.intents.text import Folded, fold

    text = "ＫＤ到哪了？ 發貨了沒"
    folded = fold(text)
    assert type(folded) is Folded and folded == "kd到哪了? 发货了没"
    assert fold(folded) is folded
    assert fold(str(folded)) == folded  # a plain string with the same text folds the same
    assert normalize(folded) == normalize(text)

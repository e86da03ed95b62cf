"""Text normalization and jieba tokenization with csbot's e-commerce user dictionary."""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from pathlib import Path

import jieba
import opencc

USER_DICT = Path(__file__).with_name("userdict.txt")

# Pinyin abbreviations customers type instead of the word; matched as whole latin words.
ABBREVIATIONS: dict[str, str] = {
    "kd": "快递",
    "wl": "物流",
    "fh": "发货",
    "tk": "退款",
    "th": "退货",
    "yhq": "优惠券",
    "hb": "红包",
    "fp": "发票",
    "zfb": "支付宝",
    "wx": "微信",
    "dd": "订单",
    "kf": "客服",
    "rg": "人工",
    "rgkf": "人工客服",
    "sh": "售后",
    "zp": "正品",
    "qx": "取消",
}

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_LATIN_WORD = re.compile(r"(?<![a-z])[a-z]+(?![a-z])")
# Order, phone and tracking numbers are arbitrary: a placeholder keeps the fact, not the digits.
_LONG_NUMBER = re.compile(r"[a-z]{0,4}\d[\d-]{6,}\d")
_REPEATED_PUNCT = re.compile(r"([^\w\s])\1+")
_REPEATED_CHAR = re.compile(r"(.)\1{3,}")
_SPACES = re.compile(r"\s+")

NUMBER_TOKEN = "numx"


@functools.cache
def _to_simplified() -> opencc.OpenCC:
    # Built once on first use: a read-only dictionary, safe to share between threads.
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Only what never changes meaning: lone surrogates dropped, NFKC (full-width to
    half-width), Traditional to Simplified Chinese, lower case, control characters to spaces."""
    text = _SURROGATES.sub("", text)
    text = _to_simplified().convert(unicodedata.normalize("NFKC", text)).lower()
    return _CONTROL.sub(" ", text)


def normalize(text: str) -> str:
    """Canonical form for classification: `fold`, then pinyin abbreviations expanded, long
    numbers replaced by a placeholder, repeated punctuation and characters collapsed,
    single spaces."""
    text = fold(text)
    text = _LONG_NUMBER.sub(f" {NUMBER_TOKEN} ", text)
    text = _LATIN_WORD.sub(lambda m: ABBREVIATIONS.get(m.group(), m.group()), text)
    text = _REPEATED_PUNCT.sub(r"\1", text)
    text = _REPEATED_CHAR.sub(r"\1\1\1", text)
    return _SPACES.sub(" ", text).strip()


class Tokenizer:
    """A private jieba tokenizer with csbot's user dictionary, loaded on first use.

    jieba's module-level tokenizer is shared by every user of jieba in the process;
    this one is ours alone, so our dictionary never leaks into (or from) theirs.
    """

    def __init__(self, user_dict: Path = USER_DICT) -> None:
        self.user_dict = user_dict
        self._jieba: jieba.Tokenizer | None = None
        self._lock = threading.Lock()

    def _ready(self) -> jieba.Tokenizer:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    logging.getLogger("jieba").setLevel(logging.WARNING)
                    tokenizer = jieba.Tokenizer()
                    tokenizer.initialize()
                    tokenizer.load_userdict(str(self.user_dict))
                    self._jieba = tokenizer
        return self._jieba

    def tokenize(self, normalized: str) -> list[str]:
        """Words of an already normalized text, without whitespace tokens."""
        return [t for t in self._ready().lcut(normalized, HMM=True) if not t.isspace()]

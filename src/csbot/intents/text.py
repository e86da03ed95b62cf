"""Text normalization and jieba tokenization with csbot's e-commerce user dictionary."""

from __future__ import annotations

import functools
import hashlib
import logging
import marshal
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jieba
import jieba.finalseg
import opencc

from csbot.intents.compiled import native

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

# Lone surrogates are not characters: they cannot be encoded, logged or sent as JSON.
SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
_LATIN_WORD = re.compile(r"(?<![a-z])[a-z]+(?![a-z])")
_ANY_LATIN = re.compile("[a-z]").search
# Order, phone and tracking numbers are arbitrary: a placeholder keeps the fact, not the digits.
_LONG_NUMBER = re.compile(r"[a-z]{0,4}\d[\d-]{6,}\d")
# One pass for both: a run of punctuation becomes one mark, any other run of four or more
# characters becomes three (the same as the two substitutions one after the other).
_REPEATS = re.compile(r"([^\w\s])\1+|(.)\2{3,}")

NUMBER_TOKEN = "numx"
LINK_TOKEN = "urlx"
# Links customers paste (a product page, a tracking page) say nothing of what they want: one
# placeholder keeps the fact. A link ends at a space or at the first non-ASCII character.
_LINK = re.compile(r"(?:https?://|www\.)[!-~]*")
# What chat platforms put in a message for a picture, video, voice note or card sent with it.
_MEDIA = re.compile(r"\[(?:图片|视频|语音|表情|动画表情|链接|商品|商品卡片|订单|文件|位置)\]")


@functools.cache
def _to_simplified() -> opencc.OpenCC:
    # Built once on first use: a read-only dictionary, safe to share between threads.
    return opencc.OpenCC("t2s")


class Folded(str):
    """A text `fold` has already folded: folding it again returns it as it is, so that the
    steps of one reply (normalizing, the anger cues, the emotion model) fold it once."""

    __slots__ = ()


def fold(text: str) -> Folded:
    """Only what never changes meaning: lone surrogates dropped, NFKC (full-width to
    half-width), Traditional to Simplified Chinese, lower case, control characters to spaces."""
    if type(text) is Folded:
        return text
    text = SURROGATES.sub("", text)
    text = _to_simplified().convert(unicodedata.normalize("NFKC", text)).lower()
    return Folded(_CONTROL.sub(" ", text))


def _expand_abbreviation(match: re.Match[str]) -> str:
    return ABBREVIATIONS.get(match.group(), match.group())


def _collapse_repeats(match: re.Match[str]) -> str:
    mark = match.group(1)
    return mark if mark is not None else match.group(2) * 3


def normalize(text: str) -> str:
    """Canonical form for classification: `fold`, then links and long numbers replaced by
    placeholders, chat platforms' media placeholders ([图片] ...) dropped, pinyin
    abbreviations expanded, repeated punctuation and characters collapsed, single spaces."""
    text = fold(text)
    # Each pass runs only where it can match (most messages have no link, card or Latin
    # word); the checks cost a tenth of the passes.
    if "http" in text or "www." in text:
        text = _LINK.sub(f" {LINK_TOKEN} ", text)
    if "[" in text:
        text = _MEDIA.sub(" ", text)
    text = _LONG_NUMBER.sub(f" {NUMBER_TOKEN} ", text)
    if _ANY_LATIN(text):
        text = _LATIN_WORD.sub(_expand_abbreviation, text)
    text = _REPEATS.sub(_collapse_repeats, text)
    return " ".join(text.split())  # runs of whitespace as one space, none at the ends


CACHE_FORMAT = 1


def default_cache_dir() -> Path:
    """Where the tokenizer's dictionary cache goes: $CSBOT_CACHE_DIR, else the user's cache
    directory ($XDG_CACHE_HOME or ~/.cache)/csbot."""
    if os.environ.get("CSBOT_CACHE_DIR"):
        return Path(os.environ["CSBOT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "csbot"


@dataclass(frozen=True, slots=True)
class _DictionaryCache:
    """jieba's prefix dictionary (with our user words) split by first character, so that a
    process loads only the parts for the characters it meets instead of 500,000 entries."""

    total: int
    index: dict[str, tuple[int, int]]  # first character -> (offset, length) in `blob`
    blob: bytes


class Tokenizer:
    """A private jieba tokenizer with csbot's user dictionary.

    jieba's module-level tokenizer is shared by every user of jieba in the process; this
    one is ours alone, so our dictionary never leaks into (or from) theirs. Loading jieba's
    whole dictionary takes most of a second, so it comes from a cache (built once, in
    `cache_dir`) in which entries are grouped by their first character: before a text is
    cut, the groups of its characters are loaded. jieba only ever looks up fragments that
    start at a character of the text, so its tokens are exactly those of plain jieba.

    The cutting itself is done by `csbot.intents._native`, a C port of jieba's algorithm
    over jieba's own dictionary and HMM tables, when it was compiled at install time
    (`compiled=False`, or no compiler: jieba's Python code, the same words, about ten
    times slower).
    """

    def __init__(
        self, user_dict: Path = USER_DICT, cache_dir: Path | None = None, compiled: bool = True
    ) -> None:
        self.user_dict = user_dict
        self.cache_dir = cache_dir
        self.compiled = compiled and native is not None
        self._jieba: jieba.Tokenizer | None = None
        self._segmenter: Any = None  # the compiled one, which holds its own dictionary
        self._cut: Callable[[str], list[str]] = self._cut_with_jieba
        self._cache: _DictionaryCache | None = None
        self._loaded: frozenset[str] = frozenset()
        self._lock = threading.Lock()

    def _ready(self) -> jieba.Tokenizer:
        if self._jieba is None:
            with self._lock:
                if self._jieba is None:
                    logging.getLogger("jieba").setLevel(logging.WARNING)
                    tokenizer = jieba.Tokenizer()
                    cache = self._open_cache()
                    if cache is None:  # no usable cache directory: the whole dictionary
                        tokenizer.initialize()
                        tokenizer.load_userdict(str(self.user_dict))
                    else:
                        tokenizer.FREQ, tokenizer.total = {}, cache.total
                        tokenizer.initialized = True
                    self._cache = cache
                    if self.compiled:
                        self._segmenter = _segmenter(tokenizer)
                        self._cut = self._segmenter.cut
                        tokenizer.FREQ = {}  # copied; later groups go to the segmenter only
                    self._jieba = tokenizer
        return self._jieba

    def tokenize(self, normalized: str) -> list[str]:
        """Words of an already normalized text, without whitespace tokens."""
        self._ready()
        if self._cache is not None:
            missing = set(normalized).difference(self._loaded)
            if missing:
                self._load(missing)
        return self._cut(normalized)

    def _cut_with_jieba(self, text: str) -> list[str]:
        assert self._jieba is not None
        return [t for t in self._jieba.lcut(text, HMM=True) if not t.isspace()]

    def _load(self, characters: set[str]) -> None:
        assert self._cache is not None and self._jieba is not None
        with self._lock:
            cache = self._cache
            add = self._jieba.FREQ.update if self._segmenter is None else self._segmenter.add
            for character in characters - self._loaded:
                span = cache.index.get(character)
                if span is not None:
                    add(marshal.loads(cache.blob[span[0] : span[0] + span[1]]))
            self._loaded = self._loaded | characters

    def _open_cache(self) -> _DictionaryCache | None:
        key = hashlib.sha256(
            f"{CACHE_FORMAT}|{jieba.__version__}|{_dictionary_stamp()}|".encode()
            + self.user_dict.read_bytes()
        ).hexdigest()[:16]
        path = (self.cache_dir or default_cache_dir()) / f"jieba-{key}.dict"
        try:
            return _read_cache(path)
        except (OSError, ValueError, EOFError, TypeError):
            pass
        try:
            _write_cache(path, self.user_dict)
            return _read_cache(path)
        except (OSError, ValueError, EOFError, TypeError):
            return None


def _segmenter(tokenizer: jieba.Tokenizer) -> Any:
    """The compiled cut with a copy of `tokenizer`'s dictionary (lazily loaded groups are
    added to it) and jieba's HMM tables, states in the order B, E, M, S."""
    assert native is not None
    hmm = jieba.finalseg
    states = "BEMS"
    return native.Segmenter(
        tokenizer.FREQ,
        tokenizer.total,
        [hmm.start_P[s] for s in states],
        [hmm.trans_P[a].get(b, hmm.MIN_FLOAT) for a in states for b in states],
        tuple(hmm.emit_P[s] for s in states),
        hmm.Force_Split_Words,
    )


def _dictionary_stamp() -> str:
    path = Path(jieba.__file__).with_name("dict.txt")
    stat = path.stat()
    return f"{stat.st_size}-{int(stat.st_mtime)}"


def _read_cache(path: Path) -> _DictionaryCache:
    data = path.read_bytes()
    size = int.from_bytes(data[:8], "little")
    fmt, total, index = marshal.loads(data[8 : 8 + size])
    if fmt != CACHE_FORMAT or not isinstance(index, dict):
        raise ValueError(f"{path}: not a csbot dictionary cache")
    return _DictionaryCache(int(total), index, data[8 + size :])


def _write_cache(path: Path, user_dict: Path) -> None:
    """Plain jieba with our user words, its prefix dictionary grouped by first character."""
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    tokenizer.load_userdict(str(user_dict))
    groups: dict[str, dict[str, int]] = {}
    for word, freq in tokenizer.FREQ.items():
        groups.setdefault(word[0], {})[word] = freq
    index: dict[str, tuple[int, int]] = {}
    blobs, offset = [], 0
    for character, group in groups.items():
        blob = marshal.dumps(group)
        index[character] = (offset, len(blob))
        blobs.append(blob)
        offset += len(blob)
    header = marshal.dumps((CACHE_FORMAT, tokenizer.total, index))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".jieba-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(len(header).to_bytes(8, "little") + header + b"".join(blobs))
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)

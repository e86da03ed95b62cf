from collections.abc import Sequence

class Segmenter:
    def __init__(
        self,
        freq: dict[str, int],
        total: float,
        start: Sequence[float],
        trans: Sequence[float],
        emit: tuple[dict[str, float], dict[str, float], dict[str, float], dict[str, float]],
        force_split: set[str],
    ) -> None: ...
    def cut(self, text: str) -> list[str]: ...

def count_features(
    vocabulary: dict[str, int],
    tokens: list[str],
    chunks: list[str],
    sizes: tuple[int, ...],
    bigrams: bool,
) -> dict[int, int]: ...
def tfidf(counts: dict[int, int], idf: object) -> tuple[bytes, bytes]: ...
def softmax(weights: object, intercept: object, ids: object, values: object) -> bytes: ...

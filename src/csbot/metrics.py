"""A few Prometheus metrics kept in-process and written in the text exposition format."""

from __future__ import annotations

import threading
from collections import defaultdict

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class Metrics:
    """Counters of requests, replies by intent and hand-offs by reason, and a latency
    histogram per endpoint. Thread-safe; one instance per server process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, int], int] = defaultdict(int)
        self.replies: dict[str, int] = defaultdict(int)
        self.handoffs: dict[str, int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = defaultdict(lambda: [0] * len(LATENCY_BUCKETS))
        self.latency_sum: dict[str, float] = defaultdict(float)
        self.latency_count: dict[str, int] = defaultdict(int)

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        with self._lock:
            self.requests[(endpoint, status)] += 1
            counts = self.buckets[endpoint]
            for i, bound in enumerate(LATENCY_BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            self.latency_sum[endpoint] += seconds
            self.latency_count[endpoint] += 1

    def reply(self, intent: str, handoff_reason: str | None) -> None:
        with self._lock:
            self.replies[intent] += 1
            if handoff_reason:
                self.handoffs[handoff_reason] += 1

    def render(self) -> str:
        with self._lock:
            out: list[str] = []
            _family(out, "csbot_requests_total", "counter", "HTTP requests by endpoint and status.")
            for (endpoint, status), n in sorted(self.requests.items()):
                out.append(_sample("csbot_requests_total", n, endpoint=endpoint, status=status))
            _family(out, "csbot_request_seconds", "histogram", "Request latency by endpoint.")
            for endpoint in sorted(self.buckets):
                for bound, n in zip(LATENCY_BUCKETS, self.buckets[endpoint], strict=True):
                    out.append(
                        _sample("csbot_request_seconds_bucket", n, endpoint=endpoint, le=bound)
                    )
                count = self.latency_count[endpoint]
                out.append(
                    _sample("csbot_request_seconds_bucket", count, endpoint=endpoint, le="+Inf")
                )
                out.append(
                    _sample(
                        "csbot_request_seconds_sum", self.latency_sum[endpoint], endpoint=endpoint
                    )
                )
                out.append(_sample("csbot_request_seconds_count", count, endpoint=endpoint))
            _family(out, "csbot_replies_total", "counter", "Replies by intent.")
            for intent, n in sorted(self.replies.items()):
                out.append(_sample("csbot_replies_total", n, intent=intent))
            _family(out, "csbot_handoffs_total", "counter", "Hand-offs by reason.")
            for reason, n in sorted(self.handoffs.items()):
                out.append(_sample("csbot_handoffs_total", n, reason=reason))
            return "\n".join(out) + "\n"


def _family(out: list[str], name: str, kind: str, help_text: str) -> None:
    out.append(f"# HELP {name} {help_text}")
    out.append(f"# TYPE {name} {kind}")


def _sample(name: str, value: float, **labels: object) -> str:
    text = ",".join(f'{k}="{v}"' for k, v in labels.items())
    return f"{name}{{{text}}} {value}"

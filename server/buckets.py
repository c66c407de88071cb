"""Per-process limiter state (server/actions/throttle.py uses it; Deps holds one): token buckets per
account for messages, which are too frequent to count in the database."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Bucket:
    tokens: float
    stamp: float


@dataclass
class Throttles:
    """Per-process limiter state kept on Deps: message buckets per account, and a write counter."""

    buckets: dict[int, _Bucket] = field(default_factory=dict)
    writes: int = 0

    def take(self, account_id: int, now: float, per_second: float, burst: int) -> float:
        """Take one token from the account's bucket; 0 when allowed, else seconds until one is back."""
        b = self.buckets.get(account_id)
        if b is None:
            if len(self.buckets) > 50_000:
                self.buckets.clear()  # a bound on memory: forgetting every bucket only forgives, once
            b = self.buckets[account_id] = _Bucket(float(burst), now)
        b.tokens = min(float(burst), b.tokens + (now - b.stamp) * per_second)
        b.stamp = now
        if b.tokens < 1:
            return (1 - b.tokens) / per_second
        b.tokens -= 1
        return 0.0

"""Which configured patterns a message matches (pure: no I/O), so it can be sealed before it is stored.

A card-like number counts only when its digits pass the Luhn check, so order numbers and timestamps
do not seal ordinary chat. The result holds pattern names only, never the matched text.
"""

from __future__ import annotations

from collections.abc import Iterable

from server.config_sections.retention import SensitivePattern


def luhn_ok(digits: str) -> bool:
    """The Luhn checksum used by payment card numbers."""
    if not digits.isdigit() or len(digits) < 12:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def sensitive_matches(text: str, patterns: Iterable[SensitivePattern]) -> list[str]:
    """Names of the patterns that match `text`, in configuration order."""
    found: list[str] = []
    for p in patterns:
        for m in p.regex.finditer(text):
            if not p.luhn or luhn_ok("".join(ch for ch in m.group(0) if ch.isdigit())):
                found.append(p.name)
                break
    return found

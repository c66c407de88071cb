"""Shell commands owned by the retention feature area."""

from __future__ import annotations

from typing import Any


def register(sub: Any, parsers: dict[str, Any]) -> None:
    """Add subcommands; parsers holds existing groups by name (e.g. parsers["accounts"])."""
    return None

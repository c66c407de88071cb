"""Socket events owned by the escalation feature area."""

from __future__ import annotations

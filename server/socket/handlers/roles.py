"""Socket events owned by the roles feature area."""

from __future__ import annotations

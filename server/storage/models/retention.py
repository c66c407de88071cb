"""Tables owned by the retention feature area."""

from __future__ import annotations

"""Tables owned by the helpdesk feature area."""

from __future__ import annotations

"""livehelp: a live help chat server (queue, claim, shadow, escalate, purge)."""

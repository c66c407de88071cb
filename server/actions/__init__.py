"""One module per step of a help request's life: accounts → cases (request, claim, hold, resolve) →
messages → shadowing → escalations → duty ... Each do_* makes one atomic change and returns effects."""

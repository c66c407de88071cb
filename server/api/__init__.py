"""REST transport: thin views that parse, call one action, and answer JSON."""

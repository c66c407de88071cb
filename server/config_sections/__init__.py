"""One module per config.yaml section owned by a feature area; each exposes a frozen dataclass with parse()."""

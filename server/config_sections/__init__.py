"""One module per config.yaml section owned by a feature area; each declares frozen pydantic models."""

"""Storage: engine and sessions, models, the group-commit message writer."""

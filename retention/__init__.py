"""Sensitive data and retention: per-case encryption keys, pattern detection, upload sniffing, the purge
job and the right to erasure. See docs/retention.md."""

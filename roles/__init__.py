"""Roles and the one permission policy (roles/policy.py)."""

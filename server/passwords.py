"""Salted, memory-hard password hashes (scrypt from cryptography)."""

from __future__ import annotations

import base64
import hmac
import os

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

_R, _P, _LEN = 8, 1, 32


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def hash_password(password: str, log_n: int = 15) -> str:
    salt = os.urandom(16)
    key = Scrypt(salt=salt, length=_LEN, n=2**log_n, r=_R, p=_P).derive(password.encode("utf-8"))
    return f"scrypt${log_n}${_R}${_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str | None) -> bool:
    if not stored:
        # Same shape of work as a real check, so timing does not reveal unknown usernames.
        hmac.compare_digest(b"x", b"y")
        return False
    try:
        scheme, log_n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        Scrypt(salt=base64.b64decode(salt), length=_LEN, n=2 ** int(log_n), r=int(r), p=int(p)).verify(
            password.encode("utf-8"), base64.b64decode(key)
        )
        return True
    except (InvalidKey, ValueError):
        return False

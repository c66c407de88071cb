"""Password hashes: argon2id (argon2-cffi), computed off the event loop.

Why a thread pool: one hash costs tens of milliseconds of CPU on purpose; run on the event loop, a handful
of wrong logins (which need no account) stall every other client. argon2-cffi releases the GIL while it
hashes, so a small pool keeps the loop free; its bound also caps how many cores logins can take.

Old scrypt hashes (``scrypt$log_n$r$p$salt$key``, written before argon2id) still verify; the login that
succeeds with one stores an argon2id hash in its place (``needs_rehash``).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

# Two hashes at a time: the machine keeps cores for everything else however many logins arrive.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="livehelp-hash")


@dataclass(frozen=True)
class Argon2Cost:
    """argon2id parameters (config auth.argon2_*); the defaults are OWASP's minimum for argon2id."""

    time_cost: int = 2
    memory_kib: int = 19456
    parallelism: int = 1


@dataclass(frozen=True)
class Verdict:
    ok: bool
    # The stored hash is scrypt or argon2id with other parameters: store `hash_password(...)` anew.
    needs_rehash: bool = False


@functools.lru_cache(maxsize=8)
def _hasher(cost: Argon2Cost) -> PasswordHasher:
    return PasswordHasher(time_cost=cost.time_cost, memory_cost=cost.memory_kib, parallelism=cost.parallelism,
                          type=Type.ID)


@functools.lru_cache(maxsize=8)
def _dummy_hash(cost: Argon2Cost) -> str:
    """A hash of the same cost as real ones: an unknown user name costs what a known one does (no
    timing oracle for which names exist)."""
    return _hasher(cost).hash("livehelp-no-such-account")


def hash_password(password: str, cost: Argon2Cost) -> str:
    """Blocking: call `hash_password_async` from the event loop."""
    return _hasher(cost).hash(password)


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        scheme, log_n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        Scrypt(salt=base64.b64decode(salt), length=32, n=2 ** int(log_n), r=int(r), p=int(p)).verify(
            password.encode("utf-8"), base64.b64decode(key))
        return True
    except (InvalidKey, ValueError):
        return False


def verify_password(password: str, stored: str | None, cost: Argon2Cost) -> Verdict:
    """Blocking: call `verify_password_async` from the event loop. No stored hash (unknown user, guest)
    still pays one full verification against a dummy hash, then answers False."""
    hasher = _hasher(cost)
    if not stored:
        with contextlib.suppress(VerificationError):
            hasher.verify(_dummy_hash(cost), password)
        return Verdict(False)
    if stored.startswith("scrypt$"):
        ok = _verify_scrypt(password, stored)
        return Verdict(ok, needs_rehash=ok)
    try:
        hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return Verdict(False)
    return Verdict(True, needs_rehash=hasher.check_needs_rehash(stored))


async def hash_password_async(password: str, cost: Argon2Cost) -> str:
    return await asyncio.get_running_loop().run_in_executor(_POOL, hash_password, password, cost)


async def verify_password_async(password: str, stored: str | None, cost: Argon2Cost) -> Verdict:
    return await asyncio.get_running_loop().run_in_executor(_POOL, verify_password, password, stored, cost)

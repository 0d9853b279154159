"""Password hashing: argon2id (OWASP parameters) for new hashes; legacy bcrypt hashes still verify
and are flagged for an upgrade. Unknown logins are verified against a dummy hash so they cost the
same time as a wrong password."""

from functools import lru_cache

import bcrypt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared.core.records import Record
from shared.core.settings import get_settings

_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


class Verdict(Record):
    ok: bool
    needs_rehash: bool = False


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    s = get_settings()
    return PasswordHasher(
        time_cost=s.argon2_time_cost, memory_cost=s.argon2_memory_kib, parallelism=s.argon2_parallelism
    )


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("an unknown login still pays for one verification")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify(stored_hash: str | None, password: str) -> Verdict:
    """Check ``password``; ``stored_hash`` None (unknown login) burns the same time and fails."""
    if stored_hash is None:
        _verify_argon2(_dummy_hash(), password)
        return Verdict(ok=False)
    if stored_hash.startswith(_BCRYPT_PREFIXES):
        try:
            ok = bcrypt.checkpw(password.encode(), stored_hash.encode())
        except ValueError:
            ok = False
        return Verdict(ok=ok, needs_rehash=ok)
    ok = _verify_argon2(stored_hash, password)
    return Verdict(ok=ok, needs_rehash=ok and _hasher().check_needs_rehash(stored_hash))


def _verify_argon2(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def reset() -> None:
    """Forget the cached hasher (tests, after changing the argon2 settings)."""
    _hasher.cache_clear()
    _dummy_hash.cache_clear()

"""argon2id password hashes (argon2-cffi's defaults follow RFC 9106's recommendations).

One hash costs ~0.1 s of CPU and 64 MiB. On the event loop that would stall every user for
its duration (ten sign-ins a second would stall them all the time), so async code hands the
work to ``run_password_work``: a pool of ``MTKCARE_PASSWORD_WORKERS`` threads (argon2
releases the GIL), which also bounds the memory; requests beyond it wait their turn without
holding up the loop. Reflex runs plain ``def`` event handlers on the loop too, so handlers that
touch passwords are ``async`` and use it as well.

As a safety net, hashing and verifying refuse to run on the thread of the server's event loop
(noted at start-up by ``note_event_loop_thread``, a lifespan task of the app): a handler that
forgets fails loudly in the tests instead of stalling everyone in production.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from mtkcare.settings import get_settings

MIN_PASSWORD_LENGTH = 12

_hasher = PasswordHasher()

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()
# Thread objects, not ids: an id may be reused by a later thread.
_event_loop_threads: weakref.WeakSet[threading.Thread] = weakref.WeakSet()


class PasswordWorkOnEventLoop(RuntimeError):
    """A password was hashed or verified on the event loop: use ``run_password_work``."""


def _password_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=get_settings().password_workers, thread_name_prefix="password"
            )
        return _pool


async def run_password_work[**P, R](fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Runs ``fn`` (which hashes or verifies a password, with whatever database work goes
    with it) in the bounded password pool and waits for it without blocking the loop."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_password_pool(), call)


def note_event_loop_thread() -> None:
    """Marks the calling thread as running the server's event loop (an app lifespan task)."""
    _event_loop_threads.add(threading.current_thread())


def _not_on_event_loop() -> None:
    if threading.current_thread() in _event_loop_threads:
        raise PasswordWorkOnEventLoop(
            "argon2 would block the event loop; call this through run_password_work"
        )


def hash_password(password: str) -> str:
    _not_on_event_loop()
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not-a-real-password-only-for-timing")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-ish time whether or not the account exists: an unknown user still costs one
    argon2 verification, so response times do not reveal which usernames exist."""
    _not_on_event_loop()
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, *, username: str = "") -> str | None:
    """Why a new password is not acceptable, in words for the user, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Use at least {MIN_PASSWORD_LENGTH} characters"
    if username and username.lower() in password.lower():
        return "Do not include your username in your password"
    if len(set(password)) < 5:
        return "Use a mix of different characters"
    return None

"""Demo and benchmark data: a New Zealand community provider with about two years of history.

`generate` writes into the caller's transaction and never commits. The big tables are written
in bulk (binary COPY on PostgreSQL, Core executemany on SQLite), so the session's audit hook
does not see them; their `audit_auditlog` rows, in the shape the hook writes, are generated
here and written in bulk too. Small, idempotent set-up (reference data, roles, demo log-ins)
goes through the ORM and its hook. Everything is derived from one seeded `random.Random` and
seeded Faker instances, so a seed always gives the same people and histories (timestamps are
relative to the moment of the run).

The package, by concern: ``rows`` (ids, the bulk writer and binary COPY), ``basics`` (weighted
choice, the clock), ``people`` (names and places), ``catalogue`` (programs, organisations and
the shape of the work), ``base`` (the generator's shared helpers), ``staff`` (demo log-ins,
staff, group mappings, sign-ins), ``setup`` (reference data, programs, organisations),
``clients``, ``referrals`` (with consent and enrolment), ``documents`` (with notifications),
``generator`` (``generate``, ``is_empty``) and ``cli`` (``main``).

Command line:
    python -m mtkcare.devdata [--clients N] [--seed S] [--if-empty] [--database-url URL]"""

from mtkcare.devdata.cli import main
from mtkcare.devdata.generator import generate, is_empty
from mtkcare.devdata.staff import DEMO_ACCOUNTS, DEMO_PASSWORD

__all__ = ["DEMO_ACCOUNTS", "DEMO_PASSWORD", "generate", "is_empty", "main"]

"""Domain errors. Their messages are written for staff: which field, what is wrong, what to do."""

from __future__ import annotations

from collections.abc import Callable


class DomainError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    pass


class NotAllowed(DomainError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        # Run by the unit of work after it rolls back (see mtkcare.db.session_scope).
        self.after_rollback: list[Callable[[], None]] = []


class InvalidTransition(DomainError):
    pass


class ConsentRequired(DomainError):
    pass


class EditConflict(DomainError):
    """Someone else changed or deleted the record since this user opened it."""


class ValidationFailed(DomainError):
    """Bad input. ``errors`` maps each field name to the message to show next to it."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        summary = "; ".join(f"{field}: {msg}" for field, msg in self.errors.items())
        super().__init__(f"Check the form: {summary}")

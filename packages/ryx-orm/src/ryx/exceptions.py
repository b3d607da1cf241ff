"""The exception hierarchy of Ryx: the engine's classes, plus `ValidationError`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ryx._core import core

RyxError = core.RyxError
ConfigurationError = core.ConfigurationError
PoolNotInitialized = core.PoolNotInitialized
PoolTimeout = core.PoolTimeout
FieldError = core.FieldError
QueryError = core.QueryError
UnsupportedTypeError = core.UnsupportedTypeError
NotSupportedError = core.NotSupportedError
TransactionError = core.TransactionError
DoesNotExist = core.DoesNotExist
MultipleObjectsReturned = core.MultipleObjectsReturned
DatabaseError = core.DatabaseError
OperationalError = core.OperationalError
ProgrammingError = core.ProgrammingError
DataError = core.DataError
IntegrityError = core.IntegrityError
UniqueViolation = core.UniqueViolation
ForeignKeyViolation = core.ForeignKeyViolation
NotNullViolation = core.NotNullViolation
CheckViolation = core.CheckViolation

NON_FIELD_ERRORS = "__all__"


def _normalise(errors: Any) -> dict[str, list[str]]:
    """Turn a message, a list of messages or a dict of them into ``{key: [messages]}``."""
    if isinstance(errors, ValidationError):
        return {key: list(messages) for key, messages in errors.errors.items()}
    if isinstance(errors, str):
        return {NON_FIELD_ERRORS: [errors]}
    if isinstance(errors, Mapping):
        out: dict[str, list[str]] = {}
        for key, value in errors.items():
            if isinstance(value, ValidationError):
                out[str(key)] = [m for messages in value.errors.values() for m in messages]
            elif isinstance(value, str):
                out[str(key)] = [value]
            elif isinstance(value, list | tuple | set | frozenset):
                out[str(key)] = [str(v) for v in value]
            else:
                out[str(key)] = [str(value)]
        return out
    if isinstance(errors, list | tuple):
        return {NON_FIELD_ERRORS: [str(x) for x in errors]}
    return {NON_FIELD_ERRORS: [str(errors)]}


class ValidationError(RyxError):
    """One or more values failed validation; ``errors`` maps a field name (or ``"__all__"``) to messages."""

    errors: dict[str, list[str]]

    def __init__(self, errors: Any = None) -> None:
        """Normalise ``errors`` (a message, a list of messages, or a dict of them) into ``self.errors``."""
        self.errors = {} if errors is None else _normalise(errors)
        super().__init__(self.errors)

    @property
    def messages(self) -> list[str]:
        """Return every message, in field order."""
        return [m for messages in self.errors.values() for m in messages]

    def merge(self, other: ValidationError | Any) -> ValidationError:
        """Add the messages of ``other`` to these, per key; return self."""
        for key, messages in _normalise(other).items():
            self.errors.setdefault(key, []).extend(messages)
        self.args = (self.errors,)
        return self

    def __str__(self) -> str:
        """Return the current messages, one ``field: message`` part per error."""
        parts = []
        for key, messages in self.errors.items():
            for message in messages:
                parts.append(message if key == NON_FIELD_ERRORS else f"{key}: {message}")
        return "; ".join(parts) if parts else "validation failed"

    def __repr__(self) -> str:
        """Return ``ValidationError({...})`` with the current errors."""
        return f"ValidationError({self.errors!r})"


class _DeletionRefused(IntegrityError):
    """Base of the errors of a delete refused by ``on_delete`` (nothing was deleted)."""

    sqlstate: str | None
    constraint: str | None
    table: str | None

    def __init__(self, message: str, objects: list[Any]) -> None:
        """Refuse the delete because of ``objects``."""
        super().__init__(message)
        self.sqlstate = None
        self.constraint = None
        self.table = None
        self.objects = objects


class ProtectedError(_DeletionRefused):
    """A delete would remove rows referenced by ``on_delete="PROTECT"``; ``protected_objects`` lists them."""

    @property
    def protected_objects(self) -> list[Any]:
        """Return the objects whose PROTECT reference refused the delete."""
        return self.objects


class RestrictedError(_DeletionRefused):
    """A delete would remove rows referenced by ``on_delete="RESTRICT"`` (not deleted by a cascade as well)."""

    @property
    def restricted_objects(self) -> list[Any]:
        """Return the objects whose RESTRICT reference refused the delete."""
        return self.objects


__all__ = [
    "NON_FIELD_ERRORS",
    "CheckViolation",
    "ConfigurationError",
    "DataError",
    "DatabaseError",
    "DoesNotExist",
    "FieldError",
    "ForeignKeyViolation",
    "IntegrityError",
    "MultipleObjectsReturned",
    "NotNullViolation",
    "NotSupportedError",
    "OperationalError",
    "PoolNotInitialized",
    "PoolTimeout",
    "ProgrammingError",
    "ProtectedError",
    "QueryError",
    "RestrictedError",
    "RyxError",
    "TransactionError",
    "UniqueViolation",
    "UnsupportedTypeError",
    "ValidationError",
]

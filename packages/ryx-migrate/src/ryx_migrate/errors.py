"""The errors of ryx-migrate, all under `ryx.exceptions.RyxError`."""

from __future__ import annotations

from ryx.exceptions import RyxError


class MigrationError(RyxError):
    """Base class of every migration error."""


class InvalidMigration(MigrationError):
    """A migration file cannot be loaded or is malformed."""


class NodeNotFound(MigrationError):
    """A migration (a dependency or a target) does not exist."""


class CircularDependency(MigrationError):
    """The dependencies between migrations form a cycle."""


class IrreversibleError(MigrationError):
    """An operation to unapply has no reverse (RunSQL/RunPython without one)."""


class InconsistentHistory(MigrationError):
    """The history table records a migration whose dependencies are not applied."""


class MigrationLockError(MigrationError):
    """Another process holds the migration lock of the database and did not release it in time."""


class StateError(MigrationError):
    """An operation does not fit the project state (unknown model or field, duplicate name)."""


__all__ = [
    "CircularDependency",
    "InconsistentHistory",
    "InvalidMigration",
    "IrreversibleError",
    "MigrationError",
    "MigrationLockError",
    "NodeNotFound",
    "StateError",
]

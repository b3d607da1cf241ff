"""The `Operation` base class: a state change that runs forwards and backwards on the database."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from ryx_migrate.errors import IrreversibleError

if TYPE_CHECKING:
    from ryx_migrate.schema import SchemaEditor
    from ryx_migrate.state import ModelState, ProjectState


class Operation:
    """One step of a migration.

    ``state_forwards`` changes a `ProjectState` (no database); ``database_forwards`` adds to a `SchemaEditor`
    the actions that make the database follow (``from_state`` before the operation, ``to_state`` after);
    ``database_backwards`` undoes them (``from_state`` is then the state *after* the operation and
    ``to_state`` the state before it, the direction the database moves).
    """

    #: Whether ``database_backwards`` can undo the operation.
    reversible: ClassVar[bool] = True
    #: The constructor's keyword arguments, in the order the writer emits them.
    serialized: ClassVar[tuple[str, ...]] = ()

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Apply the operation to ``state``."""
        raise NotImplementedError

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Add the actions applying the operation."""
        raise NotImplementedError

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Add the actions undoing the operation."""
        raise IrreversibleError(f"{self.describe()} cannot be reversed")

    def describe(self) -> str:
        """Return a one-line human description."""
        return type(self).__name__

    def migration_name_fragment(self) -> str:
        """Return the slug this operation gives a migration file name."""
        return type(self).__name__.lower()

    def model_names(self) -> tuple[str, ...]:
        """Return the lower-case names of the models (of the migration's app) this operation touches."""
        return ()

    def references_model(self, name: str) -> bool:
        """Return whether the operation touches the model ``name`` (case-insensitive)."""
        return name.lower() in self.model_names()

    def deconstruct(self) -> dict[str, Any]:
        """Return the constructor's keyword arguments (what the writer writes)."""
        return {key: getattr(self, key) for key in self.serialized}

    def __eq__(self, other: object) -> bool:
        """Compare the class and the constructor arguments."""
        if not isinstance(other, Operation):
            return NotImplemented
        return type(self) is type(other) and self.deconstruct() == other.deconstruct()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        """Return the constructor form."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.deconstruct().items())
        return f"{type(self).__name__}({args})"


def routed(editor: SchemaEditor, model: ModelState) -> bool:
    """Return whether ``model`` lives on the editor's alias (the operation does nothing elsewhere)."""
    return editor.allows(model)


__all__ = ["Operation", "routed"]

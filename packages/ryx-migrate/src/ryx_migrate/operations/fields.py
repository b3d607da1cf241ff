"""Operations on one field of a model: add, remove, alter, rename."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ryx_migrate.errors import StateError
from ryx_migrate.operations.base import Operation, routed
from ryx_migrate.state import FieldState, ModelState

if TYPE_CHECKING:
    from ryx_migrate.schema import SchemaEditor
    from ryx_migrate.state import ProjectState


def _insert_field(model: ModelState, name: str, field: FieldState) -> None:
    """Add a field (the primary key stays first)."""
    if name in model.fields:
        raise StateError(f"{model.label} already has a field {name!r}")
    if any(f.column == field.column for f in model.fields.values()):
        raise StateError(f"{model.label} already has a column {field.column!r}")
    if field.primary_key:
        model.fields = {name: field, **model.fields}
    else:
        model.fields[name] = field


class _FieldOperation(Operation):
    """Shared naming and routing of the field operations."""

    model_name: str
    name: str

    def model_names(self) -> tuple[str, ...]:
        """Return the model."""
        return (self.model_name.lower(),)

    def _pair(self, app_label: str, from_state: ProjectState, to_state: ProjectState) -> tuple[ModelState, ModelState]:
        """Return the model before and after (as the database moves)."""
        return from_state.get_model(app_label, self.model_name), to_state.get_model(app_label, self.model_name)


class AddField(_FieldOperation):
    """Add a field (a column; a foreign key and an index when the field says so)."""

    serialized = ("model_name", "name", "field")

    def __init__(self, model_name: str, name: str, field: FieldState) -> None:
        """Add ``field`` as ``name`` to ``model_name``."""
        self.model_name = model_name
        self.name = name
        self.field = field

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Add the field."""
        _insert_field(state.get_model(app_label, self.model_name), self.name, self.field)

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Add the column."""
        before, after = self._pair(app_label, from_state, to_state)
        if routed(editor, after):
            editor.add_field(before, after, self.name)

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Drop the column."""
        before, after = self._pair(app_label, from_state, to_state)
        if routed(editor, before):
            editor.remove_field(before, after, self.name)

    def describe(self) -> str:
        """Return ``Add field f to Name``."""
        return f"Add field {self.name} to {self.model_name}"

    def migration_name_fragment(self) -> str:
        """Return ``add_<field>_to_<model>``."""
        return f"add_{self.name.lower()}_to_{self.model_name.lower()}"

    def model_names(self) -> tuple[str, ...]:
        """Return the model, and the model a foreign key points to."""
        target = (self.field.to.rpartition(".")[2].lower(),) if self.field.to else ()
        return (self.model_name.lower(), *target)


class RemoveField(_FieldOperation):
    """Remove a field (drop its column)."""

    serialized = ("model_name", "name")

    def __init__(self, model_name: str, name: str) -> None:
        """Remove ``name`` from ``model_name``."""
        self.model_name = model_name
        self.name = name

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Remove the field (refused while an index, unique group or primary key needs it)."""
        model = state.get_model(app_label, self.model_name)
        model.get_field(self.name)
        users = [i.name for i in model.indexes if self.name in i.fields]
        users += [f"unique_together {g}" for g in model.unique_together if self.name in g]
        if users:
            raise StateError(
                f"cannot remove {model.label}.{self.name}: {', '.join(users)} still use(s) it; "
                f"remove those first (RemoveIndex / AlterUniqueTogether)"
            )
        del model.fields[self.name]

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Drop the column."""
        before, after = self._pair(app_label, from_state, to_state)
        if routed(editor, before):
            editor.remove_field(before, after, self.name)

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Add the column again (empty, or with its default)."""
        before, after = self._pair(app_label, from_state, to_state)
        if routed(editor, after):
            editor.add_field(before, after, self.name)

    def describe(self) -> str:
        """Return ``Remove field f from Name``."""
        return f"Remove field {self.name} from {self.model_name}"

    def migration_name_fragment(self) -> str:
        """Return ``remove_<field>_from_<model>``."""
        return f"remove_{self.name.lower()}_from_{self.model_name.lower()}"


class AlterField(_FieldOperation):
    """Change a field's definition (type, null, default, unique, index, foreign key)."""

    serialized = ("model_name", "name", "field")

    def __init__(self, model_name: str, name: str, field: FieldState) -> None:
        """Make ``field`` the definition of ``model_name.name``."""
        self.model_name = model_name
        self.name = name
        self.field = field

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Replace the field's state."""
        model = state.get_model(app_label, self.model_name)
        old = model.get_field(self.name)
        if old.column != self.field.column:
            raise StateError(
                f"AlterField cannot change the column of {model.label}.{self.name} ({old.column!r} → "
                f"{self.field.column!r}); use RenameField with column=..."
            )
        model.fields[self.name] = self.field

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Change the column."""
        before, after = self._pair(app_label, from_state, to_state)
        if routed(editor, after):
            editor.alter_field(before, after, self.name, self.name)

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Change it back."""
        self.database_forwards(app_label, editor, from_state, to_state)

    def describe(self) -> str:
        """Return ``Alter field f on Name``."""
        return f"Alter field {self.name} on {self.model_name}"

    def migration_name_fragment(self) -> str:
        """Return ``alter_<field>_on_<model>``."""
        return f"alter_{self.name.lower()}_on_{self.model_name.lower()}"


class RenameField(_FieldOperation):
    """Rename a field, and its column when ``column`` is given."""

    serialized = ("model_name", "old_name", "new_name", "column")

    def __init__(self, model_name: str, old_name: str, new_name: str, column: str | None = None) -> None:
        """Rename ``old_name`` to ``new_name`` (the column becomes ``column`` when given)."""
        self.model_name = model_name
        self.old_name = old_name
        self.new_name = new_name
        self.name = new_name
        self.column = column

    def deconstruct(self) -> dict[str, object]:
        """Leave out an unchanged column."""
        out = super().deconstruct()
        if out["column"] is None:
            del out["column"]
        return out

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Rename the field, the references of indexes and unique groups, and foreign keys to its column."""
        model = state.get_model(app_label, self.model_name)
        old = model.get_field(self.old_name)
        if self.new_name != self.old_name and self.new_name in model.fields:
            raise StateError(f"{model.label} already has a field {self.new_name!r}")
        new = old.replace(column=self.column) if self.column else old
        model.fields = {
            (self.new_name if n == self.old_name else n): (new if n == self.old_name else f)
            for n, f in model.fields.items()
        }

        def swap(names: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(self.new_name if n == self.old_name else n for n in names)

        model.indexes = [i.replace(fields=swap(i.fields)) for i in model.indexes]
        model.unique_together = [swap(g) for g in model.unique_together]
        if new.column != old.column:
            for other in state.models.values():
                for name, f in list(other.fields.items()):
                    if f.to_table == model.table and f.to_column == old.column:
                        other.fields[name] = f.replace(to_column=new.column)

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Rename the column."""
        before, after = self._pair(app_label, from_state, to_state)
        if routed(editor, after):
            editor.rename_field(before, after, self.old_name, self.new_name)

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Rename it back."""
        before, after = self._pair(app_label, from_state, to_state)
        if routed(editor, after):
            editor.rename_field(before, after, self.new_name, self.old_name)

    def describe(self) -> str:
        """Return ``Rename field a on Name to b``."""
        return f"Rename field {self.old_name} on {self.model_name} to {self.new_name}"

    def migration_name_fragment(self) -> str:
        """Return ``rename_<old>_<model>_<new>``."""
        return f"rename_{self.old_name.lower()}_{self.model_name.lower()}_{self.new_name.lower()}"


__all__ = ["AddField", "AlterField", "RemoveField", "RenameField"]

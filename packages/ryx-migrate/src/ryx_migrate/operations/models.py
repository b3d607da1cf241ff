"""Operations on whole models: create, delete, rename, move to another table, indexes and constraints."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from ryx_migrate.errors import StateError
from ryx_migrate.operations.base import Operation, routed
from ryx_migrate.state import CheckState, FieldState, IndexState, ModelState

if TYPE_CHECKING:
    from ryx_migrate.schema import SchemaEditor
    from ryx_migrate.state import ProjectState


class CreateModel(Operation):
    """Create a model and its table (fields in column order, indexes, unique groups, CHECK constraints)."""

    serialized: ClassVar[tuple[str, ...]] = (
        "name",
        "table",
        "fields",
        "schema",
        "indexes",
        "unique_together",
        "constraints",
    )

    def __init__(
        self,
        name: str,
        fields: Iterable[tuple[str, FieldState]],
        *,
        table: str,
        schema: str = "",
        indexes: Iterable[IndexState] = (),
        unique_together: Iterable[Sequence[str]] = (),
        constraints: Iterable[CheckState] = (),
    ) -> None:
        """Describe the model ``name`` stored in ``table``."""
        self.name = name
        self.fields = [(str(n), f) for n, f in fields]
        self.table = table
        self.schema = schema
        self.indexes = list(indexes)
        self.unique_together = [tuple(g) for g in unique_together]
        self.constraints = list(constraints)
        names = [n for n, _ in self.fields]
        if len(set(names)) != len(names):
            raise StateError(f"CreateModel({name!r}) lists a field twice: {names}")

    def deconstruct(self) -> dict[str, Any]:
        """Leave out the empty options."""
        out = super().deconstruct()
        for key in ("schema", "indexes", "unique_together", "constraints"):
            if not out[key]:
                del out[key]
        return out

    def model_state(self, app_label: str) -> ModelState:
        """Return the state of the model created."""
        return ModelState(
            app_label=app_label,
            name=self.name,
            table=self.table,
            schema=self.schema,
            fields=dict(self.fields),
            indexes=list(self.indexes),
            unique_together=list(self.unique_together),
            constraints=list(self.constraints),
        )

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Add the model."""
        state.add_model(self.model_state(app_label))

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Create the table."""
        model = to_state.get_model(app_label, self.name)
        if routed(editor, model):
            editor.create_model(model)

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Drop the table."""
        model = from_state.get_model(app_label, self.name)
        if routed(editor, model):
            editor.delete_model(model)

    def describe(self) -> str:
        """Return ``Create model Name``."""
        return f"Create model {self.name}"

    def migration_name_fragment(self) -> str:
        """Return ``create_<name>``."""
        return f"create_{self.name.lower()}"

    def model_names(self) -> tuple[str, ...]:
        """Return the model created, and the models its foreign keys point to."""
        targets = tuple(f.to.rpartition(".")[2].lower() for _, f in self.fields if f.to)
        return (self.name.lower(), *targets)


class DeleteModel(Operation):
    """Delete a model and drop its table."""

    serialized = ("name",)

    def __init__(self, name: str) -> None:
        """Delete the model ``name``."""
        self.name = name

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Remove the model."""
        state.remove_model(app_label, self.name)

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Drop the table."""
        model = from_state.get_model(app_label, self.name)
        if routed(editor, model):
            editor.delete_model(model)

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Create the table again (empty)."""
        model = to_state.get_model(app_label, self.name)
        if routed(editor, model):
            editor.create_model(model)

    def describe(self) -> str:
        """Return ``Delete model Name``."""
        return f"Delete model {self.name}"

    def migration_name_fragment(self) -> str:
        """Return ``delete_<name>``."""
        return f"delete_{self.name.lower()}"

    def model_names(self) -> tuple[str, ...]:
        """Return the model deleted."""
        return (self.name.lower(),)


def _relabel(state: ProjectState, old_label: str, new_label: str) -> None:
    """Point the foreign keys that named ``old_label`` at ``new_label``."""
    for model in state.models.values():
        for name, f in list(model.fields.items()):
            if f.to is not None and f.to.lower() == old_label.lower():
                model.fields[name] = f.replace(to=new_label)


class RenameModel(Operation):
    """Rename a model class (the table stays: `AlterModelTable` moves it)."""

    serialized = ("old_name", "new_name")

    def __init__(self, old_name: str, new_name: str) -> None:
        """Rename ``old_name`` to ``new_name``."""
        self.old_name = old_name
        self.new_name = new_name

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Re-key the model and the foreign keys naming it."""
        model = state.remove_model(app_label, self.old_name)
        old_label = model.label
        model.name = self.new_name
        state.add_model(model)
        _relabel(state, old_label, model.label)

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Nothing: the table keeps its name."""

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Nothing: the table keeps its name."""

    def describe(self) -> str:
        """Return ``Rename model Old to New``."""
        return f"Rename model {self.old_name} to {self.new_name}"

    def migration_name_fragment(self) -> str:
        """Return ``rename_<old>_<new>``."""
        return f"rename_{self.old_name.lower()}_{self.new_name.lower()}"

    def model_names(self) -> tuple[str, ...]:
        """Return both names."""
        return (self.old_name.lower(), self.new_name.lower())


class AlterModelTable(Operation):
    """Move a model to another table name (RENAME TABLE)."""

    serialized = ("name", "table")

    def __init__(self, name: str, table: str) -> None:
        """Store model ``name`` in ``table``."""
        self.name = name
        self.table = table

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Change the table and the foreign keys pointing at it."""
        model = state.get_model(app_label, self.name)
        old_table = model.table
        if state.find_table(self.table, model.schema) is not None:
            raise StateError(f"cannot move {model.label} to table {self.table!r}: another model uses it")
        model.table = self.table
        for other in state.models.values():
            for name, f in list(other.fields.items()):
                if f.to_table == old_table:
                    other.fields[name] = f.replace(to_table=self.table)

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Rename the table."""
        old = from_state.get_model(app_label, self.name)
        if routed(editor, old):
            editor.rename_table(old, to_state.get_model(app_label, self.name))

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Rename it back."""
        self.database_forwards(app_label, editor, from_state, to_state)

    def describe(self) -> str:
        """Return ``Rename table of Name to t``."""
        return f"Rename table of {self.name} to {self.table}"

    def migration_name_fragment(self) -> str:
        """Return ``alter_<name>_table``."""
        return f"alter_{self.name.lower()}_table"

    def model_names(self) -> tuple[str, ...]:
        """Return the model."""
        return (self.name.lower(),)


class _ModelOption(Operation):
    """An operation changing one model's option: shared routing and naming."""

    model_name: str

    def model_names(self) -> tuple[str, ...]:
        """Return the model."""
        return (self.model_name.lower(),)

    def _pair(self, app_label: str, from_state: ProjectState, to_state: ProjectState) -> tuple[ModelState, ModelState]:
        """Return the model before and after (as the database moves)."""
        return from_state.get_model(app_label, self.model_name), to_state.get_model(app_label, self.model_name)


class AddIndex(_ModelOption):
    """Create a named index."""

    serialized: ClassVar[tuple[str, ...]] = ("model_name", "index")

    def __init__(self, model_name: str, index: IndexState) -> None:
        """Add ``index`` to ``model_name``."""
        self.model_name = model_name
        self.index = index

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Add the index to the model."""
        model = state.get_model(app_label, self.model_name)
        if any(i.name == self.index.name for i in model.indexes):
            raise StateError(f"{model.label} already has an index named {self.index.name!r}")
        for name in self.index.fields:
            model.get_field(name)
        model.indexes = sorted([*model.indexes, self.index], key=lambda i: i.name)

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Create the index."""
        _, after = self._pair(app_label, from_state, to_state)
        if routed(editor, after):
            editor.add_index(after, self.index)

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Drop the index."""
        before, _ = self._pair(app_label, from_state, to_state)
        if routed(editor, before):
            editor.remove_index(before, self.index)

    def describe(self) -> str:
        """Return ``Create index n on Name``."""
        return f"Create index {self.index.name} on {self.model_name}"

    def migration_name_fragment(self) -> str:
        """Return the index name."""
        return self.index.name.lower()


class RemoveIndex(_ModelOption):
    """Drop a named index."""

    serialized = ("model_name", "name")

    def __init__(self, model_name: str, name: str) -> None:
        """Remove index ``name`` from ``model_name``."""
        self.model_name = model_name
        self.name = name

    def _index(self, model: ModelState) -> IndexState:
        """Return the index removed."""
        for index in model.indexes:
            if index.name == self.name:
                return index
        raise StateError(f"{model.label} has no index named {self.name!r} in the migration state")

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Remove the index from the model."""
        model = state.get_model(app_label, self.model_name)
        index = self._index(model)
        model.indexes = [i for i in model.indexes if i is not index]

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Drop the index."""
        before, _ = self._pair(app_label, from_state, to_state)
        if routed(editor, before):
            editor.remove_index(before, self._index(before))

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Create the index again."""
        _, restored = self._pair(app_label, from_state, to_state)
        if routed(editor, restored):
            editor.add_index(restored, self._index(restored))

    def describe(self) -> str:
        """Return ``Remove index n from Name``."""
        return f"Remove index {self.name} from {self.model_name}"

    def migration_name_fragment(self) -> str:
        """Return ``remove_<name>``."""
        return f"remove_{self.name.lower()}"


class AlterUniqueTogether(_ModelOption):
    """Set a model's ``unique_together`` groups (field names)."""

    serialized = ("name", "unique_together")

    def __init__(self, name: str, unique_together: Iterable[Sequence[str]]) -> None:
        """Make ``unique_together`` the groups of model ``name``."""
        self.name = name
        self.model_name = name
        self.unique_together = sorted({tuple(g) for g in unique_together})

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Replace the groups."""
        model = state.get_model(app_label, self.name)
        for group in self.unique_together:
            for name in group:
                model.get_field(name)
        model.unique_together = list(self.unique_together)

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Drop the groups that went away and add the new ones."""
        before, after = self._pair(app_label, from_state, to_state)
        if routed(editor, after) and before.unique_together != after.unique_together:
            editor.alter_unique_together(before, after)

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """The same, in the other direction."""
        self.database_forwards(app_label, editor, from_state, to_state)

    def describe(self) -> str:
        """Return ``Alter unique_together of Name (n groups)``."""
        return f"Alter unique_together of {self.name} ({len(self.unique_together)} group(s))"

    def migration_name_fragment(self) -> str:
        """Return ``alter_<name>_unique_together``."""
        return f"alter_{self.name.lower()}_unique_together"


class AddConstraint(_ModelOption):
    """Add a named CHECK constraint."""

    serialized = ("model_name", "constraint")

    def __init__(self, model_name: str, constraint: CheckState) -> None:
        """Add ``constraint`` to ``model_name``."""
        self.model_name = model_name
        self.constraint = constraint

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Add the constraint to the model."""
        model = state.get_model(app_label, self.model_name)
        if any(c.name == self.constraint.name for c in model.constraints):
            raise StateError(f"{model.label} already has a constraint named {self.constraint.name!r}")
        model.constraints = sorted([*model.constraints, self.constraint], key=lambda c: c.name)

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Add the constraint."""
        before, after = self._pair(app_label, from_state, to_state)
        if routed(editor, after):
            editor.add_constraint(before, after, self.constraint)

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Drop the constraint."""
        before, after = self._pair(app_label, from_state, to_state)
        if routed(editor, before):
            editor.remove_constraint(before, after, self.constraint)

    def describe(self) -> str:
        """Return ``Add constraint n to Name``."""
        return f"Add constraint {self.constraint.name} to {self.model_name}"

    def migration_name_fragment(self) -> str:
        """Return the constraint name."""
        return self.constraint.name.lower()


class RemoveConstraint(_ModelOption):
    """Drop a named CHECK constraint."""

    serialized = ("model_name", "name")

    def __init__(self, model_name: str, name: str) -> None:
        """Remove constraint ``name`` from ``model_name``."""
        self.model_name = model_name
        self.name = name

    def _constraint(self, model: ModelState) -> CheckState:
        """Return the constraint removed."""
        for constraint in model.constraints:
            if constraint.name == self.name:
                return constraint
        raise StateError(f"{model.label} has no constraint named {self.name!r} in the migration state")

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        """Remove the constraint from the model."""
        model = state.get_model(app_label, self.model_name)
        constraint = self._constraint(model)
        model.constraints = [c for c in model.constraints if c is not constraint]

    def database_forwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Drop the constraint."""
        before, after = self._pair(app_label, from_state, to_state)
        if routed(editor, before):
            editor.remove_constraint(before, after, self._constraint(before))

    def database_backwards(
        self, app_label: str, editor: SchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        """Add it again."""
        before, after = self._pair(app_label, from_state, to_state)
        if routed(editor, after):
            editor.add_constraint(before, after, self._constraint(after))

    def describe(self) -> str:
        """Return ``Remove constraint n from Name``."""
        return f"Remove constraint {self.name} from {self.model_name}"

    def migration_name_fragment(self) -> str:
        """Return ``remove_<name>``."""
        return f"remove_{self.name.lower()}"


__all__ = [
    "AddConstraint",
    "AddIndex",
    "AlterModelTable",
    "AlterUniqueTogether",
    "CreateModel",
    "DeleteModel",
    "RemoveConstraint",
    "RemoveIndex",
    "RenameModel",
]

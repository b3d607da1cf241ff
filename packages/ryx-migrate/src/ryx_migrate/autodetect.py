"""The autodetector: diff the state replayed from the migration files against the models, write the next file.

It never prompts. Possible renames (a model or field that disappeared while an identical one appeared) are
listed by `Autodetector.rename_candidates`; the caller answers with ``renames=`` (a callable or the accepted
candidates). Without answers, a rename is a removal plus an addition.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ryx_migrate.compat import ColumnState
from ryx_migrate.errors import MigrationError
from ryx_migrate.graph import MigrationGraph
from ryx_migrate.loader import Key, MigrationFile, discover, load_migration_file
from ryx_migrate.operations import (
    AddConstraint,
    AddField,
    AddIndex,
    AlterField,
    AlterModelTable,
    AlterUniqueTogether,
    CreateIndex,
    CreateModel,
    CreateTable,
    DeleteModel,
    Operation,
    RemoveConstraint,
    RemoveField,
    RemoveIndex,
    RenameField,
    RenameModel,
    RunSQL,
)
from ryx_migrate.routing import ModelRouting
from ryx_migrate.state import FieldState, ModelState, ProjectState, migratable_models, project_state_from_models
from ryx_migrate.writer import write_file


@dataclass(frozen=True)
class RenameCandidate:
    """A possible rename: a model (or a field of ``model``) went away while an identical one appeared."""

    kind: Literal["model", "field"]
    app_label: str
    model: str
    old: str
    new: str

    def __str__(self) -> str:
        """Return the question a CLI asks."""
        if self.kind == "model":
            return f"Was the model {self.old} renamed to {self.new}?"
        return f"Was {self.model}.{self.old} renamed to {self.model}.{self.new}?"


RenameAnswers = Callable[[RenameCandidate], bool] | Iterable[RenameCandidate] | None


def replay(migrations: Iterable[MigrationFile], state: ProjectState | None = None) -> ProjectState:
    """Return the state after applying the migrations' operations in the given order (no database)."""
    state = state.clone() if state is not None else ProjectState()
    for migration in migrations:
        for op in migration.operations:
            op.state_forwards(migration.app_label, state)
    return state


def apply_migration_to_state(mf: MigrationFile, state: ProjectState) -> ProjectState:
    """Apply one migration to ``state`` in place and return it."""
    for op in mf.operations:
        op.state_forwards(mf.app_label, state)
    return state


def _fk_dependencies(fields: Iterable[FieldState]) -> set[str]:
    """Return the lower-case labels of the models foreign keys point to."""
    return {f.to.lower() for f in fields if f.to}


class Autodetector:
    """Compare the migration files under ``migrations_dir`` with ``models`` and produce operations.

    ``app_label`` limits the work to one app (``""`` is the app of models without ``Meta.app_label``; with
    several apps and no ``app_label``, `detect` returns every app's operations and `write_migrations` writes
    one file per app). ``alias`` limits it to the models migrated on that database alias.
    """

    def __init__(
        self,
        models: Iterable[Any],
        migrations_dir: str | Path = "migrations",
        app_label: str = "",
        alias: str | None = None,
        *,
        renames: RenameAnswers = None,
    ) -> None:
        """Diff ``models`` against the files in ``migrations_dir``."""
        self.models = migratable_models(models)
        self.migrations_dir = Path(migrations_dir)
        self.app_label = app_label
        self.alias = alias
        self.renames = renames
        self.routing = ModelRouting(self.models)
        self.warnings: list[str] = []
        self._changes: dict[str, list[Operation]] | None = None
        self._graph: MigrationGraph | None = None

    # ------------------------------------------------------------------------------------------ states

    @property
    def graph(self) -> MigrationGraph:
        """Return the graph of the migration files (squashed ones standing for what they replace)."""
        if self._graph is None:
            files = discover(self.migrations_dir)
            self._graph = MigrationGraph(files, applied=())
        return self._graph

    def _in_scope(self, model: ModelState) -> bool:
        """Return whether the model takes part (its app, and its alias when one is given)."""
        if self._apps is not None and model.app_label not in self._apps:
            return False
        return self.alias is None or self.routing.allows(self.alias, model.app_label, model.name)

    @property
    def _apps(self) -> set[str] | None:
        """Return the apps compared: the given one, or every app of the models."""
        if self.app_label:
            return {self.app_label}
        return {m._meta.app_label for m in self.models} or {""}

    def from_state(self) -> ProjectState:
        """Return the state the migration files build."""
        graph = self.graph
        return replay(graph.nodes[k] for k in graph.order)

    def to_state(self) -> ProjectState:
        """Return the state of the models."""
        return project_state_from_models(self.models)

    # ------------------------------------------------------------------------------------------ renames

    def _accepts(self, candidate: RenameCandidate) -> bool:
        """Return the caller's answer for a rename candidate."""
        if self.renames is None:
            return False
        if callable(self.renames):
            return bool(self.renames(candidate))
        return candidate in set(self.renames)

    def rename_candidates(self) -> list[RenameCandidate]:
        """Return every possible model and field rename (what a CLI asks about before `detect`)."""
        old, new = self._scoped(self.from_state()), self._scoped(self.to_state())
        out = self._model_rename_candidates(old, new)
        for candidate in out:
            if self._accepts(candidate):
                RenameModel(candidate.old, candidate.new).state_forwards(candidate.app_label, old)
        out += self._field_rename_candidates(old, new)
        return out

    def _scoped(self, state: ProjectState) -> ProjectState:
        """Return the part of ``state`` in scope."""
        return ProjectState({k: m for k, m in state.models.items() if self._in_scope(m)})

    @staticmethod
    def _model_rename_candidates(old: ProjectState, new: ProjectState) -> list[RenameCandidate]:
        """Return the (removed, added) model pairs of the same app with the same fields."""
        removed = [m for k, m in sorted(old.models.items()) if k not in new.models]
        added = [m for k, m in sorted(new.models.items()) if k not in old.models]
        out = []
        for a in added:
            for r in removed:
                if r.app_label == a.app_label and r.fields == a.fields:
                    out.append(RenameCandidate("model", a.app_label, r.name, r.name, a.name))
        return out

    @staticmethod
    def _field_rename_candidates(old: ProjectState, new: ProjectState) -> list[RenameCandidate]:
        """Return, per kept model, the (removed, added) field pairs with the same definition."""
        out = []
        for key, after in sorted(new.models.items()):
            before = old.models.get(key)
            if before is None:
                continue
            gone = [n for n in before.fields if n not in after.fields]
            came = [n for n in after.fields if n not in before.fields]
            for n_new in came:
                for n_old in gone:
                    if before.fields[n_old].definition() == after.fields[n_new].definition():
                        out.append(RenameCandidate("field", after.app_label, after.name, n_old, n_new))
        return out

    # ------------------------------------------------------------------------------------------ diff

    def changes(self) -> dict[str, list[Operation]]:
        """Return the operations per app label (apps without changes are left out)."""
        if self._changes is None:
            self.warnings = []
            old = self._scoped(self.from_state())
            new = self._scoped(self.to_state())
            out: dict[str, list[Operation]] = {}
            for app in sorted({*(k[0] for k in old.models), *(k[0] for k in new.models)}):
                ops = self._diff_app(app, old, new)
                if ops:
                    out[app] = ops
            self._changes = out
        return {app: list(ops) for app, ops in self._changes.items()}

    def detect(self) -> list[Operation]:
        """Return the operations the next migration needs (every app's, in app order, without ``app_label``)."""
        changes = self.changes()
        if self.app_label:
            return changes.get(self.app_label, [])
        return [op for app in sorted(changes) for op in changes[app]]

    def has_changes(self) -> bool:
        """Return whether the models differ from the migrations (``makemigrations --check``)."""
        return bool(self.changes())

    def _diff_app(self, app: str, old_all: ProjectState, new_all: ProjectState) -> list[Operation]:
        """Return the operations turning one app of ``old_all`` into ``new_all``."""
        old = ProjectState({k: m.clone() for k, m in old_all.models.items() if k[0] == app})
        new = ProjectState({k: m for k, m in new_all.models.items() if k[0] == app})
        renames: list[Operation] = []
        for candidate in self._model_rename_candidates(old, new):
            if self._accepts(candidate) and (app, candidate.old.lower()) in old.models:
                op: Operation = RenameModel(candidate.old, candidate.new)
                op.state_forwards(app, old)
                renames.append(op)
        for key, before in sorted(old.models.items()):
            after = new.models.get(key)
            if after is not None and after.table != before.table:
                op = AlterModelTable(after.name, after.table)
                op.state_forwards(app, old)
                renames.append(op)
        for candidate in self._field_rename_candidates(old, new):
            model = old.get_model(app, candidate.model)
            if not self._accepts(candidate) or candidate.old not in model.fields or candidate.new in model.fields:
                continue
            after_field = new.get_model(app, candidate.model).fields[candidate.new]
            column = after_field.column if after_field.column != model.fields[candidate.old].column else None
            op = RenameField(candidate.model, candidate.old, candidate.new, column)
            op.state_forwards(app, old)
            renames.append(op)

        early: list[Operation] = []
        late: list[Operation] = []
        field_ops: list[Operation] = []
        for key, target in sorted(new.models.items()):
            current = old.models.get(key)
            if current is None:
                continue
            early_ops, late_ops, fops = self._diff_model(current, target)
            early += early_ops
            late += late_ops
            field_ops += fops
        created = self._create_models(app, old, new)
        deleted = self._delete_models(old, new)
        return [*renames, *early, *created[0], *field_ops, *deleted, *late, *created[1]]

    def _diff_model(self, before: ModelState, after: ModelState) -> tuple[list[Operation], ...]:
        """Return (early, late, field) operations for a model present on both sides."""
        name = after.name
        early: list[Operation] = []
        late: list[Operation] = []
        fops: list[Operation] = []
        old_indexes = {i.name: i for i in before.indexes}
        new_indexes = {i.name: i for i in after.indexes}
        for index_name, index in sorted(old_indexes.items()):
            if new_indexes.get(index_name) != index:
                early.append(RemoveIndex(name, index_name))
        for index_name, index in sorted(new_indexes.items()):
            if old_indexes.get(index_name) != index:
                late.append(AddIndex(name, index))
        old_checks = {c.name: c for c in before.constraints}
        new_checks = {c.name: c for c in after.constraints}
        for check_name, check in sorted(old_checks.items()):
            if new_checks.get(check_name) != check:
                early.append(RemoveConstraint(name, check_name))
        for check_name, check in sorted(new_checks.items()):
            if old_checks.get(check_name) != check:
                late.append(AddConstraint(name, check))
        kept_groups = [g for g in before.unique_together if g in after.unique_together]
        if kept_groups != list(before.unique_together):
            early.append(AlterUniqueTogether(name, kept_groups))
        if list(after.unique_together) != kept_groups:
            late.append(AlterUniqueTogether(name, after.unique_together))

        for field_name in before.fields:
            if field_name not in after.fields:
                fops.append(RemoveField(name, field_name))
        for field_name, f in after.fields.items():
            old_field = before.fields.get(field_name)
            if old_field is None:
                if not f.null and f.default is None and not f.auto_increment:
                    self.warnings.append(
                        f"{after.label}.{field_name} is added as NOT NULL without a default: applying the "
                        f"migration fails if {after.table} has rows; give the field a default or null=True"
                    )
                fops.append(AddField(name, field_name, f))
                continue
            if old_field.column != f.column:
                fops.append(RenameField(name, field_name, field_name, f.column))
                old_field = old_field.replace(column=f.column)
            if old_field != f:
                fops.append(AlterField(name, field_name, f))
        return early, late, fops

    def _create_models(self, app: str, old: ProjectState, new: ProjectState) -> tuple[list[Operation], list[Operation]]:
        """Return CreateModel operations in foreign-key order, and the AddFields that break cycles."""
        pending = {k: m for k, m in sorted(new.models.items()) if k not in old.models}
        created: list[Operation] = []
        deferred: list[Operation] = []
        made: set[str] = set()
        while pending:
            labels = {m.label.lower() for m in pending.values()}
            ready = [
                k for k, m in pending.items() if not (_fk_dependencies(m.fields.values()) & labels) - {m.label.lower()}
            ]
            if not ready:
                # A cycle: create the first model without the foreign keys to models not created yet.
                key = next(iter(pending))
                model = pending[key]
                late = {
                    n: f for n, f in model.fields.items() if f.to and f.to.lower() in labels - {model.label.lower()}
                }
                model = model.clone()
                for n in late:
                    del model.fields[n]
                deferred += [AddField(model.name, n, f) for n, f in late.items()]
                pending[key] = model
                ready = [key]
            for key in ready:
                model = pending.pop(key)
                created.append(
                    CreateModel(
                        model.name,
                        list(model.fields.items()),
                        table=model.table,
                        schema=model.schema,
                        indexes=model.indexes,
                        unique_together=model.unique_together,
                        constraints=model.constraints,
                    )
                )
                made.add(model.label.lower())
        return created, deferred

    @staticmethod
    def _delete_models(old: ProjectState, new: ProjectState) -> list[Operation]:
        """Return DeleteModel operations, models holding foreign keys to the others first."""
        doomed = {k: m for k, m in sorted(old.models.items()) if k not in new.models}
        out: list[Operation] = []
        while doomed:
            labels = {m.label.lower() for m in doomed.values()}
            referenced = set()
            for m in doomed.values():
                referenced |= _fk_dependencies(m.fields.values()) - {m.label.lower()}
            ready = [k for k, m in doomed.items() if m.label.lower() not in referenced & labels] or [next(iter(doomed))]
            for key in ready:
                out.append(DeleteModel(doomed.pop(key).name))
        return out

    # ------------------------------------------------------------------------------------------ writing

    def _dependencies(self, app: str, operations: Sequence[Operation], written: dict[str, Key]) -> list[Key]:
        """Return the app's leaf plus the latest migration of every other app a foreign key points into."""
        graph = self.graph
        deps: list[Key] = [*graph.leaves(app)]
        if app in written:
            deps = [written[app]]
        targets: set[str] = set()
        for op in operations:
            fields: list[FieldState] = []
            if isinstance(op, CreateModel):
                fields = [f for _, f in op.fields]
            elif isinstance(op, AddField | AlterField):
                fields = [op.field]
            for f in fields:
                if f.to and "." in f.to:
                    targets.add(f.to.rpartition(".")[0])
        for other in sorted(targets - {app}):
            if other in written:
                deps.append(written[other])
            else:
                deps += graph.leaves(other)
        return sorted(set(deps))

    def write_migration(self, operations: Sequence[Operation] | None = None, name: str | None = None) -> Path:
        """Write ``operations`` (default: `detect`) as the next migration of the app and return its path."""
        changes = self.changes()
        if operations is None:
            apps = [self.app_label] if self.app_label else sorted(changes)
            if len(apps) > 1:
                raise MigrationError(
                    f"the models span several apps ({', '.join(apps)}); call write_migrations() to write one "
                    f"file per app, or give app_label"
                )
            app = apps[0] if apps else self.app_label
            operations = changes.get(app, [])
        else:
            app = self.app_label or (sorted(changes)[0] if len(changes) == 1 else "")
        if not operations:
            raise MigrationError("no changes to write: the models match the migrations")
        path = write_file(self.migrations_dir, app, operations, self._dependencies(app, operations, {}), name=name)
        self._reset()
        return path

    def write_migrations(self, name: str | None = None) -> list[Path]:
        """Write one migration per app with changes (apps others point into first) and return the paths."""
        changes = self.changes()
        written: dict[str, Key] = {}
        paths: list[Path] = []
        remaining = dict(changes)
        while remaining:
            progress = False
            for app in sorted(remaining):
                deps = self._foreign_apps(remaining[app]) - {app}
                if deps & set(remaining):
                    continue
                ops = remaining.pop(app)
                path = write_file(self.migrations_dir, app, ops, self._dependencies(app, ops, written), name=name)
                written[app] = (app, path.stem)
                paths.append(path)
                progress = True
            if not progress:
                raise MigrationError(
                    f"apps {', '.join(sorted(remaining))} point into each other with new foreign keys; add the "
                    f"models first (without those keys), run makemigrations, then add the keys"
                )
        self._reset()
        return paths

    @staticmethod
    def _foreign_apps(operations: Sequence[Operation]) -> set[str]:
        """Return the apps the operations' foreign keys point into."""
        out: set[str] = set()
        for op in operations:
            fields = [f for _, f in op.fields] if isinstance(op, CreateModel) else []
            if isinstance(op, AddField | AlterField):
                fields = [op.field]
            out |= {f.to.rpartition(".")[0] for f in fields if f.to and "." in f.to}
        return out

    def _reset(self) -> None:
        """Forget the cached files and changes (a file was written)."""
        self._changes = None
        self._graph = None


__all__ = [
    "AddField",
    "AlterField",
    "Autodetector",
    "ColumnState",
    "CreateIndex",
    "CreateModel",
    "CreateTable",
    "MigrationFile",
    "RenameAnswers",
    "RenameCandidate",
    "RunSQL",
    "apply_migration_to_state",
    "load_migration_file",
    "replay",
]

"""Squashing: one migration replacing a run of an app's migrations, with their operations folded together."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ryx_migrate.errors import MigrationError
from ryx_migrate.graph import MigrationGraph
from ryx_migrate.loader import Key, discover
from ryx_migrate.operations import AddField, AlterField, CreateModel, DeleteModel, Operation, RemoveField
from ryx_migrate.writer import write_file


def _fold(first: Operation, second: Operation) -> list[Operation] | None:
    """Return what two operations on the same model become together, or None when they do not fold."""
    if isinstance(first, CreateModel):
        fields = dict(first.fields)
        if isinstance(second, DeleteModel) and second.name.lower() == first.name.lower():
            return []
        if (
            isinstance(second, AddField)
            and second.model_name.lower() == first.name.lower()
            and second.name not in fields
        ) or (
            isinstance(second, AlterField) and second.model_name.lower() == first.name.lower() and second.name in fields
        ):
            fields[second.name] = second.field
        elif (
            isinstance(second, RemoveField)
            and second.model_name.lower() == first.name.lower()
            and second.name in fields
        ):
            if any(second.name in i.fields for i in first.indexes) or any(
                second.name in g for g in first.unique_together
            ):
                return None
            del fields[second.name]
        else:
            return None
        return [
            CreateModel(
                first.name,
                list(fields.items()),
                table=first.table,
                schema=first.schema,
                indexes=first.indexes,
                unique_together=first.unique_together,
                constraints=first.constraints,
            )
        ]
    if isinstance(first, AddField) and getattr(second, "model_name", "").lower() == first.model_name.lower():
        if isinstance(second, AlterField) and second.name == first.name:
            return [AddField(first.model_name, first.name, second.field)]
        if isinstance(second, RemoveField) and second.name == first.name:
            return []
    return None


def optimize(operations: Sequence[Operation]) -> list[Operation]:
    """Fold later operations on a model into earlier ones when nothing in between stands in the way."""
    ops = list(operations)
    changed = True
    while changed:
        changed = False
        for i, first in enumerate(ops):
            names = first.model_names()
            if not names:
                continue
            for j in range(i + 1, len(ops)):
                second = ops[j]
                refs = set(second.model_names())
                if not refs:
                    break  # raw SQL or Python: nothing moves across it
                if names[0] not in refs:
                    continue
                if any(refs & set(ops[k].model_names()) for k in range(i + 1, j)):
                    break  # ``second`` needs something done in between
                folded = _fold(first, second)
                if folded is None:
                    break
                ops = ops[:i] + folded + ops[i + 1 : j] + ops[j + 1 :]
                changed = True
                break
            if changed:
                break
    return ops


def squash_migrations(migrations_dir: str | Path, start: str, end: str, *, name: str | None = None) -> Path:
    """Write the migration replacing ``start``..``end`` (one app, in dependency order) and return its path."""
    files = discover(migrations_dir)
    graph = MigrationGraph(files, ())
    first, last = graph.resolve(start), graph.resolve(end)
    if first[0] != last[0]:
        raise MigrationError(f"{start!r} and {end!r} belong to different apps; squash one app at a time")
    chain = graph.app_nodes(first[0])
    i, j = chain.index(first), chain.index(last)
    if i > j:
        raise MigrationError(f"{start!r} comes after {end!r}; give the earlier migration first")
    keys = chain[i : j + 1]
    inside = set(keys)
    operations: list[Operation] = []
    replaces: list[Key] = []
    dependencies: set[Key] = set()
    for key in keys:
        migration = graph.nodes[key]
        operations += migration.operations
        replaces += migration.replaces or [key]
        dependencies |= {d for d in graph.parents[key] if d not in inside}
    stem = name or f"squashed_{last[1]}"
    return write_file(
        migrations_dir,
        first[0],
        optimize(operations),
        sorted(dependencies),
        name=f"{first[1][:4]}_{stem}",
        replaces=replaces,
    )


__all__ = ["optimize", "squash_migrations"]

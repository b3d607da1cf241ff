"""The order in which `ryx flush` empties tables: rows that refer to others go first, cycles are cut by nulling."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ryx.models.base import Model

from ryx_cli.errors import CommandError


@dataclass(frozen=True)
class Step:
    """One statement of a flush: empty ``model``'s table, or set its ``column`` to NULL first."""

    model: type[Model]
    column: str | None = None

    @property
    def is_nulling(self) -> bool:
        """Return whether this step sets a column to NULL instead of deleting rows."""
        return self.column is not None


def _relations(model: type[Model]) -> list[Any]:
    """Return the model's ForeignKey/OneToOneField fields."""
    return list(model._meta.relation_fields)


def deletion_plan(models: Sequence[type[Model]]) -> list[Step]:
    """Return the steps that empty every table of ``models`` without breaking a foreign key on the way.

    A table is emptied only when no other remaining table refers to it. Self-references and cycles are
    cut by first setting their nullable keys to NULL; a cycle made only of NOT NULL keys cannot be cut,
    and is a `CommandError` naming it.
    """
    remaining = list(dict.fromkeys(models))
    steps: list[Step] = []
    nulled: set[tuple[type[Model], str]] = set()

    def null_references(among: list[type[Model]]) -> None:
        for model in among:
            for f in _relations(model):
                if f.remote_model in among and f.null and (model, f.column) not in nulled:
                    nulled.add((model, f.column))
                    steps.append(Step(model, f.column))

    # Rows of a table may refer to each other: a self-reference is cut up front.
    for model in remaining:
        for f in _relations(model):
            if f.remote_model is model and f.null:
                nulled.add((model, f.column))
                steps.append(Step(model, f.column))

    while remaining:
        referenced = {
            f.remote_model
            for model in remaining
            for f in _relations(model)
            if f.remote_model is not model and (model, f.column) not in nulled
        }
        free = [m for m in remaining if m not in referenced]
        if not free:
            before = len(nulled)
            null_references(remaining)
            if len(nulled) == before:
                names = ", ".join(m.__name__ for m in remaining)
                raise CommandError(
                    f"cannot order the flush: {names} refer to each other through NOT NULL keys only; "
                    f"make one of those ForeignKeys null=True, or empty the tables by hand"
                )
            continue
        for model in free:
            steps.append(Step(model))
            remaining.remove(model)
    return steps


__all__ = ["Step", "deletion_plan"]

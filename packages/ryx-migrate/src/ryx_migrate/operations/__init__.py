"""The migration operations (Django-style): models, fields, indexes, constraints, RunSQL and RunPython."""

from ryx_migrate.operations.base import Operation
from ryx_migrate.operations.compat import CreateIndex, CreateTable
from ryx_migrate.operations.fields import AddField, AlterField, RemoveField, RenameField
from ryx_migrate.operations.models import (
    AddConstraint,
    AddIndex,
    AlterModelTable,
    AlterUniqueTogether,
    CreateModel,
    DeleteModel,
    RemoveConstraint,
    RemoveIndex,
    RenameModel,
)
from ryx_migrate.operations.special import RunPython, RunSQL
from ryx_migrate.state import CheckState, FieldState, IndexState

__all__ = [
    "AddConstraint",
    "AddField",
    "AddIndex",
    "AlterField",
    "AlterModelTable",
    "AlterUniqueTogether",
    "CheckState",
    "CreateIndex",
    "CreateModel",
    "CreateTable",
    "DeleteModel",
    "FieldState",
    "IndexState",
    "Operation",
    "RemoveConstraint",
    "RemoveField",
    "RemoveIndex",
    "RenameField",
    "RenameModel",
    "RunPython",
    "RunSQL",
]

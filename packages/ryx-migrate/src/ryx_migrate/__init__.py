"""ryx_migrate: migrations for Ryx (state, autodetector, operations, files, runner, introspection).

The submodules are imported on first use; ``import ryx_migrate`` alone loads nothing else.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_EXPORTS = {
    "Autodetector": "ryx_migrate.autodetect",
    "RenameCandidate": "ryx_migrate.autodetect",
    "MigrationRunner": "ryx_migrate.runner",
    "MigrationStatus": "ryx_migrate.runner",
    "ProjectState": "ryx_migrate.state",
    "ModelState": "ryx_migrate.state",
    "FieldState": "ryx_migrate.state",
    "project_state_from_models": "ryx_migrate.state",
    "MigrationFile": "ryx_migrate.loader",
    "load_migration_file": "ryx_migrate.loader",
    "MigrationContext": "ryx_migrate.context",
    "introspect": "ryx_migrate.introspect",
    "render_models": "ryx_migrate.inspectdb",
    "MigrationError": "ryx_migrate.errors",
}


def __getattr__(name: str) -> Any:
    """Import the submodule defining ``name`` on first access."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ryx_migrate' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = sorted(_EXPORTS)

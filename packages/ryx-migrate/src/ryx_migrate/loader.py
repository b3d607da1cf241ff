"""Migration files: finding them under a directory (one sub-directory per app) and loading them."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ryx_migrate.errors import InvalidMigration
from ryx_migrate.operations.base import Operation

#: A migration file name: four digits, an underscore, a slug.
FILE_PATTERN = re.compile(r"^(\d{4})_(\w+)\.py$")
#: Package name the loaded files are registered under in ``sys.modules``.
MODULE_PREFIX = "_ryx_migrations"

Key = tuple[str, str]


@dataclass
class MigrationFile:
    """A loaded migration: its name, dependencies ``(app, name)``, operations, app and what it replaces."""

    name: str
    dependencies: list[Key] = field(default_factory=list)
    operations: list[Operation] = field(default_factory=list)
    app_label: str = ""
    replaces: list[Key] = field(default_factory=list)
    path: Path | None = None

    @property
    def key(self) -> Key:
        """Return ``(app_label, name)``."""
        return (self.app_label, self.name)

    @property
    def label(self) -> str:
        """Return ``app:name`` (just ``name`` for the unnamed app)."""
        return f"{self.app_label}:{self.name}" if self.app_label else self.name

    @property
    def number(self) -> int:
        """Return the leading number of the name (0 when there is none)."""
        match = re.match(r"^(\d+)", self.name)
        return int(match.group(1)) if match else 0


def _keys(value: Any, app_label: str, what: str, path: Path) -> list[Key]:
    """Normalise a dependency list: ``"0001_x"`` (same app) or ``("app", "0001_x")``."""
    if not isinstance(value, list | tuple):
        raise InvalidMigration(f"{path}: Migration.{what} must be a list, not {value!r}")
    out: list[Key] = []
    for item in value:
        if isinstance(item, str) and item:
            out.append((app_label, item))
        elif isinstance(item, list | tuple) and len(item) == 2 and all(isinstance(x, str) for x in item):
            out.append((item[0], item[1]))
        else:
            raise InvalidMigration(
                f"{path}: Migration.{what} entries must be a migration name or an (app, name) pair, not {item!r}"
            )
    return out


def module_name(path: Path, app_label: str) -> str:
    """Return the ``sys.modules`` name a migration file is loaded under (unique per file path)."""
    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:10]
    return f"{MODULE_PREFIX}.m{digest}_{app_label or '_'}_{path.stem}"


def load_migration_file(path: str | Path, app_label: str = "") -> MigrationFile:
    """Import a migration file and return its `MigrationFile` (InvalidMigration saying what is wrong otherwise)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidMigration(f"no migration file at {path}")
    name = module_name(path, app_label)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise InvalidMigration(f"{path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(name, None)
        raise InvalidMigration(f"{path} failed to import: {type(exc).__name__}: {exc}") from exc
    migration = getattr(module, "Migration", None)
    if migration is None:
        raise InvalidMigration(f"{path} has no `class Migration:`; every migration file defines one")
    operations = list(getattr(migration, "operations", []))
    for op in operations:
        if not isinstance(op, Operation):
            raise InvalidMigration(f"{path}: Migration.operations must hold operations, found {op!r}")
    return MigrationFile(
        name=path.stem,
        dependencies=_keys(getattr(migration, "dependencies", []), app_label, "dependencies", path),
        operations=operations,
        app_label=app_label,
        replaces=_keys(getattr(migration, "replaces", []), app_label, "replaces", path),
        path=path,
    )


def migration_paths(directory: Path) -> Iterable[Path]:
    """Return the migration files directly in ``directory``, sorted by name."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and FILE_PATTERN.match(p.name))


def app_directory(migrations_dir: str | Path, app_label: str) -> Path:
    """Return where an app's files live: ``migrations_dir`` itself for the unnamed app, else a sub-directory."""
    base = Path(migrations_dir)
    return base / app_label if app_label else base


def discover(migrations_dir: str | Path) -> dict[Key, MigrationFile]:
    """Load every migration under ``migrations_dir``: its own files (app ``""``) and one sub-directory per app."""
    base = Path(migrations_dir)
    found: dict[Key, MigrationFile] = {}
    if not base.is_dir():
        return found
    directories = [("", base)]
    directories += [
        (d.name, d)
        for d in sorted(base.iterdir())
        if d.is_dir() and d.name.isidentifier() and not d.name.startswith("_")
    ]
    for app_label, directory in directories:
        for path in migration_paths(directory):
            migration = load_migration_file(path, app_label)
            found[migration.key] = migration
    return found


__all__ = [
    "FILE_PATTERN",
    "Key",
    "MigrationFile",
    "app_directory",
    "discover",
    "load_migration_file",
    "migration_paths",
    "module_name",
]

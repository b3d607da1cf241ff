"""Writing migrations as Python files: readable, importable, and the same text for the same operations."""

from __future__ import annotations

import dataclasses
import decimal
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ryx_migrate import __version__
from ryx_migrate.compat import ColumnState
from ryx_migrate.errors import MigrationError
from ryx_migrate.loader import FILE_PATTERN, MODULE_PREFIX, Key, app_directory, migration_paths
from ryx_migrate.operations.base import Operation

INDENT = "    "
_STATE_CLASSES = ("FieldState", "IndexState", "CheckState")


class _Imports:
    """The import lines a file needs."""

    def __init__(self) -> None:
        self.lines: set[str] = set()
        self.state_names: set[str] = set()

    def render(self) -> list[str]:
        """Return the sorted import lines."""
        lines = set(self.lines)
        if self.state_names:
            lines.add(f"from ryx_migrate.state import {', '.join(sorted(self.state_names))}")
        return sorted(lines, key=lambda line: (line.startswith("from "), line))


def _callable_ref(value: Any, imports: _Imports) -> str:
    """Return the name of an importable top-level function (migration-file functions cannot be referenced)."""
    module = getattr(value, "__module__", None)
    qualname = getattr(value, "__qualname__", "")
    if not module or not qualname or "<" in qualname or "." in qualname:
        raise MigrationError(
            f"cannot write {value!r} into a migration file: RunPython needs a top-level function of an importable "
            f"module (not a lambda, a nested function or a method)"
        )
    if module.startswith(MODULE_PREFIX):
        raise MigrationError(
            f"cannot write {qualname} into another migration file: it is defined inside a migration file; move it "
            f"into an importable module and reference it from there"
        )
    imports.lines.add(f"import {module}")
    return f"{module}.{qualname}"


def serialize(value: Any, imports: _Imports, level: int = 0) -> str:
    """Return Python source for ``value`` (literals, containers, states and operations)."""
    pad = INDENT * (level + 1)
    end = INDENT * level
    if value is None or isinstance(value, bool | int | str):
        return repr(value)
    if isinstance(value, float):
        return (
            repr(value) if value == value and value not in (float("inf"), float("-inf")) else f"float({str(value)!r})"
        )
    if isinstance(value, decimal.Decimal):
        imports.lines.add("import decimal")
        return f"decimal.Decimal({str(value)!r})"
    if isinstance(value, Operation):
        args = value.deconstruct()
        body = "".join(f"{pad}{k}={serialize(v, imports, level + 1)},\n" for k, v in args.items())
        return f"ops.{type(value).__name__}(\n{body}{end})"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        name = type(value).__name__
        if isinstance(value, ColumnState):
            imports.lines.add("from ryx_migrate.compat import ColumnState")
        elif name in _STATE_CLASSES:
            imports.state_names.add(name)
        else:
            raise MigrationError(f"cannot write a {name} into a migration file")
        kwargs = []
        for f in dataclasses.fields(value):
            if f.name.startswith("_"):
                continue
            current = getattr(value, f.name)
            if f.default is not dataclasses.MISSING and current == f.default and type(current) is type(f.default):
                continue
            kwargs.append(f"{f.name}={serialize(current, imports, level)}")
        return f"{name}({', '.join(kwargs)})"
    if isinstance(value, list | tuple):
        items = [serialize(v, imports, level + 1) for v in value]
        if isinstance(value, tuple):
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        if not items:
            return "[]"
        inline = f"[{', '.join(items)}]"
        if len(inline) + len(pad) <= 100 and "\n" not in inline:
            return inline
        return "[\n" + "".join(f"{pad}{i},\n" for i in items) + f"{end}]"
    if isinstance(value, dict):
        items = [f"{serialize(k, imports)}: {serialize(v, imports, level + 1)}" for k, v in value.items()]
        return "{" + ", ".join(items) + "}"
    if callable(value):
        return _callable_ref(value, imports)
    raise MigrationError(f"cannot write {value!r} (a {type(value).__name__}) into a migration file")


def render_migration(
    name: str,
    operations: Sequence[Operation],
    dependencies: Sequence[Key] = (),
    *,
    app_label: str = "",
    replaces: Sequence[Key] = (),
) -> str:
    """Return the source of a migration file (no timestamp: the same input gives the same text)."""
    imports = _Imports()
    imports.lines.add("from ryx_migrate import operations as ops")
    ops_src = serialize(list(operations), imports, 1) if operations else "[]"

    def dep(key: Key) -> str:
        return repr(key[1]) if key[0] == app_label else repr(key)

    lines = [
        f'"""Migration {name}{f" of {app_label}" if app_label else ""}: written by ryx-migrate."""',
        f"# Generated by ryx-migrate {__version__}. Review it, then commit it with your models.",
        "",
        *imports.render(),
        "",
        "",
        "class Migration:",
        f"{INDENT}dependencies = [{', '.join(dep(d) for d in dependencies)}]",
    ]
    if replaces:
        lines.append(f"{INDENT}replaces = [{', '.join(dep(r) for r in replaces)}]")
    lines.append(f"{INDENT}operations = {ops_src}")
    return "\n".join(lines) + "\n"


def next_number(directory: Path) -> int:
    """Return the number the next migration file in ``directory`` takes."""
    numbers = [int(m.group(1)) for p in migration_paths(directory) if (m := FILE_PATTERN.match(p.name))]
    return max(numbers, default=0) + 1


def slug(operations: Sequence[Operation], initial: bool) -> str:
    """Return a file-name slug: ``initial``, the one operation's fragment, or the first one's plus ``_and_more``."""
    if initial:
        return "initial"
    if not operations:
        return "empty"
    text = operations[0].migration_name_fragment()
    if len(operations) > 1:
        text += "_and_more"
    text = re.sub(r"\W+", "_", text).strip("_").lower() or "auto"
    return text[:60]


def write_file(
    migrations_dir: str | Path,
    app_label: str,
    operations: Sequence[Operation],
    dependencies: Sequence[Key],
    *,
    name: str | None = None,
    replaces: Sequence[Key] = (),
) -> Path:
    """Write the next migration file of an app and return its path (``__init__.py`` files are created)."""
    directory = app_directory(migrations_dir, app_label)
    directory.mkdir(parents=True, exist_ok=True)
    for package in {Path(migrations_dir), directory}:
        init = package / "__init__.py"
        if not init.exists():
            init.write_text("")
    number = next_number(directory)
    if name is not None:
        if not re.fullmatch(r"\w+", name):
            raise MigrationError(f"migration name {name!r} must be letters, digits and underscores")
        stem = name if FILE_PATTERN.match(f"{name}.py") else f"{number:04d}_{name}"
    else:
        stem = f"{number:04d}_{slug(operations, initial=number == 1)}"
    path = directory / f"{stem}.py"
    if path.exists():
        raise MigrationError(f"{path} already exists; choose another name")
    path.write_text(render_migration(stem, operations, dependencies, app_label=app_label, replaces=replaces))
    return path


__all__ = ["next_number", "render_migration", "serialize", "slug", "write_file"]

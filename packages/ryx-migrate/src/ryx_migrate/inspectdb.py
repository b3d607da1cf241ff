"""Model source code from an introspected database (``ryx inspectdb``): valid Python using ryx fields."""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable

from ryx_migrate.introspect import ColumnInfo, DatabaseSchema, TableInfo, canonical_type

_INTEGER_FIELDS = {"integer": "IntField", "int": "IntField", "bigint": "BigIntField", "smallint": "SmallIntField"}
_AUTO_FIELDS = {"IntField": "AutoField", "BigIntField": "BigAutoField", "SmallIntField": "SmallAutoField"}


def class_name(table: str) -> str:
    """Return a CamelCase class name for a table (``blog_posts`` → ``BlogPosts``)."""
    words = [w for w in re.split(r"[^0-9A-Za-z]+", table) if w]
    name = "".join(w[:1].upper() + w[1:] for w in words) or "Table"
    return f"T{name}" if name[0].isdigit() else name


def attribute_name(column: str) -> str:
    """Return a valid attribute name for a column."""
    name = re.sub(r"\W", "_", column).strip("_").lower() or "field"
    if name[0].isdigit():
        name = f"f_{name}"
    if keyword.iskeyword(name) or "__" in name or name in ("pk", "objects", "save", "delete"):
        name = f"{name.replace('__', '_')}_field"
    return name


def field_call(col: ColumnInfo, dialect: str) -> tuple[str, list[str], str]:
    """Return ``(field class, keyword args, comment)`` for a column."""
    sql = canonical_type(col.type, dialect)
    base, _, rest = sql.partition("(")
    numbers = [int(n) for n in re.findall(r"\d+", rest)]
    kwargs: list[str] = []
    comment = ""
    if base in _INTEGER_FIELDS:
        cls = _INTEGER_FIELDS[base]
    elif sql in ("tinyint(1)", "boolean"):
        cls = "BooleanField"
    elif base in ("double precision", "double", "real", "float"):
        cls = "FloatField"
    elif base == "decimal":
        cls = "DecimalField"
        digits, places = [*numbers, 10, 2][:2]
        kwargs += [f"max_digits={digits}", f"decimal_places={places}"]
    elif base in ("varchar", "char") and numbers:
        cls = "CharField"
        kwargs.append(f"max_length={numbers[0]}")
    elif base == "uuid":
        cls = "UUIDField"
    elif base in ("text", "longtext", "mediumtext", "tinytext", "clob"):
        cls = "TextField"
    elif base in ("bytea", "blob", "longblob", "mediumblob", "tinyblob", "binary", "varbinary"):
        cls = "BinaryField"
    elif base == "date":
        cls = "DateField"
    elif base.startswith("time") and "timestamp" not in base:
        cls = "TimeField"
    elif base.startswith(("timestamp", "datetime")):
        cls = "DateTimeField"
        if "without time zone" in sql:
            comment = "naive TIMESTAMP column: ryx reads and writes it as UTC"
    elif base in ("json", "jsonb"):
        cls = "JSONField"
    elif base in ("tinyint", "mediumint"):
        cls = "IntField"
    else:
        cls = "TextField"
        comment = f"unknown column type {col.type!r}: check this field"
    if col.primary_key:
        if col.auto_increment and cls in _AUTO_FIELDS:
            return _AUTO_FIELDS[cls], [], comment
        kwargs.append("primary_key=True")
    if col.null and not col.primary_key:
        kwargs.append("null=True")
    return cls, kwargs, comment


def render_table(table: TableInfo, dialect: str, classes: dict[str, str]) -> list[str]:
    """Return the source lines of one model class."""
    name = classes[table.name]
    lines = [f"class {name}(ryx.Model):"]
    fk_by_column = {fk.columns[0]: fk for fk in table.foreign_keys if len(fk.columns) == 1}
    targets = [fk.ref_table for fk in fk_by_column.values()]
    used: set[str] = set()
    composite_pk = len(table.primary_key) > 1
    for col in table.columns:
        fk = fk_by_column.get(col.column if hasattr(col, "column") else col.name)
        attr = attribute_name(
            col.name[:-3] if fk and col.name.lower().endswith("_id") and len(col.name) > 3 else col.name
        )
        while attr in used:
            attr += "_"
        used.add(attr)
        if fk is not None:
            target = classes.get(fk.ref_table, class_name(fk.ref_table))
            target_ref = repr("self") if fk.ref_table == table.name else repr(target)
            kwargs = [target_ref, f"on_delete={fk.on_delete.upper().replace(' ', '_')!r}"]
            if kwargs[1] == "on_delete='NO_ACTION'":
                kwargs[1] = "on_delete='DO_NOTHING'"
            if col.null:
                kwargs.append("null=True")
            if f"{attr}_id" != col.name:
                kwargs.append(f"db_column={col.name!r}")
            if targets.count(fk.ref_table) > 1:
                kwargs.append(f"related_name={f'{table.name}_{attr}_set'!r}")
            lines.append(f"    {attr} = ryx.ForeignKey({', '.join(kwargs)})")
            continue
        cls, kwargs, comment = field_call(col, dialect)
        if composite_pk:
            kwargs = [k for k in kwargs if k != "primary_key=True"]
        if attr != col.name:
            kwargs.append(f"db_column={col.name!r}")
        line = f"    {attr} = ryx.{cls}({', '.join(kwargs)})"
        lines.append(f"{line}  # {comment}" if comment else line)
    if not table.primary_key or composite_pk:
        lines.append(
            f"    # {table.name} has {'a composite' if composite_pk else 'no'} primary key: ryx adds an 'id' column; "
            f"edit this model before using it"
        )
    lines += ["", "    class Meta:", f"        table_name = {table.name!r}", "        managed = False", ""]
    return lines


def render_models(schema: DatabaseSchema, *, tables: Iterable[str] | None = None, source: str = "") -> str:
    """Return a Python module declaring one ``managed = False`` model per table."""
    names = sorted(schema.tables) if tables is None else [t for t in tables if t in schema.tables]
    classes: dict[str, str] = {}
    for table in names:
        candidate = class_name(table)
        while candidate in classes.values() or candidate in ("Model",):
            candidate += "_"
        classes[table] = candidate
    lines = [
        f'"""Models generated by ryx inspectdb{f" from {source}" if source else ""}: review them before use."""',
        "",
        "import ryx",
        "",
        "",
    ]
    for table in names:
        lines += render_table(schema.tables[table], schema.dialect, classes)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


__all__ = ["attribute_name", "class_name", "field_call", "render_models", "render_table"]

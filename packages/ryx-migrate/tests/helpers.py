"""Helpers of the ryx-migrate tests: model factories with unique tables, schema snapshots."""

from __future__ import annotations

from typing import Any

import ryx
from ryx.models.base import registry
from ryx_migrate.introspect import introspect, table_names


def model(name: str, table: str, fields: dict[str, Any], **meta: Any) -> Any:
    """Create a model class ``name`` on ``table`` with ``fields`` and Meta options (unregistered after use)."""
    meta_cls = type("Meta", (), {"table_name": table, **meta})
    cls = type(name, (ryx.Model,), {"__module__": f"migtests_{table}", "Meta": meta_cls, **fields})
    return cls


def forget(*models: Any) -> None:
    """Remove models from the registry."""
    for m in models:
        registry.unregister(m)


async def snapshot(prefix: str, alias: str | None = None) -> dict[str, Any]:
    """Return a comparable description of the tables starting with ``prefix`` (names, columns, keys, indexes)."""
    names = [t for t in await table_names(alias) if t.startswith(prefix)]
    schema = await introspect(alias, tables=names)
    out: dict[str, Any] = {}
    for name, table in schema.tables.items():
        out[name] = {
            # Column order is not compared: a column dropped and added back comes last on PostgreSQL/MySQL.
            "columns": sorted((c.name, c.type.lower(), c.null, c.primary_key) for c in table.columns),
            "indexes": sorted((i.columns, i.unique) for i in table.indexes if not i.primary),
            "fks": sorted((fk.columns, fk.ref_table, fk.ref_columns, fk.on_delete) for fk in table.foreign_keys),
        }
    return out

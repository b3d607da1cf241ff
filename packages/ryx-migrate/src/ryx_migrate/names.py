"""Stable names for the indexes migrations create (short enough for every backend)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

#: PostgreSQL truncates identifiers past 63 bytes (MySQL allows 64): stay under both.
MAX_IDENTIFIER = 63


def index_name(table: str, columns: Sequence[str], suffix: str = "idx") -> str:
    """Return ``{table}_{col1}_{col2}_{suffix}``, shortened with a stable hash when too long."""
    name = "_".join([table, *columns, suffix])
    if len(name) <= MAX_IDENTIFIER:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[: MAX_IDENTIFIER - len(suffix) - 10]}_{digest}_{suffix}"


__all__ = ["MAX_IDENTIFIER", "index_name"]

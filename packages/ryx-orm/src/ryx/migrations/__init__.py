"""``ryx.migrations``: the migrations of the ``ryx-migrate`` package under the original import paths.

Nothing is imported with ``ryx``: ``ryx.migrations.state``, ``.autodetect``, ``.ddl`` and ``.runner`` load
``ryx_migrate`` when first imported, and say how to install it when it is missing.
"""

from __future__ import annotations

import importlib
from typing import Any

#: The message of the ImportError raised when ryx-migrate is not installed.
MISSING = (
    "ryx.migrations needs the ryx-migrate package: install it with `pip install ryx-migrate` "
    "(or the `ryx` meta-package)"
)
_SUBMODULES = ("state", "autodetect", "ddl", "runner")


def __getattr__(name: str) -> Any:
    """Load ``ryx.migrations.<submodule>``, or a name ``ryx_migrate`` exports, on first use."""
    if name in _SUBMODULES:
        return importlib.import_module(f"ryx.migrations.{name}")
    try:
        package = importlib.import_module("ryx_migrate")
    except ModuleNotFoundError as exc:
        raise ImportError(MISSING) from exc
    return getattr(package, name)


__all__ = ["MISSING"]

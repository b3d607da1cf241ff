"""``ryx.migrations.ddl``: re-export of ``ryx_migrate.ddl`` (needs the ryx-migrate package)."""

try:
    from ryx_migrate.ddl import *  # noqa: F403
    from ryx_migrate.ddl import __all__ as __all__
except ModuleNotFoundError as exc:  # pragma: no cover - only without ryx-migrate installed
    if exc.name != "ryx_migrate":
        raise
    from ryx.migrations import MISSING

    raise ImportError(MISSING) from exc

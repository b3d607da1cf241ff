"""``ryx.migrations.autodetect``: re-export of ``ryx_migrate.autodetect`` (needs the ryx-migrate package)."""

try:
    from ryx_migrate.autodetect import *  # noqa: F403
    from ryx_migrate.autodetect import __all__ as __all__
except ModuleNotFoundError as exc:  # pragma: no cover - only without ryx-migrate installed
    if exc.name != "ryx_migrate":
        raise
    from ryx.migrations import MISSING

    raise ImportError(MISSING) from exc

"""The project a command works on: its settings, its model classes (imported from the configured modules), its pools."""

from __future__ import annotations

import importlib
import sys
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import ryx
from ryx.models.base import Model, registry

from ryx_cli.errors import CommandError, UsageError
from ryx_cli.settings import Settings


def _add_to_path(settings: Settings) -> None:
    """Make the project's modules importable: the console script does not put the working directory on sys.path."""
    root = str(settings.root)
    if root not in sys.path:
        sys.path.insert(0, root)


def import_modules(settings: Settings, modules: Iterable[str]) -> None:
    """Import each module; a module that is missing is a usage error, one that fails is a failure."""
    _add_to_path(settings)
    for name in modules:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                raise UsageError(
                    f"cannot import the model module {name!r} (no module {exc.name!r} under {settings.root} or on "
                    f"sys.path): check models = [...] in the configuration or --models"
                ) from exc
            raise CommandError(f"importing {name!r} failed: {type(exc).__name__}: {exc}") from exc
        except Exception as exc:
            raise CommandError(f"importing {name!r} failed: {type(exc).__name__}: {exc}") from exc


def _belongs(model: type[Model], modules: Sequence[str]) -> bool:
    """Return whether ``model`` was defined in one of ``modules`` (or a submodule of one)."""
    return any(model.__module__ == m or model.__module__.startswith(m + ".") for m in modules)


def _related(model: type[Model]) -> list[type[Model]]:
    """Return the models ``model`` refers to through its relation fields (M2M through models included)."""
    out: list[type[Model]] = []
    for f in model._meta.relation_fields:
        out.append(f.remote_model)
    for m2m in getattr(model._meta, "many_to_many", {}).values():
        for attr in ("remote_model", "through"):
            target = getattr(m2m, attr, None)
            if isinstance(target, type) and issubclass(target, Model):
                out.append(target)
    return out


def load_models(settings: Settings) -> list[type[Model]]:
    """Import the configured modules and return their concrete models, plus every model they relate to.

    Models come back in the order they were defined; abstract models are never included.
    """
    modules = settings.require_models()
    import_modules(settings, modules)
    chosen = [m for m in registry if _belongs(m, modules)]
    if not chosen:
        raise UsageError(
            f"no models found in {', '.join(modules)}: define ryx.Model subclasses there, or fix models = [...]"
        )
    seen = set(chosen)
    queue = list(chosen)
    while queue:
        for target in _related(queue.pop()):
            if target not in seen and not target._meta.abstract:
                seen.add(target)
                chosen.append(target)
                queue.append(target)
    order = {m: i for i, m in enumerate(registry)}
    return sorted(chosen, key=lambda m: order.get(m, len(order)))


def pool_options(settings: Settings) -> dict[str, Any]:
    """Return the pool options of the config file, for ryx.setup()."""
    return dict(settings.pool)


@asynccontextmanager
async def connected(settings: Settings, aliases: Sequence[str] | None = None) -> AsyncIterator[list[str]]:
    """Open pools for ``aliases`` (default: every configured alias, or the selected one) and close them after."""
    if aliases is None:
        aliases = [settings.alias] if settings.alias_given else sorted(settings.databases)
    if not aliases:
        settings.url_for(settings.alias)  # raises with the how-to
    urls = {alias: settings.url_for(alias) for alias in aliases}
    await ryx.setup(urls, **pool_options(settings))
    try:
        yield list(urls)
    finally:
        await ryx.close()


__all__ = ["connected", "import_modules", "load_models"]

"""Which models a database alias holds: the router's ``allow_migrate`` first, then ``Meta.database``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ryx_core
from ryx import router


def _router_answer(alias: str, app_label: str, model_name: str | None) -> bool | None:
    """Return the first non-None ``allow_migrate`` answer of the installed routers, or None."""
    configured = router.get_router()
    chain = configured if isinstance(configured, list | tuple) else ([] if configured is None else [configured])
    for item in chain:
        ask = getattr(item, "allow_migrate", None)
        if ask is None:
            continue
        answer = ask(alias, app_label, model_name)
        if answer is not None:
            return bool(answer)
    return None


class ModelRouting:
    """Answer "does this model's table live on that alias?" for the models of a run.

    A router's ``allow_migrate(alias, app_label, model_name)`` decides when it answers; otherwise the model
    lives on its ``Meta.database``, or on the default alias when it has none (models that exist only in
    migration files, deleted from the code since, go to the default alias).
    """

    def __init__(self, models: Iterable[Any] = ()) -> None:
        """Remember each model class by ``(app_label, lower-case name)``."""
        self.classes = {(m._meta.app_label, m._meta.object_name.lower()): m for m in models}

    def database_of(self, app_label: str, model_name: str) -> str | None:
        """Return the model's ``Meta.database`` (None: the default alias)."""
        model = self.classes.get((app_label, model_name.lower()))
        database = getattr(getattr(model, "_meta", None), "database", None)
        return database if isinstance(database, str) and database else None

    def allows(self, alias: str, app_label: str, model_name: str) -> bool:
        """Return whether the model is migrated on ``alias``."""
        answer = _router_answer(alias, app_label, model_name)
        if answer is not None:
            return answer
        database = self.database_of(app_label, model_name)
        if database is not None:
            return database == alias
        return alias == (ryx_core.default_alias() or "default")


__all__ = ["ModelRouting"]

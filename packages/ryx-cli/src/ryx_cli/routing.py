"""Which of the project's models live on a given alias (the router, then `Meta.database`, then 'default')."""

from __future__ import annotations

from collections.abc import Sequence

from ryx import router
from ryx.models.base import Model

from ryx_cli.settings import DEFAULT_ALIAS


def models_on(models: Sequence[type[Model]], alias: str) -> list[type[Model]]:
    """Return the managed models whose tables live on ``alias``."""
    out = []
    for model in models:
        meta = model._meta
        if meta.abstract or not meta.managed:
            continue
        home = router.write_alias(model) or DEFAULT_ALIAS
        if home == alias and router.allow_migrate(alias, meta.app_label, meta.model_name):
            out.append(model)
    return out


__all__ = ["models_on"]

"""Routing: explicit ``using`` > router (db_for_read/db_for_write) > ``Meta.database`` > None (default alias)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import ryx
from ryx.exceptions import ConfigurationError
from ryx.router import BaseRouter, allow_migrate, get_router, read_alias, set_router, write_alias


def model(database: str | None = None, name: str = "Thing") -> Any:
    return type(name, (), {"_meta": SimpleNamespace(database=database, app_label="app", table_name=name.lower())})


class ReplicaRouter(BaseRouter):
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return "replica" if model.__name__ != "Local" else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return hints.get("instance_db") or ("primary" if model.__name__ != "Local" else None)

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None) -> bool | None:
        return db == "primary" if model_name != "local" else None


def test_order_of_resolution() -> None:
    plain, pinned, local = model(), model("archive", "Pinned"), model("archive", "Local")
    assert read_alias(plain) is None and write_alias(plain) is None  # None = the engine's default alias
    assert read_alias(pinned) == "archive" == write_alias(pinned)
    set_router(ReplicaRouter())
    assert read_alias(pinned) == "replica"
    assert write_alias(pinned) == "primary"
    assert write_alias(pinned, instance_db="shard2") == "shard2"  # hints reach the router
    assert read_alias(local) == "archive"  # router has no opinion: Meta.database
    assert read_alias(pinned, using="explicit") == "explicit" == write_alias(pinned, using="explicit")
    set_router(None)
    assert read_alias(pinned) == "archive"


def test_base_router_has_no_opinion() -> None:
    router = BaseRouter()
    assert router.db_for_read(model()) is None
    assert router.db_for_write(model()) is None
    assert router.allow_migrate("default", "app", "thing") is None
    set_router(router)
    assert read_alias(model("x")) == "x"
    assert allow_migrate("default", "app", "thing") is True


def test_get_router_and_chains() -> None:
    class Never(BaseRouter):
        pass

    replica = ReplicaRouter()
    chain = [Never(), replica]
    set_router(chain)
    assert get_router() is chain
    assert read_alias(model()) == "replica"  # the first router with an opinion wins
    set_router(replica)
    assert get_router() is replica
    set_router(None)
    assert get_router() is None


def test_allow_migrate() -> None:
    assert allow_migrate("anything", "app", "thing") is True
    set_router(ReplicaRouter())
    assert allow_migrate("primary", "app", "thing") is True
    assert allow_migrate("replica", "app", "thing") is False
    assert allow_migrate("replica", "app", "local") is True


def test_duck_typed_router_is_accepted() -> None:
    class Reads:
        def db_for_read(self, model: Any, **hints: Any) -> str:
            return "r"

    set_router(Reads())
    assert read_alias(model()) == "r"
    assert write_alias(model("w")) == "w"  # no db_for_write: skipped


@pytest.mark.parametrize(
    ("router", "match"),
    [(ReplicaRouter, "instance, not the class"), (object(), "not a router"), ([object()], "not a router")],
)
def test_bad_router_raises_and_changes_nothing(router: Any, match: str) -> None:
    installed = ReplicaRouter()
    set_router(installed)
    with pytest.raises(ConfigurationError, match=match):
        set_router(router)
    assert get_router() is installed


def test_router_returning_a_non_alias_is_an_error() -> None:
    class Broken(BaseRouter):
        def db_for_read(self, model: Any, **hints: Any) -> Any:
            return 3

    set_router(Broken())
    with pytest.raises(ConfigurationError, match="db_for_read"):
        read_alias(model())


async def test_routed_alias_is_used_for_queries_on_every_backend(db: str, db_url: str, tmp_path: Any) -> None:
    """The alias a router picks is a real pool: raw SQL on it runs there (and fails clearly when unknown)."""
    from conftest import sqlite_file_url

    replica_url = sqlite_file_url(tmp_path, "replica.db") if db == "sqlite" else db_url
    await ryx.setup({"default": db_url, "replica": replica_url})
    set_router(ReplicaRouter())
    alias = read_alias(model())
    assert alias == "replica"
    assert await ryx.raw_fetch("SELECT 1 AS one", alias=alias) == [{"one": 1}]
    with pytest.raises(ryx.PoolNotInitialized, match="primary"):
        await ryx.raw_fetch("SELECT 1", alias=write_alias(model()))


# ------------------------------------------------------------------------------- through the models


class RoutedNote(ryx.Model):
    text = ryx.CharField(max_length=20)


class PinnedNote(ryx.Model):
    text = ryx.CharField(max_length=20)

    class Meta:
        database = "archive"


class NotesRouter(BaseRouter):
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return "replica" if model is RoutedNote else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default" if model is RoutedNote else None


async def test_models_follow_using_router_and_meta_database(db: str, db_url: str, tmp_path: Any) -> None:
    from conftest import sqlite_file_url
    from support import tables

    urls = {"default": db_url, "replica": db_url, "archive": db_url}
    if db == "sqlite":  # separate files, so each alias really is another database
        urls["replica"] = sqlite_file_url(tmp_path, "replica.db")
        urls["archive"] = sqlite_file_url(tmp_path, "archive.db")
    await ryx.setup(urls)
    async with tables(RoutedNote), tables(PinnedNote, alias="archive"):
        await PinnedNote.objects.create(text="kept in archive")
        assert [n.text for n in await PinnedNote.objects.all()] == ["kept in archive"]
        if db == "sqlite":
            async with tables(RoutedNote, alias="replica"):
                await RoutedNote.objects.using("replica").create(text="replica copy")
                set_router(NotesRouter())
                await RoutedNote.objects.create(text="written to default")  # db_for_write
                assert [n.text for n in await RoutedNote.objects.all()] == ["replica copy"]  # db_for_read
                assert [n.text for n in await RoutedNote.objects.using("default").all()] == ["written to default"]
        else:
            set_router(NotesRouter())
            await RoutedNote.objects.create(text="x")
            assert [n.text for n in await RoutedNote.objects.all()] == ["x"]
        set_router(None)
        with pytest.raises(ryx.PoolNotInitialized, match="nowhere"):
            await RoutedNote.objects.using("nowhere").count()

"""The query cache: LRU + TTL backend, keys that include parameters and alias, invalidation on writes."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
import ryx
from ryx import cache, signals
from ryx.cache import CachedQueryMixin, MemoryCache, make_cache_key
from ryx.executor_helpers import raw_execute
from support import create_raw_table, drop_raw_tables, quote, unique_name


@pytest.fixture
def memory() -> MemoryCache:
    backend = MemoryCache(max_size=100, ttl=60)
    ryx.configure_cache(backend)
    return backend


async def test_memory_cache_basics() -> None:
    c = MemoryCache(max_size=2, ttl=0)
    assert await c.get("a") is None
    await c.set("a", [1])
    await c.set("b", [2])
    assert await c.get("a") == [1]  # "a" is now the most recently used
    await c.set("c", [3])  # evicts "b"
    assert sorted(await c.keys()) == ["a", "c"]
    assert await c.keys("c*") == ["c"]
    await c.delete_many(["a", "zzz"])
    assert await c.keys() == ["c"]
    await c.clear()
    assert c.size() == 0


async def test_memory_cache_ttl() -> None:
    c = MemoryCache(ttl=0.05)
    await c.set("default ttl", 1)
    await c.set("forever", 2, ttl=0)
    await c.set("longer", 3, ttl=60)
    await asyncio.sleep(0.1)
    assert c.size() == 3  # size() counts expired entries
    assert sorted(await c.keys()) == ["forever", "longer"]
    assert await c.get("default ttl") is None
    assert await c.get("forever") == 2
    assert MemoryCache(ttl=None).ttl is None


def test_memory_cache_bad_options() -> None:
    with pytest.raises(ValueError, match="max_size"):
        MemoryCache(max_size=0)
    with pytest.raises(ValueError, match="ttl"):
        MemoryCache(ttl=-1)


def test_keys_include_parameters_and_alias() -> None:
    """Defect 10: filter(id=1) and filter(id=2) do not share an entry."""
    sql = "SELECT * FROM t WHERE id = ?"
    key = make_cache_key("Post", sql, [1])
    assert re.fullmatch(r"ryx:Post:[0-9a-f]{16}", key)
    assert key == make_cache_key("Post", sql, (1,))
    others = {
        make_cache_key("Post", sql, [2]),
        make_cache_key("Post", sql, [True]),
        make_cache_key("Post", sql, ["1"]),
        make_cache_key("Post", sql, [1.0]),
        make_cache_key("Post", sql, [1], "replica"),
        make_cache_key("Post", sql, []),
        make_cache_key("Post", sql + " ", [1]),
    }
    assert key not in others and len(others) == 7
    exotic = [dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC), Decimal("1.50"), b"\x00", uuid.UUID(int=1), None]
    assert make_cache_key("Post", sql, exotic) == make_cache_key("Post", sql, list(exotic))
    assert make_cache_key("Post", sql, [ryx.ryx_core.Json({"a": 1})]) != make_cache_key("Post", sql, [{"a": 1}])


async def test_configure_connects_the_invalidation_receivers_once(memory: MemoryCache) -> None:
    ryx.configure_cache(memory)
    ryx.configure_cache(memory)
    for sig in (signals.post_save, signals.post_delete, signals.post_update, signals.post_bulk_delete):
        assert sum(r is cache._invalidate_on_write for r in sig.receivers) == 1
    ryx.configure_cache(memory, auto_invalidate=False)
    assert cache._invalidate_on_write not in signals.post_save.receivers
    ryx.configure_cache(None)
    assert ryx.get_cache() is None
    assert cache._invalidate_on_write not in signals.post_save.receivers
    with pytest.raises(TypeError, match="AbstractCache"):
        ryx.configure_cache({})  # type: ignore[arg-type]


class Post:
    pass


class Comment:
    pass


async def test_writes_invalidate_the_model(memory: MemoryCache) -> None:
    await memory.set(make_cache_key("Post", "q", [1]), [(1,)])
    await memory.set(cache.explicit_key("Post", "front page"), [(1,)])
    await memory.set(make_cache_key("Comment", "q", [1]), [(1,)])
    await signals.post_save.send(Post, instance=Post(), created=True)
    assert [k.split(":")[1] for k in await memory.keys()] == ["Comment"]
    await ryx.invalidate_model("Comment")
    assert await memory.keys() == []


async def test_invalidate_one_key_and_all(memory: MemoryCache) -> None:
    await memory.set("plain", 1)
    await memory.set(cache.explicit_key("Post", "home*"), 2)
    await memory.set(cache.explicit_key("Post", "homeX"), 3)
    await ryx.invalidate("home*")  # glob characters in user keys are literal
    assert sorted(await memory.keys()) == sorted([cache.explicit_key("Post", "homeX"), "plain"])
    await ryx.invalidate("plain")
    await ryx.invalidate_all()
    assert await memory.keys() == []


async def test_invalidation_without_backend_is_a_no_op() -> None:
    ryx.configure_cache(None)
    await ryx.invalidate("x")
    await ryx.invalidate_model(Post)
    await ryx.invalidate_all()


class Query(CachedQueryMixin):
    """What the QuerySet does: compile, then fetch rows through ``_cached_rows``."""

    model_name = "Post"

    def __init__(self, table: str, min_id: int, alias: str | None = None) -> None:
        self.table, self.min_id, self.alias = table, min_id, alias
        self.fetches = 0

    async def rows(self) -> list[Any]:
        sql = f"SELECT id, name FROM {quote(self.table)} WHERE id >= ? ORDER BY id"

        async def fetch() -> list[Any]:
            self.fetches += 1
            return await ryx.ryx_core.fetch_all(sql, [self.min_id], alias=self.alias, as_tuples=True)

        return await self._cached_rows(self.model_name, sql, [self.min_id], self.alias, fetch)


@pytest.fixture
async def table(db: str) -> AsyncIterator[str]:
    name = await create_raw_table(unique_name("cache"), {"name": "VARCHAR(20)"})
    await raw_execute(f"INSERT INTO {quote(name)} (name) VALUES (?), (?)", ["a", "b"])
    yield name
    await drop_raw_tables([name])


async def test_cached_rows_hit_miss_and_parameters(table: str, memory: MemoryCache) -> None:
    base = Query(table, 1)
    assert await base.rows() == [(1, "a"), (2, "b")]  # cache() not called: no caching
    assert memory.size() == 0
    q1, q2 = base.cache(), Query(table, 2).cache(ttl=30)
    assert q1 is not base and q1._cache_options == cache.CacheOptions(None, None)
    q1.fetches = 0
    assert await q1.rows() == [(1, "a"), (2, "b")]
    assert await q1.rows() == [(1, "a"), (2, "b")]
    assert q1.fetches == 1  # the second one was a hit
    assert await q2.rows() == [(2, "b")]  # other parameters: another entry
    assert q2.fetches == 1 and memory.size() == 2


async def test_cached_rows_are_copies(table: str, memory: MemoryCache) -> None:
    q = Query(table, 1).cache()
    rows = await q.rows()
    rows.append("mutated")
    assert await q.rows() == [(1, "a"), (2, "b")]


async def test_raw_writes_clear_the_cache(table: str, memory: MemoryCache) -> None:
    q = Query(table, 1).cache(key="all posts")
    assert len(await q.rows()) == 2
    await raw_execute(f"INSERT INTO {quote(table)} (name) VALUES (?)", ["c"])
    assert len(await q.rows()) == 3
    assert q.fetches == 2


async def test_no_caching_inside_a_transaction(table: str, memory: MemoryCache) -> None:
    q = Query(table, 1).cache()
    async with ryx.transaction():
        assert len(await q.rows()) == 2
        assert memory.size() == 0
    assert len(await q.rows()) == 2
    assert memory.size() == 1


async def test_write_during_a_fetch_prevents_storing(table: str, memory: MemoryCache) -> None:
    q = Query(table, 1).cache()

    async def fetch() -> list[Any]:
        rows = [(1, "stale")]
        await ryx.invalidate_model("Post")  # a concurrent write landed while we were reading
        return rows

    assert await q._cached_rows("Post", "sql", [], None, fetch) == [(1, "stale")]
    assert memory.size() == 0


async def test_commit_invalidates_again(table: str, memory: MemoryCache) -> None:
    key = make_cache_key("Post", "q", [])
    async with ryx.transaction():
        await signals.post_save.send(Post, instance=Post(), created=True)
        await memory.set(key, [("cached by another task before the commit",)])
    assert await memory.get(key) is None


async def test_setup_and_close_clear_the_cache(db_url: str, memory: MemoryCache) -> None:
    await memory.set("x", 1)
    await ryx.setup(db_url)
    assert memory.size() == 0
    await memory.set("x", 1)
    await ryx.close()
    assert memory.size() == 0


def test_cache_options_are_checked() -> None:
    with pytest.raises(ValueError, match="ttl"):
        Query("t", 1).cache(ttl=-1)
    with pytest.raises(ValueError, match="key"):
        Query("t", 1).cache(key="")


# ---------------------------------------------------------------------------- through the QuerySet


class CachePost(ryx.Model):
    title = ryx.CharField(max_length=20)


async def test_queryset_cache_keys_include_filters_and_hits_are_instances(db: str, memory: MemoryCache) -> None:
    """Defect 10 through the public API."""
    from support import tables

    async with tables(CachePost):
        await CachePost.objects.create(title="one")
        await CachePost.objects.create(title="two")
        first = await CachePost.objects.filter(title="one").cache()
        second = await CachePost.objects.filter(title="two").cache()
        assert [p.title for p in first] == ["one"] and [p.title for p in second] == ["two"]
        again = await CachePost.objects.filter(title="one").cache()
        assert [type(p) for p in again] == [CachePost] and again[0].title == "one"  # a hit: instances
        assert memory.size() == 2
        await CachePost.objects.create(title="three")  # post_save invalidates the model
        assert memory.size() == 0
        assert len(await CachePost.objects.all().cache()) == 3


class CacheDoc(ryx.Model):
    title = ryx.CharField(max_length=20)
    data = ryx.JSONField(null=True)


async def test_queryset_cache_explicit_key_and_copies(db: str, memory: MemoryCache) -> None:
    from support import tables

    async with tables(CacheDoc):
        await CacheDoc.objects.create(title="a", data={"n": 1})
        first = await CacheDoc.objects.all().cache(key="front page")
        first[0].data["n"] = 99  # mutating a result does not change the cached rows
        again = await CacheDoc.objects.all().cache(key="front page")
        assert again[0].data == {"n": 1}
        await CacheDoc.objects.create(title="b")  # invalidates the explicit key too
        assert len(await CacheDoc.objects.all().cache(key="front page")) == 2

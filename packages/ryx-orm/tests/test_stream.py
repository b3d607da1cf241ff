"""``async for`` and stream(): rows from a server-side cursor, keyset paging, early exit (defect 32)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import ryx
from ryx import CharField, IntField, Model
from ryx.exceptions import FieldError, QueryError
from support import create_tables, drop_tables, unique_name


class Row(Model):
    n = IntField()
    tag = CharField(max_length=5)

    class Meta:
        table_name = unique_name("st_rows")
        ordering = ("n",)


@pytest.fixture
async def rows(db: str) -> AsyncIterator[None]:
    await create_tables(Row)
    await Row.objects.bulk_create([Row(n=i, tag="even" if i % 2 == 0 else "odd") for i in range(250)])
    yield
    await drop_tables(Row)


def in_use() -> int:
    return int(ryx.pool_stats()["in_use"])


async def settle(target: int = 0) -> int:
    """Wait until at most ``target`` connections are in use (the engine returns them asynchronously)."""
    for _ in range(100):
        if in_use() <= target:
            break
        await asyncio.sleep(0.01)
    return in_use()


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ryx.query.queryset.ITER_CHUNK_SIZE", 50)


async def test_async_for_streams_from_a_cursor(rows: None, small_chunks: None) -> None:
    """Defect 32: __aiter__ materialised every row; here the connection stays busy while rows are read."""
    idle = await settle()
    seen = []
    async for obj in Row.objects.all():
        if not seen:
            assert in_use() == idle + 1  # the cursor holds its connection: rows are not all in memory
        seen.append(obj.n)
    assert seen == list(range(250))
    assert await settle(idle) == idle


async def test_breaking_out_releases_the_connection(rows: None, small_chunks: None) -> None:
    idle = await settle()
    iterator = Row.objects.all().__aiter__()
    first = await iterator.__anext__()
    assert first.n == 0
    assert in_use() == idle + 1
    await iterator.aclose()  # type: ignore[attr-defined]
    assert await settle(idle) == idle
    async for obj in Row.objects.filter(n__gte=10):
        assert obj.n == 10
        break
    del obj
    assert await settle(idle) == idle


async def test_stream_chunks_and_shapes(rows: None) -> None:
    assert [o.n async for o in Row.objects.filter(tag="odd").stream(chunk_size=7)] == list(range(1, 250, 2))
    dicts = [d async for d in Row.objects.filter(n__lt=3).stream(as_dict=True)]
    assert [(d["n"], d["tag"]) for d in dicts] == [(0, "even"), (1, "odd"), (2, "even")]
    assert [t async for t in Row.objects.filter(n__lt=3).values_list("n", flat=True).stream(chunk_size=2)] == [0, 1, 2]
    assert [o async for o in Row.objects.none().stream()] == []
    assert [o.n async for o in Row.objects.all()[245:].stream()] == [245, 246, 247, 248, 249]


async def test_keyset_stream(rows: None) -> None:
    """keyset adds its own ORDER BY (the original paged on the key without ordering by it)."""
    ns = [o.n async for o in Row.objects.order_by("-n").stream(chunk_size=40, keyset="id")]
    assert ns == list(range(250))
    ns = [o.n async for o in Row.objects.filter(tag="even").stream(chunk_size=9, keyset="-n")]
    assert ns == list(range(248, -1, -2))
    dicts = [d async for d in Row.objects.filter(n__gte=247).stream(keyset="n", as_dict=True, chunk_size=2)]
    assert [d["n"] for d in dicts] == [247, 248, 249]
    assert [v async for v in Row.objects.values("n").filter(n__lt=2).stream(keyset="n")] == [{"n": 0}, {"n": 1}]


async def test_stream_bad_input(rows: None) -> None:
    with pytest.raises(TypeError, match="positive int"):
        Row.objects.stream(chunk_size=0)
    with pytest.raises(FieldError, match="nope"):
        [o async for o in Row.objects.all().stream(keyset="nope")]
    with pytest.raises(QueryError, match="sliced"):
        [o async for o in Row.objects.all()[:5].stream(keyset="id")]
    with pytest.raises(QueryError, match="among the values"):
        [o async for o in Row.objects.values("tag").stream(keyset="n")]
    with pytest.raises(TypeError, match="values_list"):
        Row.objects.values_list("n").stream(as_dict=True)


async def test_streaming_inside_a_transaction_sees_its_writes(rows: None) -> None:
    async with ryx.transaction():
        await Row.objects.filter(n__lt=5).update(tag="new")
        tags = [o.tag async for o in Row.objects.filter(n__lt=6)]
        assert tags == ["new"] * 5 + ["odd"]

"""select_for_update(): needs a transaction, locks rows (nowait, skip_locked, of), a documented no-op on SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import ryx
from ryx import CharField, IntField, Model
from ryx.exceptions import DatabaseError, FieldError, NotSupportedError, QueryError
from support import create_tables, drop_tables, unique_name


class Job(Model):
    name = CharField(max_length=10)
    state = IntField(default=0)

    class Meta:
        table_name = unique_name("su_jobs")
        ordering = ("id",)


@pytest.fixture
async def jobs(db: str) -> AsyncIterator[None]:
    await create_tables(Job)
    await Job.objects.bulk_create([Job(name=f"j{i}") for i in range(4)])
    yield
    await drop_tables(Job)


async def test_outside_a_transaction_it_refuses(jobs: None) -> None:
    locked = Job.objects.select_for_update()
    with pytest.raises(NotSupportedError, match="needs one"):
        await locked
    with pytest.raises(NotSupportedError, match="transaction"):
        await locked.get(name="j1")
    with pytest.raises(NotSupportedError, match="transaction"):
        await locked.first()
    with pytest.raises(NotSupportedError, match="transaction"):
        [job async for job in locked]
    assert await locked.count() == 4  # counting locks nothing


async def test_inside_a_transaction_it_returns_rows(jobs: None) -> None:
    async with ryx.transaction():
        job = await Job.objects.select_for_update().get(name="j2")
        job.state = 1
        await job.save()
        rows = await Job.objects.select_for_update(of=["self"]).filter(state=0)
        assert [j.name for j in rows] == ["j0", "j1", "j3"]
    assert (await Job.objects.get(name="j2")).state == 1


def test_sql_and_bad_options(backend: str) -> None:
    qs = Job.objects.select_for_update(nowait=True)
    assert "FOR UPDATE NOWAIT" in qs.sql("postgres")[0]
    assert "FOR UPDATE SKIP LOCKED" in Job.objects.select_for_update(skip_locked=True).sql("mysql")[0]
    assert "FOR UPDATE" not in qs.sql("sqlite")[0]  # SQLite locks the whole database on write instead
    with pytest.raises(QueryError, match="not both"):
        Job.objects.select_for_update(nowait=True, skip_locked=True)
    with pytest.raises(FieldError, match="'other'"):
        Job.objects.select_for_update(of=["other"])
    with pytest.raises(TypeError, match="list of names"):
        Job.objects.select_for_update(of="self")


async def _hold_lock(pk: int, locked: asyncio.Event, release: asyncio.Event) -> None:
    async with ryx.transaction():
        await Job.objects.select_for_update().get(pk=pk)  # by pk: InnoDB locks every row a scan touches
        locked.set()
        await release.wait()


@pytest.mark.backend("postgres", "mysql", reason="SQLite has no row locks")
async def test_skip_locked_and_nowait(jobs: None) -> None:
    locked, release = asyncio.Event(), asyncio.Event()
    first = await Job.objects.get(name="j0")
    holder = asyncio.create_task(_hold_lock(first.pk, locked, release))
    await asyncio.wait_for(locked.wait(), 10)
    try:
        async with ryx.transaction():
            free = await Job.objects.select_for_update(skip_locked=True)
            assert [j.name for j in free] == ["j1", "j2", "j3"]
        with pytest.raises(DatabaseError):
            async with ryx.transaction():
                await Job.objects.select_for_update(nowait=True).get(pk=first.pk)
    finally:
        release.set()
        await holder
    async with ryx.transaction():
        assert (await Job.objects.select_for_update(nowait=True).get(name="j0")).name == "j0"

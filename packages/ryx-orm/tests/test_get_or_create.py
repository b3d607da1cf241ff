"""get_or_create / update_or_create / create: defaults, and no race between concurrent creators."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import ryx
from ryx import CharField, IntField, Model
from ryx.exceptions import IntegrityError
from support import create_tables, drop_tables, quote, unique_name


class Account(Model):
    code = CharField(max_length=20, unique=True)
    balance = IntField(default=0)
    email = CharField(max_length=40, null=True, unique=True)

    class Meta:
        table_name = unique_name("gc_accounts")


@pytest.fixture
async def table(db: str) -> AsyncIterator[None]:
    await create_tables(Account)
    yield
    await drop_tables(Account)


async def test_get_or_create_creates_then_gets(table: None) -> None:
    obj, created = await Account.objects.get_or_create(code="a", defaults={"balance": 5})
    assert created and obj.pk is not None and obj.balance == 5
    again, created = await Account.objects.get_or_create(code="a", defaults={"balance": 99})
    assert not created and again.pk == obj.pk and again.balance == 5
    assert await Account.objects.count() == 1


async def test_get_or_create_lookups_and_callable_defaults(table: None) -> None:
    await Account.objects.create(code="Upper")
    obj, created = await Account.objects.get_or_create(code__iexact="upper")
    assert not created and obj.code == "Upper"
    obj, created = await Account.objects.get_or_create(code="new", defaults={"balance": lambda: 7})
    assert created and obj.balance == 7


async def test_concurrent_get_or_create_makes_one_row(table: None) -> None:
    """Without the savepoint and the retry, all but one task would die with IntegrityError."""
    results = await asyncio.gather(
        *(Account.objects.get_or_create(code="race", defaults={"balance": i}) for i in range(8))
    )
    assert sum(created for _, created in results) == 1
    assert len({obj.pk for obj, _ in results}) == 1
    assert await Account.objects.count() == 1


@pytest.mark.backend(
    "postgres", reason="another connection inserts during the test's transaction (MVCC, READ COMMITTED)"
)
async def test_lost_race_inside_a_transaction_keeps_it_usable(table: None) -> None:
    """The losing INSERT is rolled back to its savepoint, so the outer transaction goes on."""

    async def insert_elsewhere(sender: Any, instance: Account, **kwargs: Any) -> None:
        if instance.code == "contested" and not getattr(insert_elsewhere, "done", False):
            insert_elsewhere.done = True  # type: ignore[attr-defined]
            sql = f"INSERT INTO {quote(Account._meta.table_name)} (code, balance) VALUES (?, ?)"

            async def elsewhere() -> None:  # a child task does not share the transaction: it uses the pool
                await ryx.ryx_core.execute(sql, ["contested", 1])

            await asyncio.create_task(elsewhere())

    ryx.pre_save.connect(insert_elsewhere, sender=Account, weak=False)
    try:
        async with ryx.transaction():
            await Account.objects.create(code="mine")
            obj, created = await Account.objects.get_or_create(code="contested", defaults={"balance": 2})
            assert not created and obj.balance == 1
            assert await Account.objects.count() == 2  # the outer transaction still works
    finally:
        ryx.pre_save.disconnect(insert_elsewhere, sender=Account)
    assert sorted(await Account.objects.values_list("code", flat=True)) == ["contested", "mine"]


async def test_unrelated_integrity_error_propagates_and_changes_nothing(table: None) -> None:
    await Account.objects.create(code="x", email="taken@example.com")
    with pytest.raises(IntegrityError):
        await Account.objects.get_or_create(code="y", defaults={"email": "taken@example.com"})
    assert await Account.objects.count() == 1


async def test_update_or_create(table: None) -> None:
    obj, created = await Account.objects.update_or_create(code="u", defaults={"balance": 1})
    assert created and obj.balance == 1
    obj2, created = await Account.objects.update_or_create(code="u", defaults={"balance": 2})
    assert not created and obj2.pk == obj.pk and obj2.balance == 2
    assert (await Account.objects.get(code="u")).balance == 2
    obj3, created = await Account.objects.all().update_or_create(
        code="v", defaults={"balance": 10}, create_defaults={"balance": 100}
    )
    assert created and obj3.balance == 100


async def test_concurrent_update_or_create(table: None) -> None:
    results = await asyncio.gather(
        *(Account.objects.update_or_create(code="uc", defaults={"balance": i}) for i in range(5))
    )
    assert sum(created for _, created in results) == 1
    assert await Account.objects.count() == 1


async def test_bad_defaults(table: None) -> None:
    with pytest.raises(TypeError, match="dict"):
        await Account.objects.get_or_create(code="a", defaults=[("balance", 1)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="dict"):
        await Account.objects.all().update_or_create(code="a", create_defaults=3)  # type: ignore[arg-type]
    assert await Account.objects.count() == 0


async def test_create(table: None) -> None:
    obj = await Account.objects.all().create(code="c", balance=3)
    assert obj.pk is not None and not obj._state.adding
    assert (await Account.objects.get(pk=obj.pk)).code == "c"
    with pytest.raises(TypeError, match="unexpected keyword"):
        await Account.objects.create(code="d", nope=1)
    assert await Account.objects.count() == 1

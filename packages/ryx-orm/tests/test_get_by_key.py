"""`get()` by exact values on plain columns runs a statement kept per model: the same results as the general path."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import ryx
from ryx import BooleanField, CharField, IntField, Manager, Model, UUIDField
from ryx.exceptions import DoesNotExist, MultipleObjectsReturned
from support import create_tables, drop_tables, unique_name


class Member(Model):
    email = CharField(max_length=60, unique=True)
    team = CharField(max_length=20)
    level = IntField()
    active = BooleanField(default=True)

    class Meta:
        table_name = unique_name("gk_members")


class ActiveOnly(Manager["Badge"]):
    def get_queryset(self) -> Any:
        return super().get_queryset().filter(active=True)


class Badge(Model):
    code = CharField(max_length=20)
    active = BooleanField(default=True)

    objects = ActiveOnly()
    every = Manager["Badge"]()

    class Meta:
        table_name = unique_name("gk_badges")


class Token(Model):
    key = UUIDField(primary_key=True)
    label = CharField(max_length=20)

    class Meta:
        table_name = unique_name("gk_tokens")


ROWS = [("a@x.org", "red", 1), ("b@x.org", "red", 2), ("c@x.org", "blue", 2)]


@pytest.fixture
async def members(db: str) -> AsyncIterator[list[Member]]:
    await create_tables(Member, Badge, Token)
    made = await Member.objects.bulk_create([Member(email=e, team=t, level=lv) for e, t, lv in ROWS])
    yield made
    await drop_tables(Member, Badge, Token)


async def test_get_by_primary_key_under_every_name(members: list[Member]) -> None:
    first = members[0]
    for kwargs in ({"pk": first.pk}, {"id": first.pk}, {"pk__exact": first.pk}, {"id__exact": first.pk}):
        got = await Member.objects.get(**kwargs)
        assert type(got) is Member and got == first
        assert (got.email, got.team, got.level, got.active) == ("a@x.org", "red", 1, True)
        assert got._state.adding is False and got._state.db == "default"
    # a value of another type goes the general way and gives the same answer
    assert await Member.objects.get(pk=str(first.pk)) == first


async def test_get_by_unique_and_by_several_columns(members: list[Member]) -> None:
    assert (await Member.objects.get(email="b@x.org")).pk == members[1].pk
    # values go through the field's to_db as filter() sends them (CharField strips)
    assert [m.pk for m in await Member.objects.filter(email=" b@x.org ")] == [members[1].pk]
    assert (await Member.objects.get(email=" b@x.org ")).pk == members[1].pk
    assert (await Member.objects.get(team="blue", level=2)).email == "c@x.org"
    assert (await Member.objects.get(level=2, team="blue")).email == "c@x.org"


async def test_missing_and_multiple_rows_raise_the_models_errors(members: list[Member]) -> None:
    with pytest.raises(Member.DoesNotExist, match="Member matching query does not exist"):
        await Member.objects.get(pk=members[-1].pk + 100)
    with pytest.raises(DoesNotExist):
        await Member.objects.get(email="nobody@x.org")
    with pytest.raises(Member.MultipleObjectsReturned, match="more than one Member"):
        await Member.objects.get(team="red")
    with pytest.raises(MultipleObjectsReturned):
        await Member.objects.get(level=2)


async def test_a_managers_own_filter_is_kept(members: list[Member]) -> None:
    on, off = await Badge.every.bulk_create([Badge(code="on"), Badge(code="off", active=False)])
    assert (await Badge.objects.get(pk=on.pk)).code == "on"
    with pytest.raises(Badge.DoesNotExist):
        await Badge.objects.get(pk=off.pk)  # the manager filters inactive badges out
    assert (await Badge.every.get(pk=off.pk)).code == "off"


async def test_filtered_and_sliced_querysets_keep_their_conditions(members: list[Member]) -> None:
    with pytest.raises(Member.DoesNotExist):
        await Member.objects.filter(team="blue").get(email="a@x.org")
    assert (await Member.objects.filter(team="red").get(level=2)).email == "b@x.org"
    with pytest.raises(Member.DoesNotExist):
        await Member.objects.exclude(level=1).get(pk=members[0].pk)


async def test_uuid_primary_key(members: list[Member]) -> None:
    key = uuid.uuid4()
    await Token.objects.create(key=key, label="k")
    assert (await Token.objects.get(pk=key)).label == "k"
    assert (await Token.objects.get(key=str(key))).label == "k"
    with pytest.raises(Token.DoesNotExist):
        await Token.objects.get(pk=uuid.uuid4())


class Rollback(Exception):
    pass


async def test_get_runs_in_the_tasks_transaction(members: list[Member]) -> None:
    with pytest.raises(Rollback):
        async with ryx.transaction():
            made = await Member.objects.create(email="t@x.org", team="tx", level=9)
            assert (await Member.objects.get(pk=made.pk)).email == "t@x.org"
            assert (await Member.objects.get(email="t@x.org")).pk == made.pk
            raise Rollback
    with pytest.raises(Member.DoesNotExist):
        await Member.objects.get(email="t@x.org")


async def test_each_get_is_one_counted_statement_with_its_values(members: list[Member]) -> None:
    first, second = members[0], members[1]
    with ryx.count_queries() as log:
        await Member.objects.get(pk=first.pk)
        await Member.objects.get(pk=second.pk)
        await Member.objects.get(email="c@x.org")
    assert len(log) == 3
    assert [s.params for s in log.queries] == [(first.pk, 2), (second.pk, 2), ("c@x.org", 2)]
    assert all(s.kind == "select" and "LIMIT" in s.sql.upper() for s in log.queries)
    with ryx.assert_num_queries(1):
        await Member.objects.get(pk=first.pk)
    from ryx.query.lookups import model_info

    kept = {names for _dialect, names in model_info(Member).key_gets}
    assert {("pk",), ("email",)} <= kept  # the kept statements served these gets


async def test_the_kept_statement_follows_the_alias_backend(members: list[Member], db_url: str) -> None:
    # Two aliases of different backends (the one under test and an SQLite file): each gets its dialect's SQL.
    import tempfile
    from pathlib import Path

    other = Path(tempfile.mkdtemp()) / "other.db"
    await ryx.setup({"default": db_url, "other": f"sqlite://{other}?mode=rwc"})
    await create_tables(Member, alias="other")
    await Member.objects.using("other").bulk_create([Member(email="o@x.org", team="o", level=5)])
    for _ in range(2):
        assert (await Member.objects.get(email="a@x.org")).level == 1
        got = await Member.objects.using("other").get(email="o@x.org")
        assert got.level == 5 and got._state.db == "other"
        with pytest.raises(Member.DoesNotExist):
            await Member.objects.using("other").get(email="a@x.org")


async def test_bad_keywords_still_raise_field_errors(members: list[Member]) -> None:
    from ryx.exceptions import FieldError

    with pytest.raises(FieldError, match="Choices are"):
        await Member.objects.get(nickname="x")
    with pytest.raises(FieldError):
        await Member.objects.get(email__nope="x")

"""values() gives dicts and values_list() tuples, flat values or named tuples (defect 16)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from ryx import CharField, DateTimeField, F, ForeignKey, IntField, JSONField, Model
from ryx.exceptions import FieldError
from support import create_tables, drop_tables, unique_name

UTC = dt.UTC


class Team(Model):
    name = CharField(max_length=20)

    class Meta:
        table_name = unique_name("vl_teams")


class Player(Model):
    name = CharField(max_length=20)
    score = IntField(default=0)
    joined = DateTimeField(null=True)
    info = JSONField(null=True)
    team = ForeignKey(Team, null=True, on_delete="SET_NULL")

    class Meta:
        table_name = unique_name("vl_players")
        ordering = ("name",)


@pytest.fixture
async def team(db: str) -> AsyncIterator[Team]:
    await create_tables(Team, Player)
    red = await Team.objects.create(name="red")
    await Player.objects.bulk_create(
        [
            Player(name="ann", score=3, joined=dt.datetime(2024, 2, 1, 8, tzinfo=UTC), info={"k": [1]}, team=red),
            Player(name="bob", score=5, joined=dt.datetime(2023, 7, 9, 8, tzinfo=UTC), team=red),
            Player(name="cid", score=5),
        ]
    )
    yield red
    await drop_tables(Player, Team)


async def test_values_returns_dicts_of_the_named_fields(team: Team) -> None:
    rows = await Player.objects.values("name", "score")
    assert rows == [{"name": "ann", "score": 3}, {"name": "bob", "score": 5}, {"name": "cid", "score": 5}]
    assert all(type(row) is dict for row in rows)


async def test_values_without_names_gives_every_field_by_attname(team: Team) -> None:
    row = await Player.objects.values().first()
    assert row is not None
    assert list(row) == ["id", "name", "score", "joined", "info", "team_id"]
    assert row["joined"] == dt.datetime(2024, 2, 1, 8, tzinfo=UTC)
    assert row["info"] == {"k": [1]}
    assert row["team_id"] == team.pk


async def test_values_keys_are_the_names_given(team: Team) -> None:
    rows = await Player.objects.filter(name="ann").values("pk", "team", "team_id", "joined__year")
    assert rows == [{"pk": rows[0]["pk"], "team": team.pk, "team_id": team.pk, "joined__year": 2024}]


async def test_values_with_expressions(team: Team) -> None:
    rows = await Player.objects.values("name", double=F("score") * 2)
    assert [r["double"] for r in rows] == [6, 10, 10]
    rows = await Player.objects.annotate(bonus=F("score") + 1).values("name", "bonus")
    assert rows[0] == {"name": "ann", "bonus": 4}
    everything = await Player.objects.annotate(bonus=F("score") + 1).values()
    assert "bonus" in everything[0] and "score" in everything[0]


async def test_values_list_forms(team: Team) -> None:
    assert await Player.objects.values_list("name", "score") == [("ann", 3), ("bob", 5), ("cid", 5)]
    assert await Player.objects.values_list("name", flat=True) == ["ann", "bob", "cid"]
    named = await Player.objects.values_list("name", "score", named=True)
    assert named[1].name == "bob" and named[1].score == 5
    assert named[1] == ("bob", 5)
    full = await Player.objects.values_list()
    assert len(full[0]) == 6


async def test_values_terminal_methods(team: Team) -> None:
    assert await Player.objects.values("name").get(name="bob") == {"name": "bob"}
    assert await Player.objects.values_list("score", flat=True).first() == 3
    assert await Player.objects.values_list("score", flat=True).last() == 5
    assert await Player.objects.values_list("name", flat=True)[1] == "bob"
    assert await Player.objects.values("score").distinct().count() == 2
    assert sorted(await Player.objects.values_list("score", flat=True).distinct()) == [3, 5]
    seen = [row async for row in Player.objects.values("name")]
    assert seen == [{"name": "ann"}, {"name": "bob"}, {"name": "cid"}]


async def test_values_errors(team: Team) -> None:
    with pytest.raises(TypeError, match="exactly one field"):
        Player.objects.values_list("name", "score", flat=True)
    with pytest.raises(TypeError, match="not both"):
        Player.objects.values_list("name", flat=True, named=True)
    with pytest.raises(FieldError, match="nope"):
        Player.objects.values("nope")
    with pytest.raises(FieldError, match="neither a field of Team"):
        Player.objects.values("team__nope")
    with pytest.raises(TypeError, match="in_bulk"):
        await Player.objects.values().in_bulk([1])

"""Tortoise ORM, idiomatic: ``Model.filter(...)``, ``Model.get(...)``, ``Model.bulk_create(...)``, awaited."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise, fields
from tortoise.functions import Avg, Count, Max
from tortoise.models import Model

from ormbench.common import SCORE_MIN, TOP_N, table_names
from ormbench.sides import Side

PREFIX = "bench_tortoise"
READ, INS = table_names(PREFIX)


class Base(Model):
    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=255)
    score = fields.FloatField()
    active = fields.BooleanField()
    created = fields.DatetimeField()
    amount = fields.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        abstract = True


class TortoiseRow(Base):
    class Meta:
        table = READ


class TortoiseIns(Base):
    class Meta:
        table = INS


def db_url(backend: str, url: str) -> str:
    """Return Tortoise's URL for one of the benchmark's URLs (``sqlite://path``, ``postgres://``, ``mysql://``)."""
    if backend == "sqlite":
        return "sqlite://" + url.split("://", 1)[1]
    return url


class TortoiseSide(Side):
    name = "tortoise"
    prefix = PREFIX

    @classmethod
    async def open(cls, backend: str, url: str) -> TortoiseSide:
        # use_tz=False: the columns are TIMESTAMP without time zone, as for every contender.
        await Tortoise.init(db_url=db_url(backend, url), modules={"models": [__name__]}, use_tz=False)
        return cls()

    async def fetch(self) -> Any:
        return await TortoiseRow.all()

    async def filter_top(self) -> Any:
        return await TortoiseRow.filter(active=True, score__gt=SCORE_MIN).order_by("-score").limit(TOP_N)

    async def aggregate(self) -> Any:
        return (
            await TortoiseRow.annotate(n=Count("id"), avg=Avg("score"), mx=Max("score"))
            .first()
            .values("n", "avg", "mx")
        )

    async def get(self, pk: int) -> Any:
        return await TortoiseRow.get(id=pk)

    async def bulk_create(self, rows: list[tuple[Any, ...]]) -> Any:
        return await TortoiseIns.bulk_create(
            [TortoiseIns(name=n, score=s, active=a, created=c, amount=m) for n, s, a, c, m in rows]
        )

    def agg_values(self, result: Any) -> tuple[int, float, float]:
        return int(result["n"]), float(result["avg"]), float(result["mx"])

    async def close(self) -> None:
        await Tortoise.close_connections()

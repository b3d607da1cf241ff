"""Ryx, written as its documentation shows: ``Model.objects`` querysets, awaited."""

from __future__ import annotations

from typing import Any

import ryx
from ryx import Avg, Count, Max

from ormbench.common import SCORE_MIN, TOP_N, table_names
from ormbench.sides import Side

PREFIX = "bench_ryx"
READ, INS = table_names(PREFIX)


class Base(ryx.Model):
    name = ryx.CharField(max_length=255)
    score = ryx.FloatField()
    active = ryx.BooleanField()
    created = ryx.DateTimeField()
    amount = ryx.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        abstract = True


class RyxRow(Base):
    class Meta:
        table_name = READ


class RyxIns(Base):
    class Meta:
        table_name = INS


class RyxSide(Side):
    name = "ryx"
    prefix = PREFIX

    @classmethod
    async def open(cls, url: str) -> RyxSide:
        await ryx.setup(url, max_connections=4)
        return cls()

    async def fetch(self) -> Any:
        return await RyxRow.objects.all()

    async def filter_top(self) -> Any:
        return await RyxRow.objects.filter(active=True, score__gt=SCORE_MIN).order_by("-score").limit(TOP_N)

    async def aggregate(self) -> Any:
        return await RyxRow.objects.aggregate(n=Count("id"), avg=Avg("score"), mx=Max("score"))

    async def get(self, pk: int) -> Any:
        return await RyxRow.objects.get(pk=pk)

    async def bulk_create(self, rows: list[tuple[Any, ...]]) -> Any:
        return await RyxIns.objects.bulk_create(
            [RyxIns(name=n, score=s, active=a, created=c, amount=m) for n, s, a, c, m in rows]
        )

    def agg_values(self, result: Any) -> tuple[int, float, float]:
        return int(result["n"]), float(result["avg"]), float(result["mx"])

    async def close(self) -> None:
        await ryx.close()

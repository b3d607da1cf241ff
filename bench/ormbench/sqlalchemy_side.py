"""SQLAlchemy 2 async ORM, idiomatic: a declarative model, one ``AsyncSession`` per unit of work."""

from __future__ import annotations

import warnings
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ormbench.common import SCORE_MIN, TOP_N, table_names
from ormbench.sides import Side, mysql_params

PREFIX = "bench_sa"
READ, INS = table_names(PREFIX)

# SQLite has no native decimal: SQLAlchemy converts REAL to Decimal itself and warns once that it does.
warnings.filterwarnings("ignore", message=".*does \\*not\\* support Decimal objects natively.*")


class Base(DeclarativeBase):
    pass


class Columns:
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    score: Mapped[float]
    active: Mapped[bool]
    created: Mapped[datetime]
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class SaRow(Columns, Base):
    __tablename__ = READ


class SaIns(Columns, Base):
    __tablename__ = INS


def engine_url(backend: str, url: str) -> str:
    """Return SQLAlchemy's URL (``+aiosqlite`` / ``+asyncpg`` / ``+asyncmy``) for one of the benchmark's URLs."""
    if backend == "sqlite":
        return "sqlite+aiosqlite:///" + url.split("://", 1)[1]
    if backend == "postgres":
        return "postgresql+asyncpg://" + url.split("://", 1)[1]
    p = mysql_params(url)
    return f"mysql+asyncmy://{p['user']}:{p['password']}@{p['host']}:{p['port']}/{p['database']}?charset=utf8mb4"


class SqlAlchemySide(Side):
    name = "sqlalchemy"
    prefix = PREFIX

    @classmethod
    async def open(cls, backend: str, url: str) -> SqlAlchemySide:
        self = cls()
        self.engine = create_async_engine(engine_url(backend, url), pool_size=4)
        self.session: async_sessionmaker[AsyncSession] = async_sessionmaker(self.engine, expire_on_commit=False)
        return self

    async def fetch(self) -> Any:
        async with self.session() as s:
            return (await s.scalars(select(SaRow))).all()

    async def filter_top(self) -> Any:
        query = (
            select(SaRow)
            .where(SaRow.active.is_(True), SaRow.score > SCORE_MIN)
            .order_by(SaRow.score.desc())
            .limit(TOP_N)
        )
        async with self.session() as s:
            return (await s.scalars(query)).all()

    async def aggregate(self) -> Any:
        async with self.session() as s:
            return (await s.execute(select(func.count(SaRow.id), func.avg(SaRow.score), func.max(SaRow.score)))).one()

    async def get(self, pk: int) -> Any:
        async with self.session() as s:
            return await s.get(SaRow, pk)

    async def bulk_create(self, rows: list[tuple[Any, ...]]) -> Any:
        objs = [SaIns(name=n, score=s, active=a, created=c, amount=m) for n, s, a, c, m in rows]
        async with self.session() as s, s.begin():
            s.add_all(objs)  # the unit of work batches the INSERTs and fetches the keys (insertmanyvalues)
        return objs

    async def close(self) -> None:
        await self.engine.dispose()

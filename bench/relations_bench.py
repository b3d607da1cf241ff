"""Benchmark of Ryx relation loading against the raw drivers, Django and Tortoise doing the same work, in the same run.

    python bench/relations_bench.py --db sqlite,postgres --runs 7 --json relations.json
    python bench/relations_bench.py --db sqlite --contenders ryx --runs 15       # Ryx against the raw driver only

Operations (data: 100 authors with 10 posts each):
  select_related   100 posts with their authors: Post.objects.select_related("author").order_by("id")[:100]
                   raw: the same LEFT JOIN, rows as tuples                                    target <= 2x raw
  prefetch         100 authors with their posts: Author.objects.prefetch_related("posts").order_by("id")
                   raw: the same two queries, posts grouped by author in a dict of lists      target <= 2x raw

Contenders: the raw drivers (stdlib sqlite3 on SQLite, asyncpg on PostgreSQL; the baselines), Ryx, and, when
installed, Tortoise ORM and Django (async API, plus its blocking API as "django sync"), each written as its
documentation shows. All read the same tables (prefix ryx_bench_rel_), created and filled by Ryx. Contenders
run interleaved (medians of --runs batches of --loops calls); every contender's result is checked once,
untimed, against the raw driver's before timing (and Ryx's query count: 1 and 2). Nothing here is a test:
a missed target is reported, and fails the run only with --fail-on-miss.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import itertools
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ryx
from core_bench import DEFAULT_URLS, machine
from orm_bench import available, versions
from ormbench.common import Contender, Result, Timer, call, conclude
from ormbench.relations_common import A_TABLE, AUTHORS, BASELINE, OPS, P_TABLE, POSTS_PER_AUTHOR, TARGET, render
from ryx import CharField, ForeignKey, IntField, Model

ORMS = ("ryx", "tortoise", "django")


class Author(Model):
    name = CharField(max_length=100)

    class Meta:
        table_name = A_TABLE


class Post(Model):
    title = CharField(max_length=200)
    views = IntField(default=0)
    author = ForeignKey(Author, on_delete="CASCADE", related_name="posts")

    class Meta:
        table_name = P_TABLE


SELECT_SQL = (
    f"SELECT p.id, p.title, p.views, p.author_id, a.id, a.name FROM {P_TABLE} p "
    f"LEFT JOIN {A_TABLE} a ON p.author_id = a.id ORDER BY p.id LIMIT 100"
)
AUTHORS_SQL = f"SELECT id, name FROM {A_TABLE} ORDER BY id"
POSTS_SQL = f"SELECT id, title, views, author_id FROM {P_TABLE} WHERE author_id IN ({{marks}})"


# ------------------------------------------------------------------------------------------------ contenders


class RyxRelations:
    name = "ryx"

    async def select_related(self) -> Any:
        return await Post.objects.select_related("author").order_by("id")[:100]

    async def prefetch(self) -> Any:
        return await Author.objects.prefetch_related("posts").order_by("id")

    def pairs(self, posts: Any) -> list[tuple[int, str]]:
        return [(p.pk, p.author.name) for p in posts]

    async def groups(self, authors: Any) -> dict[int, list[int]]:
        return {a.pk: sorted(p.pk for p in await a.posts.all()) for a in authors}

    async def close(self) -> None:
        return None


def group(posts: list[Any], authors: list[Any]) -> dict[Any, list[Any]]:
    """Group post rows by their author key, as an application would without an ORM."""
    out: dict[Any, list[Any]] = defaultdict(list)
    for row in posts:
        out[row[3]].append(row)
    return {a[0]: out.get(a[0], []) for a in authors}


class RawRelations:
    """What every raw driver returns: rows as tuples or records, read by position."""

    def pairs(self, rows: Any) -> list[tuple[int, str]]:
        return [(r[0], r[5]) for r in rows]

    def groups(self, grouped: Any) -> dict[int, list[int]]:
        return {k: sorted(r[0] for r in v) for k, v in grouped.items()}


class RawSqlite(RawRelations):
    name = "sqlite3"

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path)

    # plain functions, timed as such: stdlib sqlite3 blocks (as Django's blocking API does)
    def select_related(self) -> Any:
        return self.conn.execute(SELECT_SQL).fetchall()

    def prefetch(self) -> Any:
        authors = self.conn.execute(AUTHORS_SQL).fetchall()
        keys = [a[0] for a in authors]
        posts = self.conn.execute(POSTS_SQL.format(marks=", ".join("?" * len(keys))), keys).fetchall()
        return group(posts, authors)

    async def close(self) -> None:
        self.conn.close()


class RawAsyncpg(RawRelations):
    name = "asyncpg"

    async def open(self, url: str) -> RawAsyncpg:
        import asyncpg

        self.conn = await asyncpg.connect(url)
        return self

    async def select_related(self) -> Any:
        return await self.conn.fetch(SELECT_SQL)

    async def prefetch(self) -> Any:
        authors = await self.conn.fetch(AUTHORS_SQL)
        keys = [a[0] for a in authors]
        posts = await self.conn.fetch(
            f"SELECT id, title, views, author_id FROM {P_TABLE} WHERE author_id = ANY($1)", keys
        )
        return group(posts, authors)

    async def close(self) -> None:
        await self.conn.close()


# ------------------------------------------------------------------------------------------------ running


async def load(backend: str) -> None:
    """Create and fill the tables (100 authors, 10 posts each) with Ryx itself."""
    from ryx._core import core

    quote = "`" if backend == "mysql" else '"'
    for table in (P_TABLE, A_TABLE):
        await core.execute(f"DROP TABLE IF EXISTS {quote}{table}{quote}")
    dialect = {"postgres": "postgres", "sqlite": "sqlite", "mysql": "mysql"}[backend]
    for model in (Author, Post):
        cols = [
            {
                "name": f.column,
                "type": f.db_type(),
                "null": f.null,
                "primary_key": f.primary_key,
                "auto_increment": f.auto_increment,
            }
            for f in model._meta.concrete_fields
        ]
        for sql in core.ddl_create_table(model._meta.table_name, cols, dialect=dialect):
            await core.execute(sql)
    authors = await Author.objects.bulk_create([Author(name=f"author {i}") for i in range(AUTHORS)])
    posts = [Post(title=f"post {a.pk}.{j}", views=j, author=a) for a in authors for j in range(POSTS_PER_AUTHOR)]
    await Post.objects.bulk_create(posts)


class CheckFailed(RuntimeError):
    """A contender returned a wrong result: its times would mean nothing."""


async def check(side: Any, raw: Any, backend: str) -> None:
    """Run both operations of ``side`` once and compare their results with the raw driver's."""
    want_pairs = raw.pairs(await call(raw.select_related))
    want_groups = raw.groups(await call(raw.prefetch))
    if len(want_pairs) != 100 or len(want_groups) != AUTHORS:
        raise RuntimeError(f"the raw driver on {backend} reads {len(want_pairs)} posts, {len(want_groups)} authors")
    got_pairs = side.pairs(await call(side.select_related))
    if got_pairs != want_pairs:
        raise CheckFailed(f"select_related: {got_pairs[:3]}... != raw {want_pairs[:3]}...")
    authors = await call(side.prefetch)
    got_groups = await call(lambda: side.groups(authors))
    if got_groups != want_groups:
        raise CheckFailed("prefetch: the posts grouped by author differ from the raw driver's")
    if side.name == "ryx":  # one query for the JOIN, one per prefetch level
        async with ryx.assert_num_queries(1):
            await side.select_related()
        async with ryx.assert_num_queries(2):
            await side.prefetch()


async def open_contenders(backend: str, url: str, wanted: list[str]) -> list[Any]:
    """Open the raw driver of ``backend``, then the ORM contenders wanted, Ryx first."""
    sides: list[Any] = []
    if backend == "sqlite":
        sides.append(RawSqlite(url.removeprefix("sqlite://")))
    else:
        sides.append(await RawAsyncpg().open(url))
    if "ryx" in wanted:
        sides.append(RyxRelations())
    if "tortoise" in wanted:
        from ormbench.relations_tortoise import TortoiseRelations

        sides.append(await TortoiseRelations.open(backend, url))
    if "django" in wanted:
        from ormbench import django_side
        from ormbench.relations_django import DjangoRelations, DjangoSyncRelations

        django_side.configure({backend: url})
        sides += [DjangoRelations(backend), DjangoSyncRelations(backend)]
    return sides


def batch_start(loops: int) -> Callable[[], None]:
    """Return a ``before`` hook that collects garbage, untimed, before each batch of ``loops`` calls.

    Loading relations leaves reference cycles (a post links to its author, whose cache lists the post), freed
    only by the cycle collector; without this, a contender would pay for collecting the previous one's.
    """
    calls = itertools.count()

    def before() -> None:
        if next(calls) % loops == 0:
            gc.collect()

    return before


async def run_backend(backend: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Child process: fill the tables, check every contender, time both operations; return the results."""
    await ryx.setup(url)
    sides: list[Any] = []
    excluded: list[str] = []
    try:
        await load(backend)
        sides = await open_contenders(backend, url, args.contenders)
        raw = sides[0]
        for side in sides[1:]:
            try:
                await check(side, raw, backend)
            except Exception as exc:  # a wrong result or a crash: report it, and time nobody's wrong answers
                excluded.append(f"{side.name} on {backend}: {type(exc).__name__}: {exc}")
                print(f"excluded {excluded[-1]}", file=sys.stderr)
                sides.remove(side)
        timer = Timer(runs=args.runs, warmup=args.warmup)
        results = []
        for op in OPS:
            contenders = [Contender(s.name, getattr(s, op), before=batch_start(args.loops)) for s in sides]
            stats = await timer.compare(contenders, args.loops)
            base_us = stats[raw.name][0]
            for side in sides:
                med, lo, hi = stats[side.name]
                target = TARGET if side.name == "ryx" else None
                result = Result(op, backend, side.name, med, (lo, hi), raw.name, base_us, target, args.runs, args.loops)
                results.append(result.as_json())
        return {"results": results, "excluded": excluded}
    finally:
        for side in sides:
            with contextlib.suppress(Exception):
                await side.close()
        from ryx._core import core

        for table in (P_TABLE, A_TABLE):
            await core.execute(f"DROP TABLE IF EXISTS {table}")
        await ryx.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", default="sqlite,postgres", help="comma-separated backends: sqlite,postgres")
    p.add_argument(
        "--contenders",
        default="all",
        help=f"comma-separated ORMs besides the raw drivers: {','.join(ORMS)} (default: all installed)",
    )
    p.add_argument("--runs", type=int, default=7, help="timed batches per measurement; the median is reported")
    p.add_argument("--loops", type=int, default=30, help="calls per batch (default 30)")
    p.add_argument("--warmup", type=int, default=2, help="untimed batches before them (default 2)")
    p.add_argument("--sqlite-url", default=os.environ.get("RYX_BENCH_SQLITE_URL"), help="default: a temporary file")
    p.add_argument(
        "--postgres-url",
        default=os.environ.get("RYX_BENCH_POSTGRES_URL")
        or os.environ.get("RYX_TEST_POSTGRES_URL")
        or DEFAULT_URLS["postgres"],
    )
    p.add_argument("--json", type=Path, help="write the results (and the machine) to this file")
    p.add_argument("--fail-on-miss", action="store_true", help="exit 1 when a ratio of Ryx misses its target")
    for hidden in ("--child-backend", "--child-url", "--child-out"):  # set by the parent for its child processes
        p.add_argument(hidden, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.db = [b.strip() for b in args.db.split(",") if b.strip()]
    explicit = args.contenders != "all"
    wanted = list(ORMS) if not explicit else [c.strip() for c in args.contenders.split(",") if c.strip()]
    wanted = [c for c in wanted if c not in ("raw", "none")]  # the raw drivers always run: they are the baseline
    unknown = (set(args.db) - {"sqlite", "postgres", "mysql"}) | (set(wanted) - set(ORMS))
    if unknown:
        p.error(f"unknown backend or contender: {', '.join(sorted(unknown))}")
    missing = [c for c in wanted if not available(c)]
    if missing and explicit:
        p.error(f"not installed: {', '.join(missing)} (pip install the bench dependency group)")
    args.skipped = missing
    args.contenders = [c for c in wanted if c not in missing]
    return args


def child_argv(args: argparse.Namespace, backend: str, url: str, out: Path) -> list[str]:
    """Return the command line of the child process that benchmarks ``backend``."""
    argv = [sys.executable, str(Path(__file__).resolve()), "--contenders", ",".join(args.contenders) or "none"]
    argv += ["--runs", str(args.runs), "--loops", str(args.loops), "--warmup", str(args.warmup)]
    return [*argv, "--child-backend", backend, "--child-url", url, "--child-out", str(out)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_backend:
        data = asyncio.run(run_backend(args.child_backend, args.child_url, args))
        Path(args.child_out).write_text(json.dumps(data, default=str))
        return 0
    results: list[dict[str, Any]] = []
    excluded: list[str] = []
    failed: list[str] = []
    skipped = [f"{name} (not installed)" for name in args.skipped]
    with tempfile.TemporaryDirectory(prefix="ryx-relations-bench-") as tmp:
        for backend in args.db:
            if backend not in BASELINE:
                skipped.append(f"{backend} (no raw baseline here: {', '.join(BASELINE.values())})")
                continue
            url = args.postgres_url if backend == "postgres" else args.sqlite_url
            if url is None:
                path = os.path.join(tmp, "relations.db")
                sqlite3.connect(path).close()
                url = f"sqlite://{path}"
            # One process per backend: Django's settings and Tortoise's state cannot be switched cleanly.
            out = Path(tmp) / f"{backend}.json"
            print(f"benchmarking relations on {backend}...", file=sys.stderr, flush=True)
            if subprocess.run(child_argv(args, backend, url, out), check=False).returncode != 0 or not out.exists():
                failed.append(backend)
                continue
            data = json.loads(out.read_text())
            results += data["results"]
            excluded += data["excluded"]
    meta = {
        "bench": "relations",
        "machine": machine(),
        "versions": versions(),
        "method": f"{AUTHORS} authors x {POSTS_PER_AUTHOR} posts; {args.warmup} warm-up + {args.runs} timed "
        f"batches of {args.loops} calls, contenders interleaved, median of per-call times; garbage collected "
        "(untimed) before each batch; every contender's result checked once against the raw driver's before timing",
        "skipped": skipped + excluded,
        "argv": sys.argv[1:] if argv is None else argv,
        "when": datetime.now().isoformat(timespec="seconds"),
    }
    return conclude(results, meta, render, args.json, failed, args.fail_on_miss)


if __name__ == "__main__":
    raise SystemExit(main())

"""The blog demo: inserts, queries across relations, aggregations and transactions on the migrated database.

Run it after `ryx makemigrations` and `ryx migrate`, from this directory (it reads the URL from ryx.toml, or
from RYX_DATABASE_URL).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ryx
from blog.models import Author, Comment, Post
from ryx import Avg, Count, F, Max, Sum

HERE = Path(__file__).resolve().parent
BOLD, DIM, GREEN, RESET = "\033[1m", "\033[2m", "\033[32m", "\033[0m"
# Colours on a terminal only (NO_COLOR and TERM=dumb turn them off, FORCE_COLOR on), like the ryx command.
COLOR = not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
COLOR = COLOR and (sys.stdout.isatty() or bool(os.environ.get("FORCE_COLOR")))


def _style(text: str, code: str) -> str:
    return f"{code}{text}{RESET}" if COLOR else text


def section(title: str) -> None:
    """Print a section heading."""
    print(f"\n{_style('▸ ' + title, BOLD)}")


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print rows as an aligned table."""
    cells = [[str(h) for h in headers], *[["" if v is None else str(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    line = "  ".join("─" * w for w in widths)
    print("  " + _style("  ".join(h.ljust(w) for h, w in zip(cells[0], widths, strict=True)).rstrip(), DIM))
    print("  " + _style(line, DIM))
    for row in cells[1:]:
        print(("  " + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True))).rstrip())


def note(text: str) -> None:
    """Print a result line."""
    print(f"  {_style('✓', GREEN)} {text}")


def database_url() -> str:
    """Return RYX_DATABASE_URL, else the default database of ryx.toml (a relative SQLite path is relative to it)."""
    if os.environ.get("RYX_DATABASE_URL"):
        return os.environ["RYX_DATABASE_URL"]
    with (HERE / "ryx.toml").open("rb") as handle:
        url = str(tomllib.load(handle)["databases"]["default"])
    if url.startswith("sqlite://") and not url.startswith("sqlite:///"):
        url = f"sqlite://{HERE / url.removeprefix('sqlite://')}"
    return url


async def insert() -> dict[str, Author]:
    """Create authors, posts and comments."""
    section("Inserting authors, posts and comments")
    authors = await Author.objects.bulk_create(
        [
            Author(name="Ada Lovelace", email="ada@example.org"),
            Author(name="Grace Hopper", email="grace@example.org"),
            Author(name="Linus Torvalds", email="linus@example.org"),
        ]
    )
    by_name = {a.name.split()[0]: a for a in authors}
    posts = [
        ("Ada", "Notes on the Analytical Engine", 5200),
        ("Ada", "Poetical science", 800),
        ("Grace", "Nanoseconds, explained with wire", 3100),
        ("Grace", "The first bug", 4400),
        ("Grace", "COBOL at sixty", 950),
        ("Linus", "Just for fun", 2600),
    ]
    created = []
    for who, title, views in posts:
        created.append(
            await Post.objects.create(
                author=by_name[who], title=title, views=views, published=datetime(2025, 1, 1 + len(created), tzinfo=UTC)
            )
        )
    comments = [
        (0, "Charles", "A machine that weaves algebra!", 5),
        (0, "Mary", "Beautifully put.", 4),
        (2, "Dennis", "I still keep my nanosecond.", 5),
        (3, "Ken", "The moth is in a museum now.", 4),
        (3, "Barbara", "Logbooks matter.", 3),
        (5, "Richard", "GNU/Linux, please.", 2),
    ]
    await Comment.objects.bulk_create([Comment(post=created[i], name=n, text=t, stars=s) for i, n, t, s in comments])
    note(
        f"{await Author.objects.count()} authors, {await Post.objects.count()} posts, "
        f"{await Comment.objects.count()} comments (primary keys set by bulk_create: {[a.pk for a in authors]})"
    )
    return by_name


async def query(authors: dict[str, Author]) -> None:
    """Filter, order and follow relations: select_related, filters across foreign keys, prefetch_related."""
    section("Popular posts with their author, in one query (select_related, Meta.ordering = most viewed first)")
    popular = await Post.objects.select_related("author").filter(views__gte=1000)
    table(["title", "author", "views"], [(p.title, p.author.name, p.views) for p in popular])

    section("Grace's posts, through the reverse relation (grace.posts)")
    mine = await authors["Grace"].posts.order_by("title")
    table(["title", "views"], [(p.title, p.views) for p in mine])

    section("Comments on Grace's posts, across two foreign keys (post__author__name), best first")
    comments = (
        await Comment.objects.select_related("post")
        .filter(post__author__name="Grace Hopper")
        .order_by("-stars", "name")
    )
    table(["post", "by", "stars", "comment"], [(c.post.title, c.name, "★" * c.stars, c.text) for c in comments])

    section("Every author with their posts (prefetch_related: two queries in all)")
    rows = []
    for author in await Author.objects.prefetch_related("posts"):
        titles = sorted(p.title for p in await author.posts.all())
        rows.append((author.name, len(titles), ", ".join(titles)))
    table(["author", "posts", "titles"], rows)


async def aggregate() -> None:
    """Aggregates over the whole table and per author."""
    section("Aggregation")
    totals = await Post.objects.aggregate(posts=Count("id"), views=Sum("views"), average=Avg("views"), top=Max("views"))
    note(
        f"{totals['posts']} posts, {totals['views']} views in all, {float(totals['average']):.0f} on average, "
        f"{totals['top']} at most"
    )
    per_author = (
        await Post.objects.values("author_id").annotate(posts=Count("id"), total=Sum("views")).order_by("-total")
    )
    names = {a.pk: a.name for a in await Author.objects.all()}
    table(["author", "posts", "views"], [(names[r["author_id"]], r["posts"], r["total"]) for r in per_author])
    stars = await Comment.objects.aggregate(average=Avg("stars"))
    note(f"readers give {float(stars['average']):.2f} stars on average")


async def transactions(authors: dict[str, Author]) -> None:
    """A committed transaction, and one rolled back by a unique violation."""
    section("Transactions")
    async with ryx.transaction():
        moved = await Post.objects.filter(author=authors["Linus"]).update(views=F("views") + 1000)
        await Comment.objects.create(post=await Post.objects.get(title="Just for fun"), name="Ada", text="Welcome!")
    note(f"committed: {moved} post(s) got 1000 more views and a comment was added")

    before = await Author.objects.count()
    try:
        async with ryx.transaction():
            await Author.objects.create(name="Alan Turing", email="alan@example.org")
            await Author.objects.create(name="Ada Lovelace", email="again@example.org")  # the name is UNIQUE
    except ryx.IntegrityError as exc:
        note(f"rolled back on {type(exc).__name__}: Alan Turing was not kept either")
    after = await Author.objects.count()
    note(f"authors before and after the failed transaction: {before} and {after}")


async def main() -> None:
    """Run every part of the demo."""
    url = database_url()
    await ryx.setup(url)
    try:
        print(_style(f"Ryx {ryx.__version__} on {ryx.connections.get_backend()} ({url})", DIM))
        authors = await insert()
        await query(authors)
        await aggregate()
        await transactions(authors)
    finally:
        await ryx.close()


if __name__ == "__main__":
    asyncio.run(main())

"""Shared pieces of the relations benchmark: its tables and operations, and its tables of results (text, Markdown)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

AUTHORS = 100
POSTS_PER_AUTHOR = 10
#: The issue's target for Ryx: at most this many times the raw driver doing the same work.
TARGET = 2.0
A_TABLE = "ryx_bench_rel_authors"
P_TABLE = "ryx_bench_rel_posts"

OPS = {
    "select_related": "100 posts with their authors (raw: the same LEFT JOIN as tuples)",
    "prefetch": f"{AUTHORS} authors with their {POSTS_PER_AUTHOR} posts each (raw: the same two queries, grouped)",
}
#: The raw driver every ratio of a backend is computed against.
BASELINE = {"sqlite": "sqlite3", "postgres": "asyncpg"}
BACKENDS = ("sqlite", "postgres")


def _groups(rows: list[Mapping[str, Any]]) -> list[tuple[str, list[Mapping[str, Any]]]]:
    """Return the rows by backend, in backend order, each group in run order."""
    out: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        out.setdefault(r["backend"], []).append(r)
    return sorted(out.items(), key=lambda kv: BACKENDS.index(kv[0]) if kv[0] in BACKENDS else len(BACKENDS))


def _names(rows: list[Mapping[str, Any]]) -> list[str]:
    names: list[str] = []
    for r in rows:
        if r["contender"] not in names:
            names.append(r["contender"])
    return names


def render(rows: list[Mapping[str, Any]], meta: Mapping[str, Any]) -> str:
    """Return the terminal report: one matrix per backend (µs and ratio to the raw driver), then Ryx's target."""
    lines = ["Ryx relations benchmark (medians in µs; (ratio) = contender / raw driver, lower is better)", ""]
    for key, value in meta["machine"].items():
        lines.append(f"  {key:<10} {value}")
    lines.append("  versions   " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
    lines.append(f"  method     {meta['method']}")
    for skipped in meta.get("skipped", []):
        lines.append(f"  skipped    {skipped}")
    for backend, group in _groups(rows):
        names = _names(group)
        header = f"{'op':<15} {'baseline':<9}" + "".join(f"{n:>20}" for n in names)
        lines += ["", f"[{backend}]", header, "-" * len(header)]
        for op in OPS:
            by_name = {r["contender"]: r for r in group if r["op"] == op}
            if by_name:
                cells = "".join(
                    f"{by_name[n]['us']:>11.1f} ({by_name[n]['ratio']:>5.2f}x)" if n in by_name else f"{'-':>20}"
                    for n in names
                )
                lines.append(f"{op:<15} {BASELINE.get(backend, '?'):<9}{cells}")
    targets = [r for r in rows if r["target"] is not None]
    if targets:
        lines += ["", f"Ryx target: <= {TARGET:g}x the raw driver"]
        for r in targets:
            lines.append(
                f"  {r['backend']:<9} {r['op']:<15} {r['ratio']:>5.2f}x {r['baseline']:<8} "
                f"{'met' if r['holds'] else 'NOT met'}"
            )
    return "\n".join(lines)


def markdown(data: Mapping[str, Any]) -> str:
    """Return the Markdown tables of a ``relations_bench.py --json`` file: one per backend, then Ryx's target."""
    meta = data["meta"]
    rows = list(data["results"])
    lines = [
        f"Run {meta['when']} on {meta['machine'].get('cpus', '?')} CPUs, {meta['machine'].get('platform', '')}, "
        f"{meta['machine'].get('python', '')}; {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}.",
    ]
    for backend, group in _groups(rows):
        names = _names(group)
        lines += ["", f"**{backend}** (µs, median; ratio to {BASELINE.get(backend, '?')} in parentheses)", ""]
        lines.append("| op | " + " | ".join(names) + " |")
        lines.append("|---|" + "---:|" * len(names))
        for op in OPS:
            by_name = {r["contender"]: r for r in group if r["op"] == op}
            if by_name:
                cells = " | ".join(
                    f"{by_name[n]['us']:.1f} ({by_name[n]['ratio']:.2f}x)" if n in by_name else "-" for n in names
                )
                lines.append(f"| {op} | {cells} |")
    targets = [r for r in rows if r["target"] is not None]
    if targets:
        lines += ["", "| backend | op | Ryx vs raw | target | met |", "|---|---|---:|---|---|"]
        for r in targets:
            lines.append(
                f"| {r['backend']} | {r['op']} | {r['ratio']:.2f}x {r['baseline']} | <= {r['target']:g}x | "
                f"{'yes' if r['holds'] else '**no**'} |"
            )
    return "\n".join(lines)

"""Tables of the ORM benchmark: ASCII for the terminal, Markdown for docs/benchmarks.md (from results or JSON)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ormbench.common import OPS, Result


def _rows(results: Iterable[Result | Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return the results as dicts (the JSON form), whatever they came as."""
    return [r.as_json() if isinstance(r, Result) else dict(r) for r in results]


def _matrix(rows: list[dict[str, Any]]) -> list[tuple[str, str, list[str], dict[str, dict[str, Any]]]]:
    """Group by (backend, op): the contenders in run order and each one's row."""
    groups: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["backend"], r["op"]), {})[r["contender"]] = r
    order = {op: i for i, op in enumerate(OPS)}
    out = []
    backends = {"sqlite": 0, "postgres": 1, "mysql": 2}
    for (backend, op), by_name in sorted(groups.items(), key=lambda kv: (backends[kv[0][0]], order[kv[0][1]])):
        out.append((backend, op, list(by_name), by_name))
    return out


def _target_text(r: Mapping[str, Any]) -> str:
    if r["target"] is None:
        return "-"
    return f"<= {r['target']:g}x {r['baseline']}: {'met' if r['holds'] else 'NOT met'}"


def render(results: Iterable[Result | Mapping[str, Any]], meta: Mapping[str, Any]) -> str:
    """Return the terminal report: header, one matrix per backend (µs and ratio to the baseline), Ryx's targets."""
    rows = _rows(results)
    lines = ["Ryx ORM benchmark (medians in µs; (ratio) = contender / baseline, lower is better)", ""]
    for key, value in meta["machine"].items():
        lines.append(f"  {key:<10} {value}")
    lines.append("  versions   " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
    for backend, server in meta["servers"].items():
        lines.append(f"  {backend:<10} {server}")
    lines.append(f"  method     {meta['method']}")
    for skipped in meta.get("skipped", []):
        lines.append(f"  skipped    {skipped}")
    current = None
    for backend, op, names, by_name in _matrix(rows):
        if (backend, tuple(names)) != current:
            current = (backend, tuple(names))
            header = f"{'op':<12} {'baseline':<10}" + "".join(f"{n:>20}" for n in names)
            lines += ["", f"[{backend}]", header, "-" * len(header)]
        first = by_name[names[0]]
        cells = "".join(f"{by_name[n]['us']:>11.1f} ({by_name[n]['ratio']:>5.2f}x)" for n in names)
        lines.append(f"{op:<12} {first['baseline']:<10}{cells}")
    targets = [r for r in rows if r["target"] is not None]
    if targets:
        lines += ["", "Ryx targets (issue 3)"]
        for r in targets:
            lines.append(f"  {r['backend']:<9} {r['op']:<12} {r['ratio']:>5.2f}x  {_target_text(r)}")
    return "\n".join(lines)


def markdown(data: Mapping[str, Any]) -> str:
    """Return the Markdown tables of a ``--json`` file: one per backend, then Ryx's targets."""
    meta = data["meta"]
    rows = _rows(data["results"])
    lines = [
        f"Run {meta['when']} on {meta['machine'].get('cpus', '?')} CPUs, {meta['machine'].get('platform', '')}, "
        f"{meta['machine'].get('python', '')}; {', '.join(f'{k} {v}' for k, v in meta['versions'].items())}.",
        "Servers: " + "; ".join(f"{b}: {s}" for b, s in meta["servers"].items()) + ".",
    ]
    current = None
    for backend, op, names, by_name in _matrix(rows):
        if (backend, tuple(names)) != current:
            current = (backend, tuple(names))
            lines += ["", f"**{backend}** (µs, median; ratio to the baseline in parentheses)", ""]
            lines.append("| op | baseline | " + " | ".join(names) + " |")
            lines.append("|---|---|" + "---:|" * len(names))
        cells = " | ".join(f"{by_name[n]['us']:.1f} ({by_name[n]['ratio']:.2f}x)" for n in names)
        lines.append(f"| {op} | {by_name[names[0]]['baseline']} | {cells} |")
    targets = [r for r in rows if r["target"] is not None]
    if targets:
        lines += ["", "| backend | op | Ryx vs baseline | target | met |", "|---|---|---:|---|---|"]
        for r in targets:
            lines.append(
                f"| {r['backend']} | {r['op']} | {r['ratio']:.2f}x {r['baseline']} | <= {r['target']:g}x | "
                f"{'yes' if r['holds'] else '**no**'} |"
            )
    return "\n".join(lines)

"""Render a core_bench.py, orm_bench.py or relations_bench.py `--json` file as the Markdown of docs/benchmarks.md."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def render(path: Path) -> str:
    data = json.loads(path.read_text())
    if data.get("meta", {}).get("bench") == "relations":  # a relations_bench.py file
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from ormbench.relations_common import markdown as relations_markdown

        return relations_markdown(data)
    if data["results"] and "contender" in data["results"][0]:  # an orm_bench.py file
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from ormbench.report import markdown

        return markdown(data)
    meta = data["meta"]
    lines = [
        f"Run {meta['when']} on {meta['machine'].get('cpus', '?')} CPUs, {meta['machine'].get('platform', '')}; "
        f"{', '.join(f'{k} {v}' for k, v in meta['versions'].items())}.",
        "",
        "| op | backend | what | baseline | ryx us | raw us | ratio | target | holds |",
        "|---|---|---|---|---:|---:|---:|---|---|",
    ]
    for r in data["results"]:
        raw = f"{r['raw_us']:.1f}" if r["raw_us"] is not None else "-"
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else "-"
        target = f"<= {r['target']:g} us" if r["target_kind"] == "us" else f"<= {r['target']:g}x"
        lines.append(
            f"| {r['op']} | {r['backend']} | {r['variant']} | {r['baseline']} | {r['ryx_us']:.1f} | {raw} | "
            f"{ratio} | {target} | {'yes' if r['holds'] else 'no'} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(Path(sys.argv[1])))

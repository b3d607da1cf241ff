"""mkdocs hook: the API reference page documents every name of ``ryx.__all__``, read statically from the source.

A name missing from docs/orm/reference.md is appended under "Other names" (so the page is never incomplete)
and reported in the build log, so that someone files it into its group.
"""

from __future__ import annotations

import ast
import logging
import re
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.reference_coverage")

ROOT = Path(__file__).resolve().parents[2]
INIT = ROOT / "packages" / "ryx-orm" / "src" / "ryx" / "__init__.py"
PAGE = "orm/reference.md"


def public_names(init: Path = INIT) -> list[str]:
    """Return ``ryx.__all__`` as written in the package's ``__init__.py`` (no import: no Rust extension needed)."""
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return [str(ast.literal_eval(element)) for element in node.value.elts]  # type: ignore[attr-defined]
    raise RuntimeError(f"no __all__ in {init}")


def documented(markdown: str) -> set[str]:
    """Return the names the page renders with ``::: ryx.<name>``."""
    return set(re.findall(r"^::: ryx\.(\w+)\s*$", markdown, flags=re.MULTILINE))


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    """Append a ``::: ryx.<name>`` block for every public name the reference page does not place."""
    if page.file.src_uri != PAGE:
        return markdown
    missing = [name for name in public_names() if name not in documented(markdown)]
    if not missing:
        return markdown
    log.info("reference: not yet in a group of %s: %s", PAGE, ", ".join(missing))
    blocks = "\n\n".join(f"::: ryx.{name}" for name in missing)
    return f"{markdown}\n\n## Other names\n\n{blocks}\n"

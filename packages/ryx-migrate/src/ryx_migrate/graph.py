"""The dependency graph of migrations across apps: order, plans forwards and backwards, squashed replacements."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from ryx_migrate.errors import CircularDependency, InconsistentHistory, NodeNotFound
from ryx_migrate.loader import Key, MigrationFile


def _label(key: Key) -> str:
    """Return ``app:name`` or ``name``."""
    return f"{key[0]}:{key[1]}" if key[0] else key[1]


class MigrationGraph:
    """Migrations and their dependencies, with squashed migrations resolved against what is applied.

    A squashed migration (one with ``replaces``) stands for the migrations it replaces when all or none of
    them are applied; when only some are, the originals are used and the squashed one is ignored.
    """

    def __init__(self, migrations: Mapping[Key, MigrationFile], applied: Iterable[Key] = ()) -> None:
        """Build the graph of ``migrations`` given the ``applied`` keys."""
        self.applied_records = set(applied)
        self.nodes: dict[Key, MigrationFile] = dict(migrations)
        self.replaced_by: dict[Key, Key] = {}
        self._resolve_replacements()
        self.parents: dict[Key, set[Key]] = {k: set() for k in self.nodes}
        self.children: dict[Key, set[Key]] = {k: set() for k in self.nodes}
        for key, migration in self.nodes.items():
            for dep in migration.dependencies:
                dep = self.replaced_by.get(dep, dep)
                if dep == key:
                    continue
                if dep not in self.nodes:
                    raise NodeNotFound(
                        f"migration {_label(key)} depends on {_label(dep)}, which does not exist; restore the "
                        f"file or fix the dependency"
                    )
                self.parents[key].add(dep)
                self.children[dep].add(key)
        self._order = self._topological_order()

    def _resolve_replacements(self) -> None:
        """Keep either each squashed migration or the migrations it replaces."""
        for key, migration in sorted(self.nodes.items()):
            if not migration.replaces or key not in self.nodes:
                continue
            applied = [r in self.applied_records for r in migration.replaces]
            if all(applied) or not any(applied):
                for replaced in migration.replaces:
                    self.nodes.pop(replaced, None)
                    self.replaced_by[replaced] = key
            else:
                del self.nodes[key]
                survivors = [r for r in migration.replaces if r in self.nodes]
                if survivors:
                    self.replaced_by[key] = survivors[-1]

    def _topological_order(self) -> list[Key]:
        """Return every node with dependencies first, ties broken by key (deterministic)."""
        waiting = {k: len(p) for k, p in self.parents.items()}
        ready = [k for k, n in waiting.items() if n == 0]
        heapq.heapify(ready)
        order: list[Key] = []
        while ready:
            key = heapq.heappop(ready)
            order.append(key)
            for child in self.children[key]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, child)
        if len(order) != len(self.nodes):
            stuck = sorted(_label(k) for k, n in waiting.items() if n > 0)
            raise CircularDependency(f"the dependencies of these migrations form a cycle: {', '.join(stuck)}")
        return order

    # ------------------------------------------------------------------------------------------ queries

    @property
    def order(self) -> list[Key]:
        """Return every migration, dependencies first."""
        return list(self._order)

    def is_applied(self, key: Key) -> bool:
        """Return whether a node counts as applied (a squashed one: when everything it replaces is)."""
        migration = self.nodes[key]
        if key in self.applied_records:
            return True
        return bool(migration.replaces) and all(r in self.applied_records for r in migration.replaces)

    def applied_nodes(self) -> set[Key]:
        """Return the nodes that count as applied."""
        return {k for k in self.nodes if self.is_applied(k)}

    def ancestors(self, key: Key) -> set[Key]:
        """Return every migration ``key`` depends on, directly or not (itself included)."""
        seen = {key}
        stack = [key]
        while stack:
            for parent in self.parents[stack.pop()]:
                if parent not in seen:
                    seen.add(parent)
                    stack.append(parent)
        return seen

    def descendants(self, key: Key) -> set[Key]:
        """Return every migration depending on ``key``, directly or not (itself included)."""
        seen = {key}
        stack = [key]
        while stack:
            for child in self.children[stack.pop()]:
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        return seen

    def leaves(self, app_label: str | None = None) -> list[Key]:
        """Return the migrations no other migration of the same app depends on (per app, or of one app)."""
        out = []
        for key in self._order:
            if app_label is not None and key[0] != app_label:
                continue
            if not any(child[0] == key[0] for child in self.children[key]):
                out.append(key)
        return out

    def app_nodes(self, app_label: str) -> list[Key]:
        """Return an app's migrations in order."""
        return [k for k in self._order if k[0] == app_label]

    def check_consistent(self) -> None:
        """Raise InconsistentHistory when an applied migration has an unapplied dependency."""
        applied = self.applied_nodes()
        for key in self._order:
            if key in applied:
                missing = sorted(_label(p) for p in self.parents[key] if p not in applied)
                if missing:
                    raise InconsistentHistory(
                        f"migration {_label(key)} is recorded as applied but its dependencies {', '.join(missing)} "
                        f"are not; the history table does not match the files (use fake to record them)"
                    )

    # ------------------------------------------------------------------------------------------ plans

    def resolve(self, target: str) -> Key:
        """Find a migration from ``name``, ``app:name`` or a unique prefix of the name (``0002``)."""
        app_label, sep, name = target.rpartition(":")
        candidates = [k for k in self.nodes if (not sep or k[0] == app_label) and k[1] == name]
        if not candidates:
            candidates = [k for k in self.nodes if (not sep or k[0] == app_label) and k[1].startswith(name)]
        if not candidates:
            known = ", ".join(_label(k) for k in self._order) or "none"
            raise NodeNotFound(f"no migration matches {target!r} (known: {known})")
        if len(candidates) > 1:
            names = ", ".join(_label(k) for k in sorted(candidates))
            raise NodeNotFound(f"{target!r} matches several migrations ({names}); write more of the name or app:name")
        return candidates[0]

    def forwards_plan(self, targets: Iterable[Key], applied: set[Key]) -> list[Key]:
        """Return the unapplied migrations needed to reach ``targets``, in order."""
        needed: set[Key] = set()
        for target in targets:
            needed |= self.ancestors(target)
        return [k for k in self._order if k in needed and k not in applied]

    def backwards_plan(self, roots: Iterable[Key], applied: set[Key]) -> list[Key]:
        """Return the applied migrations to unapply so that ``roots`` (and what depends on them) are unapplied."""
        doomed: set[Key] = set()
        for root in roots:
            doomed |= self.descendants(root)
        return [k for k in reversed(self._order) if k in doomed and k in applied]


__all__ = ["MigrationGraph"]

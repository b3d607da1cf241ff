"""Signals: receivers (async or sync) called when models are saved, updated or deleted.

Unlike the original Ryx, a receiver's exception PROPAGATES out of `Signal.send` (and so out of the
``save()``/``delete()`` that sent it), and the receivers after it are not called; use `Signal.send_robust`
to collect exceptions instead. Receivers run one after another, in the order they were connected.
"""

from __future__ import annotations

import inspect
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
Receiver = Callable[..., Any]
_Key = tuple[Any, int]


def _reference(receiver: Receiver, weak: bool) -> Callable[[], Receiver | None]:
    """Return a callable giving the receiver back (None once a weakly held one is garbage collected)."""
    if weak:
        try:
            if inspect.ismethod(receiver):
                return weakref.WeakMethod(receiver)
            return weakref.ref(receiver)
        except TypeError:  # not weak-referenceable (a builtin): keep it alive
            pass
    return lambda: receiver


def _key(receiver: Receiver) -> Any:
    """Return the identity of a receiver (bound methods compare by instance and function)."""
    if inspect.ismethod(receiver):
        return (id(receiver.__self__), id(receiver.__func__))
    return id(receiver)


class Signal:
    """A named hook: `connect` receivers, `send` calls them with ``sender=`` and keyword arguments."""

    def __init__(self, name: str = "signal") -> None:
        """Create a signal with no receivers."""
        self.name = name
        self._receivers: list[tuple[_Key, Callable[[], Receiver | None], Any]] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        """Return ``<Signal: name>``."""
        return f"<Signal: {self.name}>"

    def connect(
        self, receiver: Receiver, *, sender: Any = None, weak: bool = True, dispatch_uid: str | None = None
    ) -> None:
        """Connect ``receiver`` (an async or sync callable) for ``sender`` (None: every sender).

        With ``weak=True`` the receiver is held by a weak reference; connecting the same receiver (or the
        same ``dispatch_uid``) twice for one sender does nothing.
        """
        if not callable(receiver):
            raise TypeError(f"{self!r}: a receiver must be callable, not {receiver!r}")
        ident = dispatch_uid if dispatch_uid is not None else _key(receiver)
        key: _Key = (ident, id(sender))
        ref = _reference(receiver, weak)
        with self._lock:
            self._prune()
            if any(existing == key for existing, _, _ in self._receivers):
                return
            self._receivers.append((key, ref, sender))

    def disconnect(
        self, receiver: Receiver | None = None, *, sender: Any = None, dispatch_uid: str | None = None
    ) -> bool:
        """Disconnect a receiver connected for ``sender``; return True if one was."""
        if receiver is None and dispatch_uid is None:
            raise TypeError(f"{self!r}.disconnect() needs the receiver or its dispatch_uid")
        ident = dispatch_uid if dispatch_uid is not None else _key(receiver)  # type: ignore[arg-type]
        key: _Key = (ident, id(sender))
        with self._lock:
            before = len(self._receivers)
            self._receivers = [entry for entry in self._receivers if entry[0] != key]
            return len(self._receivers) != before

    def has_listeners(self, sender: Any = None) -> bool:
        """Return True if a live receiver would be called for ``sender``."""
        return bool(self._live(sender))

    @property
    def receivers(self) -> list[Receiver]:
        """Return the live receivers, in connection order."""
        return [r for r, _ in self._all_live()]

    def _prune(self) -> None:
        """Drop entries whose weakly held receiver is gone (caller holds the lock)."""
        self._receivers = [entry for entry in self._receivers if entry[1]() is not None]

    def _all_live(self) -> list[tuple[Receiver, Any]]:
        """Return ``(receiver, sender)`` for every live entry."""
        with self._lock:
            self._prune()
            entries = list(self._receivers)
        out = []
        for _, ref, sender in entries:
            fn = ref()
            if fn is not None:
                out.append((fn, sender))
        return out

    def _live(self, sender: Any) -> list[Receiver]:
        """Return the live receivers that match ``sender`` (their sender is None or is ``sender``)."""
        return [fn for fn, wanted in self._all_live() if wanted is None or wanted is sender]

    async def send(self, sender: Any, **kwargs: Any) -> list[tuple[Receiver, Any]]:
        """Call each matching receiver as ``receiver(sender=sender, **kwargs)``; errors propagate.

        Return ``[(receiver, result), ...]``; async receivers are awaited, sync ones are called directly.
        """
        results = []
        for fn in self._live(sender):
            result = fn(sender=sender, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            results.append((fn, result))
        return results

    async def send_robust(self, sender: Any, **kwargs: Any) -> list[tuple[Receiver, Any]]:
        """Like `send`, but call every receiver and return an exception in place of its result."""
        results: list[tuple[Receiver, Any]] = []
        for fn in self._live(sender):
            try:
                result = fn(sender=sender, **kwargs)
                if inspect.isawaitable(result):
                    result = await result
            except Exception as exc:
                result = exc
            results.append((fn, result))
        return results

    def send_sync(self, sender: Any, **kwargs: Any) -> list[tuple[Receiver, Any]]:
        """Blocking `send` for code with no event loop: async receivers run on a private loop."""
        results = []
        for fn in self._live(sender):
            result = fn(sender=sender, **kwargs)
            if inspect.isawaitable(result):
                from ryx.sync import run_sync

                result = run_sync(result)
            results.append((fn, result))
        return results


def receiver(
    signal: Signal | list[Signal] | tuple[Signal, ...], *, sender: Any = None, weak: bool = True
) -> Callable[[F], F]:
    """Connect the decorated function to ``signal`` (or to each of a list of signals) and return it."""

    def decorate(fn: F) -> F:
        for sig in signal if isinstance(signal, list | tuple) else (signal,):
            sig.connect(fn, sender=sender, weak=weak)
        return fn

    return decorate


pre_save = Signal("pre_save")
post_save = Signal("post_save")
pre_delete = Signal("pre_delete")
post_delete = Signal("post_delete")
pre_update = Signal("pre_update")
post_update = Signal("post_update")
pre_bulk_delete = Signal("pre_bulk_delete")
post_bulk_delete = Signal("post_bulk_delete")
pre_bulk_create = Signal("pre_bulk_create")
post_bulk_create = Signal("post_bulk_create")

__all__ = [
    "Signal",
    "post_bulk_create",
    "post_bulk_delete",
    "post_delete",
    "post_save",
    "post_update",
    "pre_bulk_create",
    "pre_bulk_delete",
    "pre_delete",
    "pre_save",
    "pre_update",
    "receiver",
]

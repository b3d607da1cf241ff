"""Transactions that belong to the task that opened them, with savepoints for nesting.

A ContextVar maps each alias to a frame ``(handle, owner, depth)``. `current_tx` gives the handle only to
the owner: the asyncio task that entered ``async with ryx.transaction()`` (or, for `transaction_sync`, the
thread). Tasks created inside the block (``asyncio.gather``, ``create_task``) copy the ContextVar but are
not the owner, so they get None and use the pool: they do not see the block's uncommitted work, and the
block's rollback does not undo theirs.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import itertools
import threading
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from types import MappingProxyType, TracebackType
from typing import Any, ParamSpec, TypeVar, overload

from ryx._core import core
from ryx.exceptions import PoolNotInitialized, TransactionError
from ryx.execution import note_transaction

P = ParamSpec("P")
R = TypeVar("R")

Callback = Callable[[], Any]


@dataclass(eq=False)
class _Frame:
    """One level of an open transaction for one alias."""

    handle: core.Transaction
    owner: object
    depth: int
    savepoint: str | None = None
    callbacks: list[Callback] = field(default_factory=list)


_Frames = Mapping[str, _Frame]
_EMPTY: _Frames = MappingProxyType({})
_async_frames: ContextVar[_Frames] = ContextVar("ryx_transactions", default=_EMPTY)
_sync_frames: ContextVar[_Frames] = ContextVar("ryx_sync_transactions", default=_EMPTY)
_names = itertools.count(1)


def _current_task() -> asyncio.Task[Any] | None:
    """Return the running asyncio task, or None outside one."""
    try:
        return asyncio.current_task()
    except RuntimeError:
        return None


def _resolve_alias(alias: str | None) -> str | None:
    """Return ``alias``, or the engine's default alias when None."""
    return alias if alias is not None else core.default_alias()


def _own_frame(alias: str) -> _Frame | None:
    """Return the caller's frame for ``alias`` (None when another task or thread opened it)."""
    task = _current_task()
    if task is not None:
        frame = _async_frames.get().get(alias)
        return frame if frame is not None and frame.owner is task else None
    frame = _sync_frames.get().get(alias)
    return frame if frame is not None and frame.owner == threading.get_ident() else None


def current_tx(alias: str | None = None) -> core.Transaction | None:
    """Return the transaction the calling task has open on ``alias`` (None: the default alias), or None."""
    name = _resolve_alias(alias)
    if name is None:
        return None
    frame = _own_frame(name)
    return frame.handle if frame is not None else None


def get_active_transaction(alias: str | None = None) -> core.Transaction | None:
    """Return the calling task's open transaction on ``alias``, or None."""
    return current_tx(alias)


def in_transaction(alias: str | None = None) -> bool:
    """Return True if the calling task has a transaction open on ``alias``."""
    return current_tx(alias) is not None


def owned_aliases() -> list[str]:
    """Return the aliases on which the caller has a transaction open."""
    names = {*_async_frames.get(), *_sync_frames.get()}
    return sorted(name for name in names if _own_frame(name) is not None)


def on_commit(callback: Callback, alias: str | None = None) -> None:
    """Run ``callback`` (sync or async) after the calling task's transaction commits; now if none is open.

    Callbacks registered inside a savepoint that rolls back are dropped with it.
    """
    name = _resolve_alias(alias)
    frame = _own_frame(name) if name is not None else None
    if frame is not None:
        frame.callbacks.append(callback)
        return
    result = callback()
    if inspect.isawaitable(result):
        if _current_task() is None:
            from ryx.sync import run_sync

            run_sync(result)
        else:
            _spawn(result)


_background: set[asyncio.Future[Any]] = set()


def _spawn(awaitable: Awaitable[Any]) -> None:
    """Run an awaitable in the background, keeping a reference until it is done."""
    future = asyncio.ensure_future(awaitable)
    _background.add(future)
    future.add_done_callback(_background.discard)


def _note_finish(frame: _Frame, commit: bool) -> None:
    """Record the statements ending a transaction level for `ryx.count_queries`."""
    alias = frame.handle.alias
    if frame.savepoint is None:
        note_transaction("COMMIT" if commit else "ROLLBACK", alias)
    elif commit:
        note_transaction(f"RELEASE SAVEPOINT {frame.savepoint}", alias)
    else:
        note_transaction(f"ROLLBACK TO SAVEPOINT {frame.savepoint}", alias)
        note_transaction(f"RELEASE SAVEPOINT {frame.savepoint}", alias)


def _savepoint_name() -> str:
    """Return a fresh savepoint name."""
    return f"ryx_sp_{next(_names)}"


def _check_options(alias: str | None, isolation: str | None, read_only: bool) -> None:
    """Reject option types that can only be a mistake."""
    if alias is not None and (not isinstance(alias, str) or not alias):
        raise TypeError(f"transaction() alias must be a non-empty str or None, not {alias!r}")
    if isolation is not None and not isinstance(isolation, str):
        raise TypeError(f"transaction() isolation must be a str such as 'serializable', not {isolation!r}")
    if not isinstance(read_only, bool):
        raise TypeError(f"transaction() read_only must be a bool, not {read_only!r}")


class _Base:
    """State shared by the async and blocking transaction blocks."""

    def __init__(self, alias: str | None, isolation: str | None, read_only: bool) -> None:
        _check_options(alias, isolation, read_only)
        self.requested_alias = alias
        self.isolation = isolation
        self.read_only = read_only
        self._frame: _Frame | None = None
        self._token: Token[_Frames] | None = None
        self._finished = False
        self._committed = False
        self._parent: _Frame | None = None

    @property
    def handle(self) -> core.Transaction:
        """Return the engine transaction this block runs on."""
        return self._entered().handle

    @property
    def alias(self) -> str:
        """Return the alias this block runs on."""
        return self._entered().handle.alias

    @property
    def depth(self) -> int:
        """Return 0 for the outermost block, 1 for a block nested in it, and so on."""
        return self._entered().depth

    @property
    def active(self) -> bool:
        """Return True while the block's work can still be committed."""
        return self._frame is not None and not self._finished and self._frame.handle.active

    def get_alias(self) -> str:
        """Return the alias this block runs on."""
        return self.alias

    def _entered(self) -> _Frame:
        """Return this block's frame, or raise when the block was not entered."""
        if self._frame is None:
            raise TransactionError("the transaction block was not entered: use `async with ryx.transaction():`")
        return self._frame

    def _resolve(self) -> str:
        """Return the alias to open the block on, or raise when no pool exists."""
        name = _resolve_alias(self.requested_alias)
        if name is None:
            raise PoolNotInitialized("no database is set up: call `await ryx.setup(url)` before ryx.transaction()")
        return name

    def _nested_options_check(self, outer: _Frame) -> None:
        """Refuse options that only an outermost transaction can take."""
        if self.isolation is not None or self.read_only:
            raise TransactionError(
                f"a transaction is already open on alias {outer.handle.alias!r}: isolation and read_only "
                f"apply only to the outermost ryx.transaction()"
            )

    def _push(self, frames: ContextVar[_Frames], frame: _Frame) -> None:
        """Make ``frame`` the current one for its alias."""
        current = dict(frames.get())
        current[frame.handle.alias] = frame
        self._frame = frame
        self._token = frames.set(MappingProxyType(current))

    def _pop(self, frames: ContextVar[_Frames]) -> None:
        """Restore the frames as they were before this block."""
        token, self._token = self._token, None
        if token is None:
            return
        try:
            frames.reset(token)
        except ValueError:  # exited in another context than entered: restore by hand
            current = dict(frames.get())
            frame = self._entered()
            current.pop(frame.handle.alias, None)
            if token.old_value is not Token.MISSING and frame.handle.alias in token.old_value:
                current[frame.handle.alias] = token.old_value[frame.handle.alias]
            frames.set(MappingProxyType(current))

    def _settle_callbacks(self) -> list[Callback]:
        """Return the on-commit callbacks due now; a nested level hands its own to the enclosing level."""
        frame = self._entered()
        callbacks, frame.callbacks = frame.callbacks, []
        if not self._committed:
            return []
        if frame.depth == 0:
            return callbacks
        if self._parent is not None:
            self._parent.callbacks.extend(callbacks)
        return []


class Atomic(_Base):
    """``async with ryx.transaction() as tx:`` block, also a decorator of async functions.

    The outermost block BEGINs on a pooled connection and COMMITs on a clean exit (ROLLBACK on an
    exception); a nested block on the same alias opens a savepoint and, on an exception, rolls back to it
    only. ``tx.commit()``/``tx.rollback()`` end this block's level early.
    """

    def __init__(self, alias: str | None = None, *, isolation: str | None = None, read_only: bool = False) -> None:
        super().__init__(alias, isolation, read_only)

    async def __aenter__(self) -> Atomic:
        """Begin the transaction, or a savepoint in the one the task already has open."""
        if self._frame is not None:
            raise TransactionError("this transaction block is already in use; call ryx.transaction() again")
        name = self._resolve()
        task = _current_task()
        outer = _own_frame(name)
        if outer is not None and outer.handle.active:
            self._nested_options_check(outer)
            savepoint = _savepoint_name()
            note_transaction(f"SAVEPOINT {savepoint}", name)
            await outer.handle.savepoint(savepoint)
            frame = _Frame(outer.handle, task, outer.depth + 1, savepoint)
            self._parent = outer
        else:
            note_transaction("BEGIN", name)
            handle = await core.begin(name, isolation=self.isolation, read_only=self.read_only)
            frame = _Frame(handle, task, 0)
        self._push(_async_frames, frame)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Commit (or release) on a clean exit, roll back on an exception, then restore the outer frame."""
        try:
            if exc is None:
                await self._finish(commit=True)
            else:
                try:
                    await self._finish(commit=False)
                except Exception as rollback_error:  # keep the original error; say the rollback failed too
                    exc.add_note(f"ryx: rolling back the transaction also failed: {rollback_error!r}")
        finally:
            self._pop(_async_frames)
        await _run_callbacks(self._settle_callbacks())

    async def _finish(self, *, commit: bool) -> None:
        """End this block's level: commit/release, or roll back (to its savepoint)."""
        frame = self._entered()
        if self._finished:
            return
        self._finished = True
        if not frame.handle.active:
            return  # ended by hand on the engine handle: nothing left to do, no callbacks to run
        _note_finish(frame, commit)
        if frame.savepoint is None:
            await (frame.handle.commit() if commit else frame.handle.rollback())
        elif commit:
            await frame.handle.release_savepoint(frame.savepoint)
        else:
            await frame.handle.rollback_to(frame.savepoint)
            await frame.handle.release_savepoint(frame.savepoint)
        self._committed = commit

    async def commit(self) -> None:
        """Commit now (a nested block releases its savepoint); the block then exits without doing more."""
        await self._finish(commit=True)

    async def rollback(self) -> None:
        """Roll back now (a nested block rolls back to its savepoint)."""
        self._entered().callbacks.clear()
        await self._finish(commit=False)

    async def savepoint(self, name: str | None = None) -> str:
        """Create a savepoint (a generated name when None) and return its name."""
        self._check_open()
        sp = name if name is not None else _savepoint_name()
        await self.handle.savepoint(sp)
        return sp

    async def rollback_to(self, name: str) -> None:
        """Undo the work done since the savepoint ``name``."""
        self._check_open()
        await self.handle.rollback_to(name)

    async def release_savepoint(self, name: str) -> None:
        """Forget the savepoint ``name``, keeping its work."""
        self._check_open()
        await self.handle.release_savepoint(name)

    async def is_active(self) -> bool:
        """Return True while the transaction is open."""
        return self.active

    def _check_open(self) -> None:
        """Raise when this block's level has ended."""
        if self._finished:
            raise TransactionError("this transaction block has already committed or rolled back")
        self._entered()

    def __call__(self, fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        """Decorate an async function so each call runs in its own transaction block."""
        if not inspect.iscoroutinefunction(fn):
            raise TypeError(
                f"@ryx.transaction() decorates async functions; {getattr(fn, '__name__', fn)!r} is not one "
                f"(use @ryx.transaction_sync() for blocking code)"
            )
        alias, isolation, read_only = self.requested_alias, self.isolation, self.read_only

        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            async with Atomic(alias, isolation=isolation, read_only=read_only):
                return await fn(*args, **kwargs)

        return wrapper

    def __repr__(self) -> str:
        """Return the alias, depth and state."""
        if self._frame is None:
            return f"<ryx.transaction alias={self.requested_alias!r} (not entered)>"
        state = "active" if self.active else "finished"
        return f"<ryx.transaction alias={self.alias!r} depth={self.depth} {state}>"


async def _run_callbacks(callbacks: list[Callback]) -> None:
    """Run on-commit callbacks in order, awaiting async ones."""
    for callback in callbacks:
        result = callback()
        if inspect.isawaitable(result):
            await result


@overload
def transaction(alias: Callable[P, Awaitable[R]], /) -> Callable[P, Awaitable[R]]: ...
@overload
def transaction(alias: str | None = None, *, isolation: str | None = None, read_only: bool = False) -> Atomic: ...
def transaction(
    alias: str | Callable[P, Awaitable[R]] | None = None, *, isolation: str | None = None, read_only: bool = False
) -> Atomic | Callable[P, Awaitable[R]]:
    """Open a transaction on ``alias`` (None: the default alias).

    Use it as ``async with ryx.transaction() as tx:`` or as a decorator, ``@ryx.transaction()``.
    ``isolation`` is ``"read uncommitted"``, ``"read committed"``, ``"repeatable read"`` or ``"serializable"``.
    """
    if callable(alias):
        return Atomic()(alias)
    return Atomic(alias, isolation=isolation, read_only=read_only)


atomic = transaction


class SyncAtomic(_Base):
    """Blocking ``with ryx.transaction_sync() as tx:`` block for threads with no event loop; also a decorator."""

    def __init__(self, alias: str | None = None, *, isolation: str | None = None, read_only: bool = False) -> None:
        super().__init__(alias, isolation, read_only)

    def __enter__(self) -> SyncAtomic:
        """Begin the transaction, or a savepoint in the one the thread already has open."""
        if self._frame is not None:
            raise TransactionError("this transaction block is already in use; call ryx.transaction_sync() again")
        if _current_task() is not None:
            raise RuntimeError(
                "ryx.transaction_sync() would block the running event loop: use `async with ryx.transaction()`"
            )
        name = self._resolve()
        owner = threading.get_ident()
        outer = _own_frame(name)
        if outer is not None and outer.handle.active:
            self._nested_options_check(outer)
            savepoint = _savepoint_name()
            note_transaction(f"SAVEPOINT {savepoint}", name)
            outer.handle.savepoint_sync(savepoint)
            frame = _Frame(outer.handle, owner, outer.depth + 1, savepoint)
            self._parent = outer
        else:
            note_transaction("BEGIN", name)
            handle = core.begin_sync(name, isolation=self.isolation, read_only=self.read_only)
            frame = _Frame(handle, owner, 0)
        self._push(_sync_frames, frame)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Commit (or release) on a clean exit, roll back on an exception, then restore the outer frame."""
        try:
            if exc is None:
                self._finish(commit=True)
            else:
                try:
                    self._finish(commit=False)
                except Exception as rollback_error:
                    exc.add_note(f"ryx: rolling back the transaction also failed: {rollback_error!r}")
        finally:
            self._pop(_sync_frames)
        for callback in self._settle_callbacks():
            result = callback()
            if inspect.isawaitable(result):
                from ryx.sync import run_sync

                run_sync(result)

    def _finish(self, *, commit: bool) -> None:
        """End this block's level: commit/release, or roll back (to its savepoint)."""
        frame = self._entered()
        if self._finished:
            return
        self._finished = True
        if not frame.handle.active:
            return
        _note_finish(frame, commit)
        if frame.savepoint is None:
            (frame.handle.commit_sync if commit else frame.handle.rollback_sync)()
        elif commit:
            frame.handle.release_savepoint_sync(frame.savepoint)
        else:
            frame.handle.rollback_to_sync(frame.savepoint)
            frame.handle.release_savepoint_sync(frame.savepoint)
        self._committed = commit

    def commit(self) -> None:
        """Commit now (a nested block releases its savepoint)."""
        self._finish(commit=True)

    def rollback(self) -> None:
        """Roll back now (a nested block rolls back to its savepoint)."""
        self._entered().callbacks.clear()
        self._finish(commit=False)

    def savepoint(self, name: str | None = None) -> str:
        """Create a savepoint (a generated name when None) and return its name."""
        self._check_open()
        sp = name if name is not None else _savepoint_name()
        self.handle.savepoint_sync(sp)
        return sp

    def rollback_to(self, name: str) -> None:
        """Undo the work done since the savepoint ``name``."""
        self._check_open()
        self.handle.rollback_to_sync(name)

    def release_savepoint(self, name: str) -> None:
        """Forget the savepoint ``name``, keeping its work."""
        self._check_open()
        self.handle.release_savepoint_sync(name)

    def _check_open(self) -> None:
        """Raise when this block's level has ended."""
        if self._finished:
            raise TransactionError("this transaction block has already committed or rolled back")
        self._entered()

    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]:
        """Decorate a blocking function so each call runs in its own transaction block."""
        if inspect.iscoroutinefunction(fn):
            raise TypeError(f"@ryx.transaction_sync() decorates blocking functions; use @ryx.transaction() on {fn!r}")
        alias, isolation, read_only = self.requested_alias, self.isolation, self.read_only

        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with SyncAtomic(alias, isolation=isolation, read_only=read_only):
                return fn(*args, **kwargs)

        return wrapper


def transaction_sync(alias: str | None = None, *, isolation: str | None = None, read_only: bool = False) -> SyncAtomic:
    """Open a blocking transaction on ``alias``: ``with ryx.transaction_sync() as tx:`` (no event loop needed)."""
    return SyncAtomic(alias, isolation=isolation, read_only=read_only)


TransactionContext = Atomic

__all__ = [
    "Atomic",
    "SyncAtomic",
    "TransactionContext",
    "atomic",
    "current_tx",
    "get_active_transaction",
    "in_transaction",
    "on_commit",
    "owned_aliases",
    "transaction",
    "transaction_sync",
]

"""An interactive console with top-level ``await`` (like ``python -m asyncio``) on an event loop Ryx is set up on."""

from __future__ import annotations

import ast
import asyncio
import code
import concurrent.futures
import inspect
import sys
import threading
import types
from collections.abc import Awaitable, Callable
from typing import Any

_FLAGS = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT


class AsyncConsole(code.InteractiveConsole):
    """Compiles each input with top-level await allowed and runs it as a task on ``loop`` (another thread)."""

    def __init__(self, namespace: dict[str, Any], loop: asyncio.AbstractEventLoop) -> None:
        """Read from stdin in this thread; run the code on ``loop``."""
        super().__init__(namespace, filename="<ryx shell>")
        self.compile.compiler.flags |= _FLAGS
        self.loop = loop
        self._task: asyncio.Task[Any] | None = None

    def runcode(self, code: types.CodeType) -> None:
        """Run one compiled input on the loop and wait for it (an awaited coroutine runs as a task)."""
        done: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def start() -> None:
            func = types.FunctionType(code, self.locals)
            try:
                result = func()
            except BaseException as exc:
                done.set_exception(exc)
                return
            if not inspect.iscoroutine(result):
                done.set_result(result)
                return
            task = self.loop.create_task(result)

            def copy(t: asyncio.Task[Any]) -> None:
                if t.cancelled():
                    done.set_exception(KeyboardInterrupt())
                elif (error := t.exception()) is not None:
                    done.set_exception(error)
                else:
                    done.set_result(t.result())

            task.add_done_callback(copy)
            self._task = task

        self.loop.call_soon_threadsafe(start)
        try:
            done.result()
        except SystemExit:
            raise
        except KeyboardInterrupt:
            self.write("\nKeyboardInterrupt\n")
        except BaseException:
            self.showtraceback()

    def interrupt(self) -> None:
        """Cancel the statement that is running (Ctrl-C in the main thread)."""
        task = self._task
        if task is not None and not task.done():
            self.loop.call_soon_threadsafe(task.cancel)


def interact(
    namespace: dict[str, Any],
    banner: str,
    *,
    on_start: Callable[[], Awaitable[None]],
    on_exit: Callable[[], Awaitable[None]],
) -> None:
    """Run the console until EOF or ``exit()``: the loop in this thread, the prompt in another."""
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(on_start())
        console = AsyncConsole(namespace, loop)

        def prompt() -> None:
            try:
                console.interact(banner=banner, exitmsg="")
            except SystemExit:
                pass
            finally:
                loop.call_soon_threadsafe(loop.stop)

        thread = threading.Thread(target=prompt, name="ryx-shell", daemon=True)
        thread.start()
        while True:
            try:
                loop.run_forever()
            except KeyboardInterrupt:
                console.interrupt()
                continue
            break
        loop.run_until_complete(on_exit())
    finally:
        asyncio.set_event_loop(None)
        loop.close()


async def run_source(source: str, namespace: dict[str, Any]) -> Any:
    """Run ``source`` (top-level await allowed); return the value of a final expression, else None."""
    tree = ast.parse(source, "<ryx shell -c>", "exec")
    last: ast.expr | None = None
    if tree.body and isinstance(final := tree.body[-1], ast.Expr):
        last = final.value
        tree.body.pop()
    body = compile(tree, "<ryx shell -c>", "exec", flags=_FLAGS)
    outcome = eval(body, namespace)
    if inspect.iscoroutine(outcome):
        await outcome
    if last is None:
        return None
    expr = compile(ast.Expression(last), "<ryx shell -c>", "eval", flags=_FLAGS)
    value = eval(expr, namespace)
    return await value if inspect.iscoroutine(value) else value


def displayhook(value: Any) -> None:
    """Print a value like the interactive interpreter does."""
    if value is not None:
        sys.stdout.write(f"{value!r}\n")


__all__ = ["AsyncConsole", "interact", "run_source"]

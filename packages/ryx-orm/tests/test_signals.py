"""Signals: async and sync receivers, sender filtering, propagation of errors, weak references."""

from __future__ import annotations

import gc
import threading
from typing import Any

import pytest
import ryx
from ryx import signals
from ryx.signals import Signal, receiver


class Post:
    pass


class Comment:
    pass


class SubPost(Post):
    pass


async def test_async_and_sync_receivers_run_in_connection_order() -> None:
    sig = Signal("test")
    calls: list[tuple[str, Any, dict[str, Any]]] = []

    async def first(sender: Any, **kw: Any) -> str:
        calls.append(("first", sender, kw))
        return "a"

    def second(sender: Any, **kw: Any) -> str:
        calls.append(("second", sender, kw))
        return "b"

    sig.connect(first)
    sig.connect(second)
    result = await sig.send(Post, instance=1, created=True)
    assert result == [(first, "a"), (second, "b")]
    assert calls == [
        ("first", Post, {"instance": 1, "created": True}),
        ("second", Post, {"instance": 1, "created": True}),
    ]
    assert sig.receivers == [first, second]
    assert repr(sig) == "<Signal: test>"


async def test_sender_filtering_is_by_identity() -> None:
    sig = Signal("filtered")
    seen: list[Any] = []

    def only_posts(sender: Any, **kw: Any) -> None:
        seen.append(sender)

    sig.connect(only_posts, sender=Post)
    await sig.send(Post)
    await sig.send(Comment)
    await sig.send(SubPost)  # subclasses do not match
    assert seen == [Post]
    assert sig.has_listeners(Post) and not sig.has_listeners(Comment)


async def test_receiver_errors_propagate_and_stop_the_send() -> None:
    sig = Signal("failing")
    after: list[str] = []

    async def boom(sender: Any, **kw: Any) -> None:
        raise ValueError("receiver failed")

    def later(sender: Any, **kw: Any) -> None:
        after.append("called")

    sig.connect(boom)
    sig.connect(later)
    with pytest.raises(ValueError, match="receiver failed"):
        await sig.send(Post)
    assert after == []
    results = await sig.send_robust(Post)
    assert isinstance(results[0][1], ValueError)
    assert results[1] == (later, None)
    assert after == ["called"]


async def test_weak_and_strong_references() -> None:
    sig = Signal("weak")
    seen: list[str] = []

    def make(tag: str) -> Any:
        def fn(sender: Any, **kw: Any) -> None:
            seen.append(tag)

        return fn

    sig.connect(make("weak"))  # nothing else holds it
    sig.connect(make("strong"), weak=False)
    gc.collect()
    await sig.send(Post)
    assert seen == ["strong"]

    class Listener:
        def on(self, sender: Any, **kw: Any) -> None:
            seen.append("method")

    listener = Listener()
    sig.connect(listener.on)  # a bound method, held by WeakMethod
    await sig.send(Post)
    assert seen == ["strong", "strong", "method"]
    del listener
    gc.collect()
    await sig.send(Post)
    assert seen == ["strong", "strong", "method", "strong"]


async def test_connect_once_and_disconnect() -> None:
    sig = Signal("once")
    calls: list[int] = []

    def fn(sender: Any, **kw: Any) -> None:
        calls.append(1)

    sig.connect(fn)
    sig.connect(fn)
    sig.connect(fn, sender=Post)  # another sender: another connection
    await sig.send(Post)
    assert calls == [1, 1]
    assert sig.disconnect(fn) is True
    assert sig.disconnect(fn) is False
    assert sig.disconnect(fn, sender=Post) is True
    sig.connect(fn, dispatch_uid="uid")
    sig.connect(lambda sender, **kw: calls.append(2), dispatch_uid="uid", weak=False)  # same uid: ignored
    await sig.send(Comment)
    assert calls == [1, 1, 1]
    assert sig.disconnect(dispatch_uid="uid") is True
    with pytest.raises(TypeError, match="dispatch_uid"):
        sig.disconnect()


def test_non_callable_receiver_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="callable"):
        Signal("x").connect("not a function")  # type: ignore[arg-type]


async def test_receiver_decorator_with_one_or_several_signals() -> None:
    a, b = Signal("a"), Signal("b")
    got: list[str] = []

    @receiver([a, b], sender=Post)
    async def handler(sender: Any, **kw: Any) -> None:
        got.append(kw["tag"])

    @receiver(a)
    def plain(sender: Any, **kw: Any) -> None:
        got.append("plain")

    await a.send(Post, tag="a")
    await b.send(Post, tag="b")
    await b.send(Comment, tag="ignored")
    assert got == ["a", "plain", "b"]
    assert handler.__name__ == "handler"


def test_blocking_send_runs_async_receivers_without_a_loop() -> None:
    sig = Signal("blocking")

    async def async_receiver(sender: Any, **kw: Any) -> int:
        return 1

    def sync_receiver(sender: Any, **kw: Any) -> int:
        return 2

    sig.connect(async_receiver)
    sig.connect(sync_receiver)
    out: list[Any] = []
    thread = threading.Thread(target=lambda: out.append(sig.send_sync(Post)))
    thread.start()
    thread.join()
    assert out == [[(async_receiver, 1), (sync_receiver, 2)]]


def test_builtin_signals() -> None:
    names = [
        "pre_save",
        "post_save",
        "pre_delete",
        "post_delete",
        "pre_update",
        "post_update",
        "pre_bulk_delete",
        "post_bulk_delete",
    ]
    for name in names:
        sig = getattr(ryx, name)
        assert sig is getattr(signals, name)
        assert isinstance(sig, Signal) and sig.name == name
    assert signals.pre_bulk_create.name == "pre_bulk_create"
    assert signals.post_bulk_create.name == "post_bulk_create"


# ------------------------------------------------------------------------- the signals models send


class SigArticle(ryx.Model):
    title = ryx.CharField(max_length=50)
    views = ryx.IntField(default=0)


@pytest.fixture
async def articles(db: str) -> Any:
    from support import tables

    async with tables(SigArticle):
        yield SigArticle


async def test_model_writes_send_the_builtin_signals(articles: Any) -> None:
    log: list[tuple[str, Any]] = []

    def record(name: str) -> Any:
        def fn(sender: Any, **kw: Any) -> None:
            log.append((name, {k: v for k, v in kw.items() if k in ("created", "updated_count", "deleted_count")}))

        return fn

    handlers = {name: record(name) for name in ("pre_save", "post_save", "pre_delete", "post_delete")}
    handlers |= {name: record(name) for name in ("pre_update", "post_update", "pre_bulk_delete", "post_bulk_delete")}
    for name, fn in handlers.items():
        getattr(signals, name).connect(fn, sender=SigArticle)
    try:
        article = await SigArticle.objects.create(title="a")
        article.views = 3
        await article.save()
        await SigArticle.objects.filter(title="a").update(views=5)
        await SigArticle.objects.create(title="b")
        await SigArticle.objects.filter(title="b").delete()
        await article.delete()
    finally:
        for name, fn in handlers.items():
            getattr(signals, name).disconnect(fn, sender=SigArticle)
    assert log == [
        ("pre_save", {"created": True}),
        ("post_save", {"created": True}),
        ("pre_save", {"created": False}),
        ("post_save", {"created": False}),
        ("pre_update", {}),
        ("post_update", {"updated_count": 1}),
        ("pre_save", {"created": True}),
        ("post_save", {"created": True}),
        ("pre_bulk_delete", {}),
        ("post_bulk_delete", {"deleted_count": 1}),
        ("pre_delete", {}),
        ("post_delete", {}),
    ]


async def test_failing_pre_save_receiver_stops_the_save(articles: Any) -> None:
    async def veto(sender: Any, instance: Any, **kw: Any) -> None:
        if instance.title == "forbidden":
            raise PermissionError("no forbidden titles")

    signals.pre_save.connect(veto, sender=SigArticle)
    try:
        with pytest.raises(PermissionError, match="forbidden"):
            await SigArticle.objects.create(title="forbidden")
        await SigArticle.objects.create(title="fine")
    finally:
        signals.pre_save.disconnect(veto, sender=SigArticle)
    assert [a.title for a in await SigArticle.objects.all()] == ["fine"]

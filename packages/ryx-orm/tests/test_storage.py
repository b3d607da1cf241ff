"""Storage backends (names, no overwrite, traversal and symlink refusal, threads) and the default storage."""

from __future__ import annotations

import io
import os
import threading
from pathlib import Path
from typing import Any

import pytest
import ryx
from ryx.exceptions import ConfigurationError
from ryx.storage import (
    FileSystemStorage,
    InMemoryStorage,
    Storage,
    SuspiciousFileOperation,
    clear_storage,
    configure_storage,
    default_storage,
    get_storage,
    storage_from_config,
)

BAD_NAMES = ["", " a.txt", "/etc/passwd", "../x.txt", "a/../../x.txt", "a/./b.txt", "a//b.txt", "a\\b.txt",
             "a\x00b", "C:/x.txt", "a/"]  # fmt: skip


def leftovers(root: Path) -> list[Path]:
    """Return the files under ``root`` (blocking; test helper)."""
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture(params=["filesystem", "memory"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "filesystem":
        return FileSystemStorage(tmp_path / "media", base_url="/files/")
    return InMemoryStorage(base_url="/files/")


@pytest.fixture(autouse=True)
def _reset_default_storage() -> Any:
    clear_storage()
    yield
    clear_storage()


async def test_save_open_exists_size_delete(storage: Storage) -> None:
    assert not await storage.exists("docs/a.txt")
    name = await storage.save("docs/a.txt", b"hello")
    assert name == "docs/a.txt"
    assert await storage.exists(name)
    assert await storage.open(name) == b"hello"
    assert await storage.size(name) == 5
    assert storage.url(name) == "/files/docs/a.txt"
    await storage.delete(name)
    assert not await storage.exists(name)
    await storage.delete(name)  # idempotent
    with pytest.raises(FileNotFoundError):
        await storage.open(name)
    with pytest.raises(FileNotFoundError):
        await storage.size(name)


async def test_save_never_overwrites(storage: Storage) -> None:
    first = await storage.save("a.tar.gz", b"one")
    second = await storage.save("a.tar.gz", b"two")
    assert first == "a.tar.gz"
    assert second != first
    assert second.startswith("a.tar_") and second.endswith(".gz")
    assert len(second) == len("a.tar_1234567.gz")
    assert await storage.open(first) == b"one"
    assert await storage.open(second) == b"two"
    assert await storage.get_available_name("a.tar.gz") not in (first, second)
    assert await storage.get_available_name("free.txt") == "free.txt"


async def test_available_name_respects_max_length(storage: Storage) -> None:
    await storage.save("dir/long_stem_name.txt", b"x")
    name = await storage.save("dir/long_stem_name.txt", b"y", max_length=22)
    assert len(name) <= 22 and name.startswith("dir/") and name.endswith(".txt")
    with pytest.raises(SuspiciousFileOperation, match="longer than 12"):
        await storage.save("dir/long_stem_name.txt", b"z", max_length=12)
    await storage.save("dir/ab.txt", b"1", max_length=12)
    with pytest.raises(SuspiciousFileOperation, match=r"no free name .* fits in 12"):
        await storage.save("dir/ab.txt", b"2", max_length=12)
    assert await storage.open("dir/ab.txt") == b"1"


@pytest.mark.parametrize("name", BAD_NAMES)
async def test_unsafe_names_are_refused_and_nothing_is_written(storage: Storage, name: str, tmp_path: Path) -> None:
    with pytest.raises(SuspiciousFileOperation):
        await storage.save(name, b"x")
    with pytest.raises(SuspiciousFileOperation):
        await storage.open(name)
    with pytest.raises(SuspiciousFileOperation):
        await storage.delete(name)
    assert await storage.listdir() == []
    assert not leftovers(tmp_path)


async def test_name_of_wrong_type_is_a_type_error(storage: Storage) -> None:
    with pytest.raises(TypeError, match="must be a str"):
        await storage.save(b"a.txt", b"x")  # type: ignore[arg-type]


async def test_file_like_content_and_listdir(storage: Storage) -> None:
    await storage.save("d/one.bin", io.BytesIO(b"\x00" * 200_000))
    await storage.save("d/sub/two.bin", bytearray(b"2"))
    await storage.save("top.bin", memoryview(b"3"))
    assert await storage.size("d/one.bin") == 200_000
    assert await storage.listdir() == [("d", "dir"), ("top.bin", "file")]
    assert await storage.listdir("d") == [("one.bin", "file"), ("sub", "dir")]
    assert await storage.listdir("d/sub/") == [("two.bin", "file")]
    assert await storage.listdir("nothing") == []


async def test_text_content_is_refused_without_leaving_a_file(storage: Storage) -> None:
    with pytest.raises(TypeError, match="binary"):
        await storage.save("t.txt", io.StringIO("text"))
    with pytest.raises(TypeError, match="bytes or a binary file-like"):
        await storage.save("t.txt", 42)  # type: ignore[arg-type]
    assert await storage.listdir() == []


async def test_blocking_reads_run_in_a_worker_thread(storage: Storage) -> None:
    loop_thread = threading.get_ident()
    seen: list[int] = []

    class Source(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            seen.append(threading.get_ident())
            return super().read(size)

    await storage.save("threaded.bin", Source(b"abc"))
    assert seen and loop_thread not in seen
    assert await storage.open("threaded.bin") == b"abc"


async def test_filesystem_storage_refuses_symlink_escapes(tmp_path: Path) -> None:
    root = tmp_path / "media"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"secret")
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "file_link").symlink_to(outside / "secret.txt")
    storage = FileSystemStorage(root)
    for name in ("link/secret.txt", "link/new.txt", "file_link"):
        with pytest.raises(SuspiciousFileOperation, match="outside the storage root"):
            await storage.open(name)
    with pytest.raises(SuspiciousFileOperation):
        await storage.save("link/new.txt", b"x")
    with pytest.raises(SuspiciousFileOperation):
        await storage.delete("file_link")
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_bytes() == b"secret"


async def test_filesystem_storage_paths_permissions_and_urls(tmp_path: Path) -> None:
    storage = FileSystemStorage(tmp_path / "m", base_url="https://cdn.example/m", file_permissions=0o600)
    name = await storage.save("a b/ü.txt", b"x")
    assert storage.path(name) == str(tmp_path / "m" / "a b" / "ü.txt")
    assert (os.stat(storage.path(name)).st_mode & 0o777) == 0o600
    assert storage.url(name) == "https://cdn.example/m/a%20b/%C3%BC.txt"
    with pytest.raises(TypeError, match="file_permissions"):
        FileSystemStorage(tmp_path, file_permissions="644")  # type: ignore[arg-type]


async def test_in_memory_storage_has_no_path() -> None:
    storage = InMemoryStorage()
    with pytest.raises(NotImplementedError):
        storage.path("a.txt")


async def test_concurrent_saves_of_one_name_keep_every_file(tmp_path: Path) -> None:
    import asyncio

    storage = FileSystemStorage(tmp_path)
    names = await asyncio.gather(*(storage.save("same.txt", str(i).encode()) for i in range(8)))
    assert len(set(names)) == 8
    assert sorted([await storage.open(n) for n in names]) == sorted(str(i).encode() for i in range(8))


def test_default_storage_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RYX_STORAGE_ROOT", str(tmp_path / "env"))
    monkeypatch.setenv("RYX_STORAGE_BASE_URL", "/env/")
    storage = get_storage()
    assert isinstance(storage, FileSystemStorage)
    assert storage.root == tmp_path / "env"
    assert storage.base_url == "/env/"
    assert default_storage() is storage is ryx.get_storage() is ryx.default_storage()
    clear_storage()
    monkeypatch.delenv("RYX_STORAGE_ROOT")
    monkeypatch.delenv("RYX_STORAGE_BASE_URL")
    storage = get_storage()
    assert isinstance(storage, FileSystemStorage)
    assert storage.root == Path("media").absolute()
    assert storage.base_url == "/media/"


def test_configure_storage() -> None:
    memory = InMemoryStorage()
    assert configure_storage(memory) is memory
    assert get_storage() is memory
    configured = ryx.configure_storage({"backend": "in_memory", "base_url": "/m/"})
    assert isinstance(configured, InMemoryStorage) and get_storage() is configured
    with pytest.raises(TypeError, match="configure_storage"):
        configure_storage("memory")  # type: ignore[arg-type]
    assert get_storage() is configured  # unchanged by the bad call
    assert configure_storage(None) is None
    assert get_storage() is not configured


@pytest.mark.parametrize(
    ("config", "kind"),
    [
        ({}, FileSystemStorage),
        ({"backend": "local", "root": "up", "base_url": "/u/"}, FileSystemStorage),
        ({"backend": "LOCAL", "file_permissions": "640"}, FileSystemStorage),
        ({"backend": "memory"}, InMemoryStorage),
        ({"backend": "inmemory"}, InMemoryStorage),
        ({"backend": "in_memory"}, InMemoryStorage),
    ],
)
def test_storage_from_config(config: dict[str, Any], kind: type) -> None:
    storage = storage_from_config(config)
    assert type(storage) is kind
    if "root" in config:
        assert isinstance(storage, FileSystemStorage)
        assert storage.root == Path("up").absolute() and storage.base_url == "/u/"
    if "file_permissions" in config:
        assert isinstance(storage, FileSystemStorage) and storage.file_permissions == 0o640


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"backend": "s3"}, "unknown storage backend 's3'; use 'local' or 'memory'"),
        ({"bucket": "x"}, "unknown \\[storage\\] keys \\['bucket'\\]"),
        ({"base_url": 3}, "base_url must be a string"),
        ({"root": 3}, "root must be a path string"),
        ({"file_permissions": "rw"}, "octal"),
        ("memory", "must be a table"),
    ],
)
def test_bad_storage_config_is_a_configuration_error(config: Any, message: str) -> None:
    before = get_storage()
    with pytest.raises(ConfigurationError, match=message):
        configure_storage(config) if isinstance(config, dict) else storage_from_config(config)
    assert get_storage() is before

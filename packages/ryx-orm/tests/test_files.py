"""FileField and ImageField on a real database: staging, writes in save, cleanup on failure and delete, bulk, images."""

from __future__ import annotations

import io
import struct
import sys
import threading
import types
import zlib
from pathlib import Path
from typing import Any

import pytest
import ryx
from ryx import fields as f
from ryx.exceptions import DoesNotExist, FieldError, IntegrityError, ValidationError
from ryx.files import FieldFile, header_size, image_format
from ryx.models import Model
from ryx.storage import FileSystemStorage, InMemoryStorage, configure_storage
from support import create_tables, drop_tables, unique_name

MEMORY = InMemoryStorage(base_url="/m/")


def by_year(instance: Any, filename: str) -> str:
    return f"by/{instance.title}/{filename}"


class Doc(Model):
    title = f.CharField(max_length=50, unique=True)
    upload = f.FileField(upload_to="docs/", storage=MEMORY, max_length=60)
    extra = f.FileField(upload_to=by_year, storage=MEMORY, null=True, blank=True)

    class Meta:
        table_name = unique_name("doc")


class Photo(Model):
    image = f.ImageField(
        upload_to="img", storage=MEMORY, width_field="width", height_field="height", null=True, blank=True
    )
    width = f.IntField(null=True)
    height = f.IntField(null=True)

    class Meta:
        table_name = unique_name("photo")


def png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + b"\0" * 16


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\0" * 8


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def webp(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    body = b"VP8L" + struct.pack("<I", 5) + b"\x2f" + struct.pack("<I", bits)
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


@pytest.fixture
async def docs(db: str) -> Any:
    MEMORY.files.clear()
    await create_tables(Doc, Photo)
    yield db
    await drop_tables(Doc, Photo)
    MEMORY.files.clear()


def read_local(path: Any) -> bytes:
    """Read a local file (blocking; test helper)."""
    with open(path, "rb") as handle:
        return handle.read()


async def stored_names(model: Any, column: str) -> list[Any]:
    return sorted(await model.objects.order_by("id").values_list(column, flat=True), key=str)


# ------------------------------------------------------------------------------------------------ values


def test_db_type_deconstruct_and_lookups() -> None:
    field = Doc._meta.get_field("upload")
    assert field.db_type() == "VARCHAR(60)"
    info = field.deconstruct()
    assert info["db_type"] == "VARCHAR(60)" and info["max_length"] == 60 and info["upload_to"] == "docs/"
    assert {"exact", "in", "isnull"} <= field.lookups


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"upload_to": 3}, "upload_to must be a str prefix or a callable"),
        ({"storage": "media"}, "storage must be a Storage"),
        ({"max_length": 0}, "max_length must be >= 1"),
    ],
)
def test_bad_field_options(kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises((TypeError, ValueError), match=error):
        f.FileField(**kwargs)


def test_assignment_stages_without_touching_storage() -> None:
    MEMORY.files.clear()
    doc = Doc(title="a", upload=b"abc")
    assert isinstance(doc.upload, FieldFile)
    assert not doc.upload.committed and doc.upload.instance is doc
    assert doc.upload.name is not None and doc.upload.name.startswith("file_") and len(doc.upload.name) == 12
    doc.upload = io.BytesIO(b"x")
    assert doc.upload.name.startswith("file_")
    buffer = io.BytesIO(b"x")
    buffer.name = "C:\\Users\\me\\report.pdf"
    doc.upload = buffer
    assert doc.upload.name == "report.pdf"
    doc.upload = "docs/already.txt"
    assert doc.upload.committed and doc.upload == "docs/already.txt" and bool(doc.upload)
    assert doc.upload.url == "/m/docs/already.txt"
    for empty in (None, ""):
        doc.upload = empty
        assert doc.upload is None
        assert doc.__dict__["upload"] == ""  # NOT NULL column: no file is the empty string
        doc.extra = empty
        assert doc.__dict__["extra"] is None
    assert MEMORY.files == {}


@pytest.mark.parametrize("value", [123, 1.5, ["a"], "../etc/passwd", "/abs.txt", object()])
def test_bad_assignments_raise_validation_error_and_change_nothing(value: Any) -> None:
    doc = Doc(title="a", upload="docs/kept.txt")
    with pytest.raises(ValidationError) as info:
        doc.upload = value
    assert "upload" in str(info.value) or "file name" in str(info.value)
    assert doc.upload == "docs/kept.txt"


# ------------------------------------------------------------------------------------------------ saving


async def test_save_writes_staged_content_under_upload_to(docs: str) -> None:
    doc = Doc(title="a", upload=b"hello")
    await doc.save()
    assert doc.upload.committed
    assert doc.upload.name.startswith("docs/file_")
    assert MEMORY.files == {doc.upload.name: b"hello"}
    assert await stored_names(Doc, "upload") == [doc.upload.name]
    loaded = await Doc.objects.get(pk=doc.pk)
    assert isinstance(loaded.upload, FieldFile) and loaded.upload == doc.upload
    assert await loaded.upload.read() == b"hello"
    assert await loaded.upload.open() == b"hello"
    assert await loaded.upload.size() == 5 and await loaded.upload.exists()
    assert loaded.upload.url == f"/m/{doc.upload.name}"
    assert loaded.extra is None
    with pytest.raises(NotImplementedError):
        _ = loaded.upload.path


async def test_file_objects_keep_their_name_and_collisions_get_new_names(docs: str, tmp_path: Path) -> None:
    source = tmp_path / "report.txt"
    source.write_bytes(b"one")
    with source.open("rb") as handle:
        first = await Doc.objects.create(title="a", upload=handle)
    with source.open("rb") as handle:
        second = await Doc.objects.create(title="b", upload=handle, extra=b"e")
    assert first.upload.name == "docs/report.txt"
    assert second.upload.name.startswith("docs/report_") and second.upload.name.endswith(".txt")
    assert second.extra.name.startswith("by/b/file_")
    assert MEMORY.files[first.upload.name] == MEMORY.files[second.upload.name] == b"one"
    assert len(MEMORY.files) == 3


async def test_stored_name_is_not_written(docs: str) -> None:
    doc = await Doc.objects.create(title="a", upload="docs/elsewhere.pdf")
    assert MEMORY.files == {}
    assert (await Doc.objects.get(pk=doc.pk)).upload == "docs/elsewhere.pdf"
    assert await Doc.objects.filter(upload="docs/elsewhere.pdf").count() == 1
    assert await Doc.objects.filter(upload__in=[doc.upload, "x"]).count() == 1
    assert await Doc.objects.filter(extra__isnull=True).count() == 1


async def test_failed_insert_removes_the_written_file_and_can_be_retried(docs: str) -> None:
    await Doc.objects.create(title="taken", upload=b"first")
    before = dict(MEMORY.files)
    doc = Doc(title="taken", upload=b"second", extra=b"extra")
    with pytest.raises(IntegrityError):
        await doc.save()
    assert MEMORY.files == before
    assert not doc.upload.committed and not doc.extra.committed
    assert await doc.upload.read() == b"second"
    doc.title = "free"
    await doc.save()
    assert MEMORY.files[doc.upload.name] == b"second"
    assert MEMORY.files[doc.extra.name] == b"extra"
    assert await Doc.objects.count() == 2


async def test_failed_update_removes_the_written_file(docs: str) -> None:
    doc = await Doc.objects.create(title="a", upload=b"old")
    old = doc.upload.name
    await Doc.objects.filter(pk=doc.pk).delete()
    doc.upload = b"new"
    with pytest.raises(DoesNotExist):
        await doc.save()
    assert MEMORY.files == {old: b"old"}


async def test_validation_failure_writes_nothing(docs: str) -> None:
    with pytest.raises(ValidationError, match="requires a file"):
        await Doc.objects.create(title="a")
    with pytest.raises(ValidationError, match="at most 50 characters"):
        await Doc.objects.create(title="x" * 51, upload=b"data")
    assert MEMORY.files == {} and await Doc.objects.count() == 0


async def test_pre_save_receiver_error_writes_nothing(docs: str) -> None:
    async def refuse(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("refused")

    ryx.pre_save.connect(refuse, sender=Doc)
    try:
        with pytest.raises(RuntimeError, match="refused"):
            await Doc.objects.create(title="a", upload=b"data")
    finally:
        ryx.pre_save.disconnect(refuse, sender=Doc)
    assert MEMORY.files == {}


async def test_text_file_is_refused_at_save_without_leftovers(docs: str) -> None:
    doc = Doc(title="a", upload=b"ok", extra=io.StringIO("text"))
    with pytest.raises(TypeError, match="binary"):
        await doc.save()
    assert MEMORY.files == {} and await Doc.objects.count() == 0


async def test_long_upload_to_does_not_fit(docs: str) -> None:
    doc = Doc(title="a", upload=io.BytesIO(b"x"))
    doc.upload.name = "n" * 70 + ".txt"
    with pytest.raises(ryx.storage.SuspiciousFileOperation, match="longer than 60"):
        await doc.save()
    assert MEMORY.files == {} and await Doc.objects.count() == 0


async def test_update_fields_writes_only_those_files(docs: str) -> None:
    doc = await Doc.objects.create(title="a", upload=b"1")
    doc.upload = b"2"
    doc.extra = b"3"
    await doc.save(update_fields=["extra"])
    assert not doc.upload.committed and doc.extra.committed
    assert sorted(MEMORY.files.values()) == [b"1", b"3"]


async def test_queryset_update_refuses_staged_content(docs: str) -> None:
    doc = await Doc.objects.create(title="a", upload=b"1")
    with pytest.raises(ValidationError, match="not stored yet"):
        await Doc.objects.filter(pk=doc.pk).update(upload=FieldFile.staged(Doc._meta.get_field("upload"), "x", b"x"))
    with pytest.raises(ValidationError):
        await Doc.objects.filter(pk=doc.pk).update(upload=b"raw")
    assert (await Doc.objects.get(pk=doc.pk)).upload == doc.upload
    assert await Doc.objects.filter(pk=doc.pk).update(upload="docs/other.txt") == 1


async def test_content_is_read_off_the_event_loop(docs: str) -> None:
    seen: list[int] = []

    class Source(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            seen.append(threading.get_ident())
            return super().read(size)

    await Doc.objects.create(title="a", upload=Source(b"abc"))
    assert seen and threading.get_ident() not in seen


async def test_filesystem_storage_round_trip(docs: str, tmp_path: Path) -> None:
    configure_storage(FileSystemStorage(tmp_path / "media", "/media/"))
    try:

        class OnDisk(Model):
            upload = f.FileField(upload_to="up")

            class Meta:
                table_name = unique_name("ondisk")

        await create_tables(OnDisk)
        try:
            obj = await OnDisk.objects.create(upload=b"disk")
            assert read_local(obj.upload.path) == b"disk"
            assert obj.upload.path.startswith(str(tmp_path / "media" / "up"))
            assert read_local(obj.upload) == b"disk"  # FieldFile is os.PathLike on a local storage
            await obj.delete()
            assert not Path(tmp_path / "media" / "up").joinpath(Path(obj.upload.name).name).exists()
        finally:
            await drop_tables(OnDisk)
    finally:
        configure_storage(None)


# ------------------------------------------------------------------------------------------------ deleting


async def test_delete_removes_the_file(docs: str) -> None:
    doc = await Doc.objects.create(title="a", upload=b"1", extra=b"2")
    await doc.delete()
    assert MEMORY.files == {}


async def test_delete_inside_a_transaction_removes_the_file_after_commit(docs: str) -> None:
    doc = await Doc.objects.create(title="a", upload=b"1")
    async with ryx.transaction():
        await doc.delete()
        assert MEMORY.files != {}  # not yet: the deletion may still roll back
    assert MEMORY.files == {}


async def test_rolled_back_delete_keeps_the_file(docs: str) -> None:
    doc = await Doc.objects.create(title="a", upload=b"1")
    name = doc.upload.name
    with pytest.raises(RuntimeError):
        async with ryx.transaction():
            await doc.delete()
            raise RuntimeError("undo")
    assert MEMORY.files == {name: b"1"}
    assert await Doc.objects.filter(upload=name).count() == 1


async def test_fieldfile_delete_and_save(docs: str) -> None:
    doc = await Doc.objects.create(title="a", upload=b"1", extra=b"2")
    old = doc.extra.name
    await doc.extra.delete()
    assert doc.extra is None and old not in MEMORY.files
    assert (await Doc.objects.get(pk=doc.pk)).extra is None
    with pytest.raises(ValidationError, match="requires a file"):
        await doc.upload.delete()  # upload is required: the UPDATE is refused, the file stays
    assert doc.upload.name in MEMORY.files
    assert (await Doc.objects.get(pk=doc.pk)).upload == doc.upload
    doc2 = Doc(title="b", upload="docs/x.txt")
    await doc2.save()
    await doc2.upload.save("new name.bin", b"content")
    assert doc2.upload.name == "docs/new name.bin" and MEMORY.files[doc2.upload.name] == b"content"
    assert (await Doc.objects.get(pk=doc2.pk)).upload == "docs/new name.bin"
    unsaved = Doc(title="c", upload="docs/y.txt")
    await unsaved.upload.save("z.bin", b"z", save=False)
    assert not unsaved.upload.committed and unsaved.pk is None
    await unsaved.save()
    assert MEMORY.files[unsaved.upload.name] == b"z"


# ------------------------------------------------------------------------------------------------ bulk


async def test_bulk_create_writes_files_and_cleans_up_on_failure(docs: str) -> None:
    objs = await Doc.objects.bulk_create([Doc(title=str(i), upload=f"c{i}".encode()) for i in range(3)])
    assert sorted(MEMORY.files.values()) == [b"c0", b"c1", b"c2"]
    assert await stored_names(Doc, "upload") == sorted(o.upload.name for o in objs)
    before = dict(MEMORY.files)
    clash = [Doc(title="new", upload=b"n1"), Doc(title="0", upload=b"n2")]
    with pytest.raises(IntegrityError):
        await ryx.bulk_create(Doc, clash)
    assert MEMORY.files == before
    assert all(not o.upload.committed for o in clash)


async def test_bulk_update_writes_files(docs: str) -> None:
    objs = await Doc.objects.bulk_create([Doc(title=str(i), upload=b"old") for i in range(2)])
    for obj in objs:
        obj.upload = b"new"
    assert await ryx.bulk_update(Doc, objs, ["upload"]) == 2
    names = await stored_names(Doc, "upload")
    assert sorted(MEMORY.files[n] for n in names) == [b"new", b"new"]


# ------------------------------------------------------------------------------------------------ images


@pytest.mark.parametrize(
    ("data", "kind", "size"),
    [(png(3, 2), "PNG", (3, 2)), (gif(7, 5), "GIF", (7, 5)), (jpeg(640, 480), "JPEG", (640, 480)),
     (webp(33, 17), "WEBP", (33, 17))],
)  # fmt: skip
def test_header_sniffing(data: bytes, kind: str, size: tuple[int, int]) -> None:
    assert image_format(data) == kind
    assert header_size(data) == size
    assert header_size(data[:9]) is None


@pytest.mark.parametrize(("maker", "ext"), [(png, ".png"), (gif, ".gif"), (jpeg, ".jpg"), (webp, ".webp")])
async def test_image_dimensions_are_filled(docs: str, maker: Any, ext: str) -> None:
    photo = await Photo.objects.create(image=maker(40, 30))
    assert (photo.width, photo.height) == (40, 30)
    assert photo.image.name.startswith("img/file_") and photo.image.name.endswith(ext)
    loaded = await Photo.objects.get(pk=photo.pk)
    assert (loaded.width, loaded.height) == (40, 30)
    loaded.image = None
    await loaded.save()
    assert (loaded.width, loaded.height) == (None, None)


async def test_not_an_image_is_refused(docs: str) -> None:
    photo = Photo(image=png(1, 1))
    with pytest.raises(ValidationError, match="not a PNG, JPEG, GIF or WEBP image"):
        photo.image = b"%PDF-1.7 not an image"
    assert photo.image is not None and photo.image.name.endswith(".png")
    with pytest.raises(ValidationError, match="not a PNG, JPEG, GIF or WEBP image"):
        await Photo.objects.create(image=io.BytesIO(b"GIF90a fake"))
    with pytest.raises(ValidationError, match="truncated or corrupt"):
        await Photo.objects.create(image=b"\xff\xd8\xff\xe0 truncated jpeg")
    assert MEMORY.files == {} and await Photo.objects.count() == 0


async def test_pillow_is_used_when_installed(docs: str, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[bytes] = []

    class FakeImage:
        size = (111, 222)

        def __enter__(self) -> FakeImage:
            return self

        def __exit__(self, *exc: Any) -> None:
            return None

    def open_image(buffer: io.BytesIO) -> FakeImage:
        opened.append(buffer.getvalue())
        return FakeImage()

    pil = types.ModuleType("PIL")
    image_module = types.ModuleType("PIL.Image")
    image_module.open = open_image  # type: ignore[attr-defined]
    pil.Image = image_module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "PIL", pil)
    monkeypatch.setitem(sys.modules, "PIL.Image", image_module)
    photo = await Photo.objects.create(image=png(3, 2))
    assert (photo.width, photo.height) == (111, 222)
    assert opened == [png(3, 2)]


async def test_dimension_field_typo_is_a_field_error(docs: str) -> None:
    class Broken(Model):
        image = f.ImageField(storage=MEMORY, width_field="widht")
        width = f.IntField(null=True)

        class Meta:
            table_name = unique_name("broken")

    await create_tables(Broken)
    try:
        with pytest.raises(FieldError, match="width_field='widht' is not a field"):
            await Broken.objects.create(image=png(2, 2))
        assert MEMORY.files == {} and await Broken.objects.count() == 0
    finally:
        await drop_tables(Broken)

"""core/images.py: one guard, with one lock, around Pillow's process-wide LOAD_TRUNCATED_IMAGES.

WeasyPrint sets the flag True when imported; the slide renderer and the photo uploads must still
refuse a cut-off file, and must leave the flag as they found it, even when both decode at once."""

import io
import threading

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from boards.rendering import load_picture
from core.images import truncated_images_refused
from inquiries.uploads import clean_photo

WAIT = 0.5  # how long a thread inside the guard gives the other one to get in as well


def _encoded(fmt, size=(300, 200), seed=0):
    pixels = np.random.default_rng(seed).integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def weasyprint_flag(monkeypatch):
    """The flag as WeasyPrint leaves it (set back after the test)."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)


def test_a_truncated_png_is_refused_inside_the_guard_and_the_flag_restored(weasyprint_flag):
    data = _encoded("PNG")
    cut = data[: len(data) // 2]
    with Image.open(io.BytesIO(cut)) as image:
        image.load()  # outside the guard Pillow, told so, half-decodes it: the test file is a real case
    with truncated_images_refused():
        assert ImageFile.LOAD_TRUNCATED_IMAGES is False
        with Image.open(io.BytesIO(cut)) as image, pytest.raises(OSError, match="truncated"):
            image.load()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_the_flag_is_restored_after_an_error_and_when_nested(weasyprint_flag):
    with pytest.raises(RuntimeError), truncated_images_refused():
        raise RuntimeError("decoding failed")
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    with truncated_images_refused():
        with truncated_images_refused():  # re-entrant: no deadlock in the same thread
            assert ImageFile.LOAD_TRUNCATED_IMAGES is False
        assert ImageFile.LOAD_TRUNCATED_IMAGES is False  # the inner exit does not restore True early
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True


def test_a_render_and_an_upload_decoding_at_once_keep_the_flag_right(tmp_path, monkeypatch, weasyprint_flag):
    """A board's picture (boards/rendering.py) and a citizen's photo (inquiries/uploads.py)
    decoded in two threads at the same moment. Pillow's load() is wrapped to hold whichever
    thread decodes first inside its guard until the other has got in too (or WAIT has passed)
    and to hold the second until the first has finished. With one lock the second waits for
    the first, and both decode with the flag False. With a lock per module (the old design) both
    got in: the second saved the False set by the first, the first restored True while the second
    was still decoding, and the second then restored False for good."""
    picture = tmp_path / "anh.jpg"
    picture.write_bytes(_encoded("JPEG", seed=1))
    photo = _encoded("JPEG", seed=2)

    original_load = ImageFile.ImageFile.load
    local = threading.local()
    order, seen, errors = [], {}, []
    order_lock = threading.Lock()
    second_inside, first_done = threading.Event(), threading.Event()

    def load(self):
        if getattr(local, "name", None) is None or getattr(local, "held", False):
            return original_load(self)  # the main thread, or a later call (already decoded)
        local.held = True
        with order_lock:
            first = not order
            order.append(local.name)
        at_entry = ImageFile.LOAD_TRUNCATED_IMAGES
        if first:
            second_inside.wait(WAIT)
        else:
            second_inside.set()
            first_done.wait(WAIT)
        seen[local.name] = (at_entry, ImageFile.LOAD_TRUNCATED_IMAGES)
        return original_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    start = threading.Barrier(2)

    def run(name, work):
        local.name = name
        try:
            start.wait()
            work()
        except Exception as exc:  # noqa: BLE001 - re-raised in the test's thread below
            errors.append((name, exc))
        finally:
            first_done.set()

    threads = [
        threading.Thread(target=run, args=("render", lambda: load_picture(str(picture), 64, 48))),
        threading.Thread(target=run, args=("upload", lambda: clean_photo(SimpleUploadedFile("anh.jpg", photo)))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    assert sorted(order) == ["render", "upload"]
    # Inside each guard the flag was False when decoding began and stayed False throughout.
    assert seen == {"render": (False, False), "upload": (False, False)}
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # as WeasyPrint left it


def test_two_threads_in_the_guard_at_once(weasyprint_flag):
    """The guard alone: two threads try to hold it at the same moment; they take turns."""
    inside, lock = [], threading.Lock()
    start = threading.Barrier(2)
    flags = []

    def run():
        start.wait()
        with truncated_images_refused():
            with lock:
                inside.append(1)
                overlap = len(inside) > 1
            flags.append((ImageFile.LOAD_TRUNCATED_IMAGES, overlap))
            threading.Event().wait(0.05)  # long enough for the other to get in if it could
            flags.append((ImageFile.LOAD_TRUNCATED_IMAGES, overlap))
            with lock:
                inside.pop()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert flags == [(False, False)] * 4
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True

"""Decoding pictures that others send us: a cut-off file is refused, never half-decoded.

    with truncated_images_refused():
        image.load()

Pillow decides what to do with a truncated file from one process-wide flag,
``PIL.ImageFile.LOAD_TRUNCATED_IMAGES``. WeasyPrint, imported for the PDFs (inquiry reports,
printed pages), sets it to True when imported, for good, in the whole process; from then on a
picture whose upload was cut off would load as a half-grey image instead of failing. The
boards' slide renderer (boards/rendering.py) and the citizens' photo uploads
(inquiries/uploads.py) decode inside ``truncated_images_refused()``, which sets the flag to False
and puts back what it found.

Why one guard with one lock: the flag is shared by every thread, so every save-and-restore of it
must be serialised by the same lock. With a lock per caller, a render (A) and an upload (B) at
the same moment interleave as: A saves True and sets False, B saves False, A restores True
while B is still decoding (B's cut-off file gets through), B restores False (WeasyPrint's
setting is lost for good). The lock is re-entrant, so a guarded helper called from inside the
guard does not deadlock; the inner exit puts back False and only the outermost one restores.

While the guard is held, other threads' decoding (a PDF being rendered, too) runs with the flag
False, and decoding in guarded code is serialised: keep only the decoding itself inside.
"""

import contextlib
import threading

from PIL import ImageFile

_LOCK = threading.RLock()  # the one lock around LOAD_TRUNCATED_IMAGES in this process


@contextlib.contextmanager
def truncated_images_refused():
    """Pillow refuses truncated image data inside the block (OSError from ``load()``), whatever
    ``ImageFile.LOAD_TRUNCATED_IMAGES`` was; the flag is restored on the way out."""
    with _LOCK:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous

"""Background jobs of the station, run by the django-q2 worker (`manage.py qcluster`)."""

import logging
import os
import tempfile

from django.conf import settings
from django.db import transaction

from boards.publishing import store_blocks
from boards.tasks import enqueue
from station.models import Programme, ProgrammeState
from station.reach import clusters, reached_clusters

log = logging.getLogger(__name__)
BLOCK = 1024 * 1024


def _blocks(path):
    def read():
        with open(path, "rb") as handle:
            while block := handle.read(BLOCK):
                yield block

    return read


def process_programme(programme_id):
    """Normalise an uploaded programme once (audio.normalise: EBU R128 to
    STATION_LOUDNESS_TARGET, mono MP3), store it content-addressed like every board file, mark it
    ready and recompose the clusters it reaches. A file that turns out bad is marked failed with
    the reason; nothing else changes."""
    import audio

    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None or not programme.upload:
        return None
    source = programme.upload.path
    fd, output = tempfile.mkstemp(suffix=".mp3", prefix="programme-")
    os.close(fd)
    try:
        result = audio.normalise(
            source, output, target_lufs=settings.STATION_LOUDNESS_TARGET, input_lufs=programme.loudness_in
        )
        file = store_blocks(_blocks(output), "mp3", 0, 0, duration_s=result.duration_s)
    except audio.AudioRejected as exc:
        Programme.objects.filter(pk=programme_id).update(state=ProgrammeState.FAILED, message=exc.message[:500])
        return {"programme": programme_id, "state": "failed", "message": exc.message}
    except Exception as exc:
        log.exception("programme %s: normalisation failed", programme_id)
        message = f"Không xử lý được tệp âm thanh: {exc}"[:500]
        Programme.objects.filter(pk=programme_id).update(state=ProgrammeState.FAILED, message=message)
        return {"programme": programme_id, "state": "failed", "message": message}
    finally:
        if os.path.exists(output):
            os.remove(output)
    Programme.objects.filter(pk=programme_id).update(
        state=ProgrammeState.READY,
        file=file,
        duration_s=result.duration_s,
        loudness_in=result.input_lufs,
        loudness_out=result.output_lufs,
        message="",
    )
    programme.refresh_from_db()
    rebuild_clusters(programme)
    return {"programme": programme_id, "state": "ready", "lufs": result.output_lufs}


def rebuild_clusters(programme, also=()):
    ids = set(reached_clusters(programme).values_list("pk", flat=True)) | set(also)
    for pk in sorted(ids):
        enqueue("boards.tasks.rebuild_board", pk)
    return sorted(ids)


def recompose_for_programme(programme_id):
    """The clusters a programme reaches now, and those still holding it (a target removed, the
    programme deleted or withdrawn): each recomposed by its own task."""
    from boards.delivery import current_versions

    key = f"programme:{programme_id}"
    holding = [
        board_id
        for board_id, version in current_versions(clusters()).items()
        if any(entry.get("id") == key for entry in version.items)
    ]
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        for pk in sorted(set(holding)):
            enqueue("boards.tasks.rebuild_board", pk)
        return sorted(set(holding))
    return rebuild_clusters(programme, also=holding)


def on_programme_changed(sender, instance, **kwargs):
    """post_save / post_delete of a Programme: recompose, after commit, in the worker."""
    if kwargs.get("created") and instance.state != ProgrammeState.READY:
        return  # process_programme recomposes once it is ready
    programme_id = instance.pk
    transaction.on_commit(lambda: enqueue("station.tasks.recompose_for_programme", programme_id))

"""Recorded programmes as candidates of a loudspeaker cluster's playlist: filled into boards'
hook `construct_board_candidates` (station/wagtail_hooks.py), composed and aired by the same
rules as bulletins (boards/composition.py, compose_audio)."""

import datetime

from boards.composition import Candidate, RecordedAudio
from station.reach import programmes_for

EXPIRED_LISTED = datetime.timedelta(days=7)  # the preview still lists what ended this recently


def programme_candidates(board, now, everything=False):
    if not board.is_audio:
        return []
    found = programmes_for(board)
    if not everything:
        found = [p for p in found if p.valid_until is None or p.valid_until > now]
    else:
        found = [p for p in found if p.valid_until is None or p.valid_until > now - EXPIRED_LISTED]
    return [
        Candidate(
            key=programme.key,
            kind="programme",
            priority=programme.priority,
            date=programme.valid_from,
            valid_from=programme.valid_from,
            valid_until=programme.valid_until,
            payload=RecordedAudio(title=programme.title, file=programme.file),
            from_above=programme.owner_id != board.owner_id,
        )
        for programme in found
        if programme.file is not None
    ]

"""The editor's playlist of a screen as the composer reads it: BoardItemSetting rows → Override.

boards/composition.py is pure and knows nothing of the database; this is the one place that
reads an editor's choices (order, pin, own duration, left off this board) for compose() and
explain() (boards/publishing.py) and writes them (boards/playlist_views.py).
"""

from boards.composition import Override
from boards.models import BoardItemSetting


def overrides_for(board) -> dict:
    """key → Override of one screen; {} for a loudspeaker cluster (its order is the station's
    broadcast programme, not this screen's) and for a board nobody arranged."""
    if board.pk is None or board.is_audio:
        return {}
    return {
        row.key: Override(
            position=row.position,
            pinned=row.pinned,
            duration_s=float(row.duration_s) if row.duration_s else None,
            excluded=row.excluded,
        )
        for row in BoardItemSetting.objects.filter(board=board).only(
            "key", "position", "pinned", "duration_s", "excluded"
        )
    }


def save_settings(board, settings, user=None) -> None:
    """Store `settings` (key → Override) as the board's whole arrangement, replacing the last
    one (the screen always saves the whole list, so each row says who saved it last). The
    caller holds the transaction."""
    BoardItemSetting.objects.filter(board=board).delete()
    BoardItemSetting.objects.bulk_create(
        BoardItemSetting(
            board=board,
            key=key,
            position=setting.position,
            pinned=setting.pinned,
            duration_s=int(setting.duration_s) if setting.duration_s else None,
            excluded=setting.excluded,
            updated_by=user,
        )
        for key, setting in settings.items()
    )

"""Publishing and unpublishing recompose, in the background, only the boards a page reaches;
expiry by the clock is the every-minute schedule (settings.SCHEDULES, boards.tasks.rebuild_due).
An uploaded slide added, changed or removed: its unit's boards, in the background."""

from django.db.models.signals import post_delete, post_save
from wagtail.signals import page_published, page_unpublished

from boards import tasks
from boards.models import MediaSlide


def register():

    page_published.connect(tasks.on_page_changed, dispatch_uid="tincoso_boards_published")
    page_unpublished.connect(tasks.on_page_changed, dispatch_uid="tincoso_boards_unpublished")
    post_save.connect(tasks.on_media_slide_changed, sender=MediaSlide, dispatch_uid="tincoso_boards_slide_saved")
    post_delete.connect(tasks.on_media_slide_changed, sender=MediaSlide, dispatch_uid="tincoso_boards_slide_deleted")

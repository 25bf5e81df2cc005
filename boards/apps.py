from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "boards"
    verbose_name = "Bảng điện tử"

    def ready(self):
        from wagtail.signals import page_published, page_unpublished

        from . import tasks

        # Publishing and unpublishing recompose, in the background, only the boards a page reaches;
        # expiry by the clock is the every-minute schedule (migration 0002, tasks.rebuild_due).
        page_published.connect(tasks.on_page_changed, dispatch_uid="tincoso_boards_published")
        page_unpublished.connect(tasks.on_page_changed, dispatch_uid="tincoso_boards_unpublished")
        # An uploaded slide added, changed or removed: its unit's boards, in the background.
        from django.db.models.signals import post_delete, post_save

        from .models import MediaSlide

        post_save.connect(tasks.on_media_slide_changed, sender=MediaSlide, dispatch_uid="tincoso_boards_slide_saved")
        post_delete.connect(tasks.on_media_slide_changed, sender=MediaSlide, dispatch_uid="tincoso_boards_slide_deleted")

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

"""The search index follows publishing, unpublishing (and so scheduled go-live and expiry) and
moves; deleting a page deletes its entry (foreign key cascade); a view restriction added or
removed re-indexes the subtree."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from search import engine


def register():

    page_published.connect(engine.on_page_published, dispatch_uid="tincoso_search_published")
    page_unpublished.connect(engine.on_page_unpublished, dispatch_uid="tincoso_search_unpublished")
    post_page_move.connect(engine.on_page_moved, dispatch_uid="tincoso_search_move")
    for signal in (post_save, post_delete):
        signal.connect(
            engine.on_view_restriction_changed,
            sender=PageViewRestriction,
            dispatch_uid=f"tincoso_search_restriction_{signal is post_save}",
        )

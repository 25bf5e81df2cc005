"""Any change of what the public sees starts a new version of the page cache (core/page_cache.py)."""

from django.db.models.signals import post_delete
from wagtail.models import Page
from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

from core import page_cache


def _bump_for_pages(sender, instance, **kwargs):

    if isinstance(instance, Page):
        page_cache.new_content_version()


def register():
    bump = page_cache.new_content_version
    page_published.connect(bump, dispatch_uid="tincoso_cache_published")
    page_unpublished.connect(bump, dispatch_uid="tincoso_cache_unpublished")
    post_page_move.connect(bump, dispatch_uid="tincoso_cache_move")
    page_slug_changed.connect(bump, dispatch_uid="tincoso_cache_slug")
    post_delete.connect(_bump_for_pages, dispatch_uid="tincoso_cache_delete")

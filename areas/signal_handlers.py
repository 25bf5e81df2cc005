"""A change of the Sites, their identity or the site roots' paths: the flat URL index and the
host index start a new generation, and the public page cache a new version."""

from django.db.models.signals import post_delete, post_save
from wagtail.models import Site
from wagtail.signals import page_slug_changed, post_page_move

from areas.models import SiteIdentity
from core import page_cache, site_roots


def register():

    post_save.connect(site_roots.invalidate, sender=Site, dispatch_uid="tincoso_site_roots_save")
    post_delete.connect(site_roots.invalidate, sender=Site, dispatch_uid="tincoso_site_roots_delete")
    page_slug_changed.connect(site_roots.invalidate, dispatch_uid="tincoso_site_roots_slug")
    post_page_move.connect(site_roots.invalidate, dispatch_uid="tincoso_site_roots_move")
    bump = page_cache.new_content_version
    for model in (Site, SiteIdentity):
        post_save.connect(bump, sender=model, dispatch_uid=f"tincoso_cache_save_{model.__name__}")
        post_delete.connect(bump, sender=model, dispatch_uid=f"tincoso_cache_delete_{model.__name__}")

from django.apps import AppConfig


class CmsPagesConfig(AppConfig):
    name = "cms_pages"
    verbose_name = "Trang thông tin"

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import Site
        from wagtail.signals import page_slug_changed, post_page_move

        from . import admin_scoping, site_roots, tree_queries

        site_roots.install()
        tree_queries.install()
        admin_scoping.install()
        post_save.connect(site_roots.invalidate, sender=Site, dispatch_uid="tincoso_site_roots_save")
        post_delete.connect(site_roots.invalidate, sender=Site, dispatch_uid="tincoso_site_roots_delete")
        page_slug_changed.connect(site_roots.invalidate, dispatch_uid="tincoso_site_roots_slug")
        post_page_move.connect(site_roots.invalidate, dispatch_uid="tincoso_site_roots_move")

        # Any change of what the public sees starts a new version of the page cache.
        from wagtail.signals import page_published, page_unpublished

        from . import page_cache
        from .models import SiteIdentity

        bump = page_cache.new_content_version
        page_published.connect(bump, dispatch_uid="tincoso_cache_published")
        page_unpublished.connect(bump, dispatch_uid="tincoso_cache_unpublished")
        post_page_move.connect(bump, dispatch_uid="tincoso_cache_move")
        page_slug_changed.connect(bump, dispatch_uid="tincoso_cache_slug")
        post_delete.connect(_bump_for_pages, dispatch_uid="tincoso_cache_delete")
        # The search index follows publishing, unpublishing (and so scheduled go-live and
        # expiry) and moves; deleting a page deletes its entry (foreign key cascade).
        from . import search

        page_published.connect(search.on_page_published, dispatch_uid="tincoso_search_published")
        page_unpublished.connect(search.on_page_unpublished, dispatch_uid="tincoso_search_unpublished")
        # An answered question unpublished in the page explorer is private again in its queue.
        page_unpublished.connect(_answer_unpublished, dispatch_uid="tincoso_inquiry_unpublished")
        post_page_move.connect(search.on_page_moved, dispatch_uid="tincoso_search_move")
        from wagtail.models import PageViewRestriction

        for signal in (post_save, post_delete):
            signal.connect(search.on_view_restriction_changed, sender=PageViewRestriction,
                           dispatch_uid=f"tincoso_search_restriction_{signal is post_save}")
        for model in (Site, SiteIdentity):
            post_save.connect(bump, sender=model, dispatch_uid=f"tincoso_cache_save_{model.__name__}")
            post_delete.connect(bump, sender=model, dispatch_uid=f"tincoso_cache_delete_{model.__name__}")


def _bump_for_pages(sender, instance, **kwargs):
    from wagtail.models import Page

    from . import page_cache

    if isinstance(instance, Page):
        page_cache.new_content_version()


def _answer_unpublished(sender, instance, **kwargs):
    from .inquiries import on_page_unpublished

    on_page_unpublished(sender, instance, **kwargs)

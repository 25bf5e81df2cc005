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

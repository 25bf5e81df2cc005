from django.apps import AppConfig


class CmsPagesConfig(AppConfig):
    name = "cms_pages"
    verbose_name = "Trang thông tin"

    def ready(self):
        from cms_pages import signal_handlers

        signal_handlers.register()

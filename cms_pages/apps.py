from django.apps import AppConfig


class CmsPagesConfig(AppConfig):
    name = "cms_pages"
    verbose_name = "Trang thông tin"

    def ready(self):
        from cms_pages import signal_handlers  # Django: apps' modules are importable once the registry is ready

        signal_handlers.register()

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Lõi dùng chung"

    def ready(self):
        # Django: apps' modules are importable once the registry is ready
        from core import signal_handlers, wagtail_patches

        wagtail_patches.install()
        signal_handlers.register()

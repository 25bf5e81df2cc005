from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "areas"
    verbose_name = "Địa bàn và trang"

    def ready(self):
        from areas import signal_handlers  # Django: apps' modules are importable once the registry is ready

        signal_handlers.register()

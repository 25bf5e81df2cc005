from django.apps import AppConfig


class StationConfig(AppConfig):
    name = "station"
    verbose_name = "Đài truyền thanh"

    def ready(self):
        # Django: apps' modules are importable once the registry is ready
        from station import signal_handlers

        signal_handlers.register()

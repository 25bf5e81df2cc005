from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "search"
    label = "search"
    verbose_name = "Tìm kiếm"

    def ready(self):
        from search import signal_handlers  # Django: apps' modules are importable once the registry is ready

        signal_handlers.register()

from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "areas"
    verbose_name = "Địa bàn và trang"

    def ready(self):
        from areas import signal_handlers

        signal_handlers.register()

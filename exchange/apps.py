from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = "Liên thông giữa các hệ thống"

    def ready(self):
        from exchange import signal_handlers

        signal_handlers.connect()

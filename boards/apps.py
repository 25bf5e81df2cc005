from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "boards"
    verbose_name = "Bảng điện tử"

    def ready(self):
        # Django: apps' modules are importable once the registry is ready
        from boards import signal_handlers, speech_settings

        signal_handlers.register()
        speech_settings.install()

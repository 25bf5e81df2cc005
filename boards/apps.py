from django.apps import AppConfig


class BoardsConfig(AppConfig):
    name = "boards"
    verbose_name = "Bảng điện tử"

    def ready(self):
        from boards import signal_handlers, speech_settings

        signal_handlers.register()
        speech_settings.install()

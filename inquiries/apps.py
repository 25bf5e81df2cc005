from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "inquiries"
    verbose_name = "Hỏi đáp, phản ánh"

    def ready(self):
        from inquiries import signal_handlers  # Django: apps' modules are importable once the registry is ready

        signal_handlers.register()

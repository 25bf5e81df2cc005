from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "inquiries"
    verbose_name = "Hỏi đáp, phản ánh"

    def ready(self):
        from inquiries import signal_handlers

        signal_handlers.register()

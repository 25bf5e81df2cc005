from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "signin"
    verbose_name = "Đăng nhập"

    def ready(self):
        from signin import two_factor  # Django: apps' modules are importable once the registry is ready

        two_factor.connect_signals()

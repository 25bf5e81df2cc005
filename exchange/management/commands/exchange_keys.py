"""manage.py exchange_keys [--force]: this installation's Ed25519 key pair for "Liên thông".

Makes the key pair once (the private key in EXCHANGE_KEY_FILE, mode 0600, outside MEDIA_ROOT)
and prints the public key and key id to give to every peer. With a key already there (or in
EXCHANGE_PRIVATE_KEY) it only prints; --force makes a new one (every peer must then be given it)."""

from django.core.management.base import BaseCommand, CommandError

from exchange import keys


class Command(BaseCommand):
    help = "Tạo (một lần) và in khoá công khai Ed25519 của hệ thống này để trao cho các hệ thống liên thông."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="tạo khoá mới thay khoá cũ (phải trao lại cho mọi bên)"
        )

    def handle(self, *args, force, **options):
        from django.conf import settings

        if getattr(settings, "EXCHANGE_PRIVATE_KEY", "") and force:
            raise CommandError("Khoá đang lấy từ EXCHANGE_PRIVATE_KEY: đổi biến môi trường đó, không dùng --force.")
        path = keys.key_file()
        if force or (not path.exists() and not getattr(settings, "EXCHANGE_PRIVATE_KEY", "")):
            try:
                keys.generate(path, force=force)
            except OSError as exc:
                raise CommandError(f"Không ghi được tệp khoá {path}: {exc}") from exc
            self.stdout.write(f"Đã tạo khoá mới: {path}")
        try:
            public = keys.public_key()
        except (keys.NoKey, ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Khoá công khai: {public}")
        self.stdout.write(f"Mã khoá: {keys.key_id()}")

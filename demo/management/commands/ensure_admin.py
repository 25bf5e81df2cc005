"""Create the first administrator with a random password, printed once."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Tạo tài khoản quản trị đầu tiên (mật khẩu ngẫu nhiên, chỉ in ra một lần)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--email", default="")

    def handle(self, *args, username, email, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(
                f"Tài khoản quản trị {username!r} đã có. Đổi mật khẩu: python manage.py changepassword {username}"
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email=email, password=password)
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tạo tài khoản quản trị: {username} / {password}\n"
                "Mật khẩu chỉ hiện lần này; hãy ghi lại hoặc đổi bằng manage.py changepassword.\n"
                "Lần đăng nhập đầu, trang quản trị yêu cầu bật xác thực hai bước: cài một ứng dụng xác thực "
                "(Google Authenticator, Microsoft Authenticator, FreeOTP …) trên điện thoại để quét mã QR, "
                "rồi lưu 10 mã dự phòng."
            )
        )

"""Reset a person's second factor from the command line: when no administrator can sign in to
do it from "Xác thực hai bước của cán bộ" (the only superuser lost their phone)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from signin.two_factor import has_two_factor, requires_two_factor, reset


class Command(BaseCommand):
    help = (
        "Đặt lại xác thực hai bước của một tài khoản (mất điện thoại, hết mã dự phòng): ứng dụng và mã dự phòng "
        "cũ thôi dùng được; lần đăng nhập tới, người đó bật lại. Ghi vào lịch sử."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", help="tên đăng nhập")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Không có tài khoản “{username}”.")
        if not has_two_factor(user):
            self.stdout.write(f"Tài khoản “{username}” chưa bật xác thực hai bước: không có gì để đặt lại.")
            return
        reset(user, by=None)
        then = "phải bật lại" if requires_two_factor(user) else "đăng nhập bằng mật khẩu, có thể bật lại"
        self.stdout.write(
            self.style.SUCCESS(f"Đã đặt lại xác thực hai bước của “{username}”. Lần đăng nhập tới, người đó {then}.")
        )

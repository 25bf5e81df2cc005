"""Print the URLs to open: the admin, a province portal, a district portal, a commune site."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import NoReverseMatch, reverse

from areas.models import AreaPage, CommuneHomePage, PortalHomePage


class Command(BaseCommand):
    help = "In các địa chỉ cần mở: trang quản trị, cổng tỉnh, cổng huyện, trang xã."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=settings.SITE_PORT)

    def handle(self, *args, port, **options):
        province = AreaPage.objects.filter(level="province").order_by("path").first()
        if province is None:
            raise CommandError(
                "Chưa có tỉnh nào. Chạy: python manage.py provision --structure 2024 --province 'Trà Vinh'"
            )

        def url(page):
            site = page.get_site()
            return site.root_url + "/" if site else "(chưa có Site)"

        portal = PortalHomePage.objects.child_of(province).first()
        # Prefer a rural district and a xã: they show the three levels most plainly.
        districts = AreaPage.objects.child_of(province).filter(level="district").order_by("path")
        district = districts.filter(unit_type="huyen").first() or districts.first()
        communes = CommuneHomePage.objects.descendant_of(district or province).order_by("path")
        commune = communes.filter(unit_type="xa").first() or communes.first()
        admin_host = portal.get_site().hostname if portal else settings.BASE_DOMAIN
        lines = [
            ("Trang quản trị", f"http://{admin_host}:{port}/admin/"),
            (f"Cổng tỉnh ({province.title})", url(portal)),
        ]
        if district is not None and district.portal is not None:
            lines.append((f"Cổng huyện ({district.title})", url(district.portal)))
        if commune is not None:
            lines.append((f"Trang xã ({commune.title})", url(commune)))
        # Screens of apps above this one, by URL name (absent when the app is not installed).
        for label, name in (
            ("Bảng điện tử", "boards:index"),
            ("Bản đồ bảng và loa", "boards_map"),
            ("Chỉ tiêu thông tin cơ sở", "tincoso_indicators"),
            ("Văn bản chỉ đạo đã gửi", "directives_sent"),
            ("API liên thông (OpenAPI)", "exchange_api_doc"),
        ):
            try:
                lines.append((label, f"http://{admin_host}:{port}{reverse(name)}"))
            except NoReverseMatch:
                pass
        width = max(len(label) for label, _ in lines)
        self.stdout.write("\nMở trong trình duyệt:")
        for label, link in lines:
            self.stdout.write(f"  {label.ljust(width)}  {link}")
        self.stdout.write(
            "\nTài khoản quản trị đăng nhập bằng mật khẩu và mã 6 chữ số trên điện thoại (xác thực hai bước): "
            "lần đầu, quét mã QR bằng ứng dụng xác thực (Google Authenticator, FreeOTP …)."
        )
        if settings.MQTT_URL:
            self.stdout.write(f"\nKênh thời gian thực tới bảng điện tử (MQTT): {settings.MQTT_PUBLIC_URL}")
        self.stdout.write("")

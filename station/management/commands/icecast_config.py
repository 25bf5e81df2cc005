"""manage.py icecast_config [--port 8000] [--bind ADDR] [--dir DIR] [--hostname NAME]
[--source-password P] [--user USER:GROUP]: the project's Icecast 2 configuration for live
broadcasts (station/icecast.py: no burst on connect, hidden mounts), written to DIR/icecast.xml
with its log folder, as `manage.py mqtt_config` does for Mosquitto."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from station import icecast


class Command(BaseCommand):
    help = "Ghi cấu hình Icecast 2 cho phát trực tiếp tới các cụm loa (độ trễ thấp)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=icecast.DEFAULT_PORT, help="cổng lắng nghe (mặc định 8000)")
        parser.add_argument("--bind", default="127.0.0.1", help="địa chỉ lắng nghe (mặc định 127.0.0.1)")
        parser.add_argument(
            "--dir", default=str(Path(settings.BASE_DIR) / "var" / "icecast"), help="thư mục cấu hình và nhật ký"
        )
        parser.add_argument("--hostname", default="localhost", help="tên máy công khai của Icecast")
        parser.add_argument(
            "--source-password", default="", help="mật khẩu nguồn (mặc định: sinh ngẫu nhiên và in ra một lần)"
        )
        parser.add_argument("--listeners", type=int, default=2000, help="số cụm loa nghe cùng lúc tối đa")
        parser.add_argument(
            "--user",
            default="",
            help="USER:GROUP Icecast đổi sang khi chạy bằng root (mặc định nobody:nogroup khi chạy bằng root)",
        )

    def handle(self, *args, port, bind, dir, hostname, source_password, listeners, user, **options):
        if not 1 <= port <= 65535:
            raise CommandError(f"Cổng không hợp lệ: {port}.")
        if listeners < 1:
            raise CommandError("Số cụm loa nghe cùng lúc phải từ 1 trở lên.")
        run_as = None
        if user:
            if ":" not in user:
                raise CommandError("--user phải có dạng USER:GROUP, ví dụ icecast2:icecast.")
            run_as = tuple(user.split(":", 1))
        elif os.geteuid() == 0:
            run_as = ("nobody", "nogroup")  # Icecast refuses to run as root
        directory = Path(dir)
        (directory / "log").mkdir(parents=True, exist_ok=True)
        if run_as:
            # Icecast writes its logs and pid file after changing to that user.
            for path in (directory, directory / "log"):
                path.chmod(0o777)
        password = source_password or secrets.token_urlsafe(18)
        conf = directory / "icecast.xml"
        conf.write_text(
            icecast.config_text(
                directory,
                port,
                source_password=password,
                admin_password=secrets.token_urlsafe(18),
                bind=bind,
                hostname=hostname,
                listeners=listeners,
                run_as=run_as,
            ),
            encoding="utf-8",
        )
        conf.chmod(0o640 if not run_as else 0o644)
        self.stdout.write(f"Đã ghi {conf}.")
        self.stdout.write(f"Chạy: icecast2 -c {conf}")
        self.stdout.write(
            f"Rồi đặt STATION_ICECAST_URL=http://source:{password}@{bind}:{port} cho manage.py live_ingest, và "
            f"STATION_LIVE_PUBLIC_URL=http://{hostname}:{port} (địa chỉ các cụm loa nhìn thấy Icecast)."
        )

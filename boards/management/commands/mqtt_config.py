"""manage.py mqtt_config [--port P] [--bind ADDR] [--dir DIR] [--user USER]: the project's own
Mosquitto configuration (one listener, no anonymous clients, the password and ACL files kept
by the sender, a pid file for reloads), written to DIR/mosquitto.conf with the two files."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from boards import broker


class Command(BaseCommand):
    help = "Ghi cấu hình Mosquitto của dự án (cổng, tệp mật khẩu và ACL đồng bộ với các bảng)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=1883, help="cổng lắng nghe (mặc định 1883)")
        parser.add_argument("--bind", default="127.0.0.1", help="địa chỉ lắng nghe (mặc định 127.0.0.1)")
        parser.add_argument("--dir", default=str(settings.MQTT_BROKER_DIR), help="thư mục cấu hình (MQTT_BROKER_DIR)")
        parser.add_argument("--user", default="", help="người dùng hệ thống chạy Mosquitto (mặc định của gói Debian)")

    def handle(self, *args, port, bind, dir, user, **options):
        if not 1 <= port <= 65535:
            raise CommandError(f"Cổng không hợp lệ: {port}.")
        directory = Path(dir)
        directory.mkdir(parents=True, exist_ok=True)
        broker.write_files(directory)
        conf = directory / "mosquitto.conf"
        conf.write_text(broker.mosquitto_config(directory, port, bind=bind, run_as=user or None), encoding="utf-8")
        self.stdout.write(f"Đã ghi {conf}, {directory / 'passwd'} và {directory / 'acl'}.")
        self.stdout.write(f"Chạy: mosquitto -c {conf}")
        self.stdout.write(
            f"Rồi đặt MQTT_URL=mqtt://{bind}:{port} (và MQTT_PUBLIC_URL là địa chỉ các đầu phát nhìn thấy) "
            "cho web, worker và manage.py mqtt_sender."
        )

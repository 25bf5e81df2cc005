"""manage.py mqtt_broker [--host H] [--port P] [--dir DIR]: the embedded MQTT broker (amqtt) of
`make run`, for an installation without Mosquitto (boards/embedded_broker.py)."""

import asyncio
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from boards import broker, embedded_broker


class Command(BaseCommand):
    help = "Chạy máy chủ MQTT nhúng (amqtt) cho kênh thời gian thực của bảng điện tử và cụm loa."

    def add_arguments(self, parser):
        address = urlsplit(settings.MQTT_URL or "mqtt://127.0.0.1:1883")
        parser.add_argument("--host", default=address.hostname or "127.0.0.1", help="địa chỉ lắng nghe")
        parser.add_argument("--port", type=int, default=address.port or 1883, help="cổng (mặc định theo MQTT_URL)")
        parser.add_argument("--dir", default=settings.MQTT_BROKER_DIR, help="thư mục tệp mật khẩu và ACL")
        parser.add_argument("--prefix", default=settings.MQTT_PREFIX, help="tiền tố chủ đề (MQTT_PREFIX)")
        parser.add_argument(
            "--no-sync", action="store_true", help="không ghi tệp mật khẩu từ cơ sở dữ liệu khi khởi động"
        )

    def handle(self, *args, host, port, dir, prefix, no_sync, **options):
        if not 1 <= port <= 65535:
            raise CommandError(f"Cổng không hợp lệ: {port}.")
        if not no_sync and not (broker.Path(dir) / "passwd").exists():
            broker.write_files(dir, prefix)  # the sender keeps them current afterwards

        def ready():
            self.stdout.write(f"Máy chủ MQTT nhúng đang chạy ở mqtt://{host}:{port} (Ctrl+C để dừng)", ending="\n")
            self.stdout.flush()

        try:
            asyncio.run(embedded_broker.serve(host, port, dir, prefix, ready=ready))
        except OSError as exc:
            raise CommandError(f"Không mở được cổng {host}:{port}: {exc}") from exc

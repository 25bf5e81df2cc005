"""manage.py mqtt_sender: the server's side of the real-time channel (boards/sender.py). Runs
until SIGTERM/Ctrl+C; `make run` starts it beside the web server and the worker."""

import logging
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from boards import channel
from boards.monitoring import check_boards
from boards.sender import Sender


class Command(BaseCommand):
    help = "Gửi lệnh tới đầu phát qua MQTT và nhận trạng thái, phản hồi của chúng (kênh thời gian thực)."

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.MQTT_URL, help="máy chủ MQTT (mặc định MQTT_URL)")
        parser.add_argument(
            "--no-files",
            action="store_true",
            help="không ghi tệp mật khẩu/ACL của máy chủ MQTT (máy chủ MQTT ở máy khác tự đồng bộ)",
        )

    def handle(self, *args, url, no_files, **options):
        if not url:
            raise CommandError("Chưa đặt MQTT_URL (ví dụ mqtt://127.0.0.1:1883): kênh thời gian thực đang tắt.")
        try:
            channel.broker_address(url)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

        def transition(board_id, state):  # presence changed: events and e-mails at once
            check_boards(board_ids=[board_id])

        sender = Sender(url, files=not no_files, on_transition=transition)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: sender.stop.set())
        self.stdout.write(f"Bộ gửi MQTT: {url}, tiền tố {settings.MQTT_PREFIX} (Ctrl+C để dừng)")
        sender.run()

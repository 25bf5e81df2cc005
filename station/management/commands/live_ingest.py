"""manage.py live_ingest [--port 8765] [--bind ADDR] [--listen-port P] [--icecast URL]
[--public-url URL]: the live ingest of "Phát trực tiếp" (station/ingest.py): officials' browsers
send their microphone here over a WebSocket; the clusters hear it through Icecast 2
(STATION_ICECAST_URL) or, without one, from this process's own listener port."""

import logging
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from station import icecast, ingest, live


class Command(BaseCommand):
    help = "Nhận phát trực tiếp từ trình duyệt (micrô) và phát tới các cụm loa qua Icecast 2 hoặc tự phát."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=live.INGEST_PORT, help="cổng WebSocket (mặc định 8765)")
        parser.add_argument("--bind", default="127.0.0.1", help="địa chỉ lắng nghe (mặc định 127.0.0.1)")
        parser.add_argument(
            "--listen-port",
            type=int,
            default=None,
            help="không có Icecast: cổng HTTP các cụm loa nghe luồng (mặc định cổng WebSocket + 1)",
        )
        parser.add_argument(
            "--icecast",
            dest="icecast_option",
            default=None,
            help="http://source:mật-khẩu@máy:cổng của Icecast 2 (mặc định STATION_ICECAST_URL; trống: tự phát)",
        )
        parser.add_argument(
            "--public-url",
            default=None,
            help="địa chỉ các cụm loa nhìn thấy luồng (mặc định STATION_LIVE_PUBLIC_URL, hoặc của Icecast)",
        )
        parser.add_argument(
            "--recordings",
            default=None,
            help="thư mục giữ bản ghi đang phát (mặc định MEDIA_ROOT/station/live)",
        )

    def handle(self, *args, port, bind, listen_port, icecast_option, public_url, recordings, **options):
        for value in (port, listen_port):
            if value is not None and not 1 <= value <= 65535:
                raise CommandError(f"Cổng không hợp lệ: {value}.")
        icecast_url = live.icecast_url() if icecast_option is None else icecast_option
        try:
            source = icecast.source_address(icecast_url) if icecast_url else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        listen_port = listen_port or port + 1
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
        logging.getLogger("station").setLevel(logging.INFO)
        options = {
            "icecast_url": icecast_url,
            "public_url": live.setting("STATION_LIVE_PUBLIC_URL") if public_url is None else public_url,
            "listen_port": listen_port,
            "recordings": recordings or settings.MEDIA_ROOT / "station" / "live",
        }
        where = f"Icecast {source.host}:{source.port}" if source else f"cổng {listen_port} của chính nó"
        self.stdout.write(f"Nhận phát trực tiếp ở ws://{bind}:{port}/; các cụm loa nghe qua {where} (Ctrl+C để dừng)")
        self.stdout.flush()
        try:
            ingest.run(bind, port, **options)
        except OSError as exc:
            raise CommandError(f"Không mở được cổng {bind}:{port}: {exc}") from exc
        except KeyboardInterrupt:
            pass

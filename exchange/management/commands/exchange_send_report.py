"""manage.py exchange_send_report [--period 2026-11] [--peer ID]: the indicators and device status
of each upstream peer's area, queued and sent now (as the daily schedule does); exits non-zero
when a message could not be sent (the outbox keeps retrying it)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from core.periods import Period
from exchange import outbox
from exchange.models import OutgoingState, Peer


class Command(BaseCommand):
    help = "Gửi chỉ tiêu và tình trạng thiết bị lên các hệ thống cấp trên ngay bây giờ."

    def add_arguments(self, parser):
        parser.add_argument("--period", default="", help="kỳ: 2026-11, 2026-Q3, 2026 (mặc định: tháng này)")
        parser.add_argument("--peer", type=int, action="append", help="chỉ gửi cho hệ thống này (mã số)")
        parser.add_argument("--no-progress", action="store_true", help="không hiện thanh tiến độ")

    def handle(self, *args, period, peer, no_progress, **options):
        try:
            chosen = Period.parse(period) if period else None
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        peers = [p for p in outbox.upstream_peers() if not peer or p.pk in peer]
        if peer and len(peers) != len(set(peer)):
            known = set(Peer.objects.filter(pk__in=peer).values_list("pk", flat=True))
            raise CommandError(f"Không có hệ thống cấp trên đang bật với mã: {sorted(set(peer) - known) or peer}.")
        if not peers:
            raise CommandError("Chưa có hệ thống cấp trên nào đang bật (Liên thông → Hệ thống liên thông).")
        with transaction.atomic():
            messages = outbox.queue_reports(peers, chosen, send=False)
        failed = []
        for message in tqdm(messages, disable=no_progress, desc="Gửi", unit="bản tin"):
            if outbox.deliver(message.pk) != OutgoingState.SENT:
                message.refresh_from_db()
                failed.append(f"{message.peer.name}: {message.subject}: {message.last_error}")
        for line in failed:
            self.stderr.write(line)
        self.stdout.write(f"Đã gửi {len(messages) - len(failed)}/{len(messages)} bản tin.")
        if failed:
            raise CommandError("Có bản tin chưa gửi được; hàng đợi sẽ gửi lại.")

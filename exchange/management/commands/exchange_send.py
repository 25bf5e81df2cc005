"""manage.py exchange_send [--all]: send now what the outbox holds that is due (what the
every-minute schedule does); --all: also what waits for its next attempt. Exits non-zero when
a message could not be sent."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from exchange import outbox
from exchange.models import OutgoingMessage, OutgoingState


class Command(BaseCommand):
    help = "Gửi ngay các bản tin liên thông đang chờ trong hàng đợi."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="gửi cả bản tin chưa đến lượt gửi lại")
        parser.add_argument("--no-progress", action="store_true", help="không hiện thanh tiến độ")

    def handle(self, *args, all, no_progress, **options):
        outbox.queue_ready_programmes()
        waiting = OutgoingMessage.objects.filter(state__in=[OutgoingState.PENDING, OutgoingState.FAILED])
        if not all:
            waiting = waiting.filter(next_attempt_at__lte=timezone.now())
        ids = list(waiting.order_by("pk").values_list("pk", flat=True))
        failed = []
        for pk in tqdm(ids, disable=no_progress, desc="Gửi", unit="bản tin"):
            if outbox.deliver(pk, force=all) != OutgoingState.SENT:
                message = OutgoingMessage.objects.select_related("peer").get(pk=pk)
                failed.append(f"{message.peer.name}: {message.subject}: {message.last_error}")
        for line in failed:
            self.stderr.write(line)
        self.stdout.write(f"Đã gửi {len(ids) - len(failed)}/{len(ids)} bản tin.")
        if failed:
            raise CommandError("Có bản tin chưa gửi được.")

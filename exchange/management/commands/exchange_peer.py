"""manage.py exchange_peer --name … --url … --public-key … --role … --area CODE [--subscribe CODES]:
adds (or updates, by public key) a peer from the command line, as the admin's "Liên thông" →
"Hệ thống liên thông" does; --list prints the peers."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from areas.models import AreaPage
from exchange.models import Peer, PeerRole, fingerprint


class Command(BaseCommand):
    help = "Thêm hoặc sửa một hệ thống liên thông (khoá công khai, địa chỉ, vai trò, đơn vị được nhận)."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="chỉ liệt kê các hệ thống đã có")
        parser.add_argument("--name")
        parser.add_argument("--url")
        parser.add_argument("--public-key")
        parser.add_argument("--role", choices=PeerRole.values, default=PeerRole.UPSTREAM)
        parser.add_argument("--area", help="mã đơn vị hành chính của tỉnh (hoặc huyện) của ta")
        parser.add_argument("--structure", default="", help="2024 hoặc 2025 (khi mã có ở cả hai)")
        parser.add_argument("--subscribe", default="", help="các mã đơn vị được nhận, cách nhau bằng dấu phẩy")
        parser.add_argument("--inactive", action="store_true")

    def handle(self, *args, **options):
        if options["list"]:
            for peer in Peer.objects.select_related("owner"):
                self.stdout.write(
                    f"{peer.pk}\t{peer.name}\t{peer.base_url}\t{peer.role}\t{peer.owner.code}\t{peer.key_id}"
                    f"\t{'bật' if peer.is_active else 'tắt'}"
                )
            return
        for name in ("name", "url", "public_key", "area"):
            if not options[name]:
                raise CommandError(f"Thiếu --{name.replace('_', '-')}.")
        areas = AreaPage.objects.filter(code=options["area"], level__in=["province", "district"])
        if options["structure"]:
            areas = areas.filter(structure=options["structure"])
        areas = list(areas)
        if len(areas) != 1:
            raise CommandError(
                f"Mã {options['area']}: {'không có' if not areas else 'có ở cả hai cấu trúc, thêm --structure'}."
            )
        try:
            key_id = fingerprint(options["public_key"])
        except ValueError as exc:
            raise CommandError("Khoá công khai không phải base64.") from exc
        peer = Peer.objects.filter(key_id=key_id).first() or Peer()
        peer.owner = areas[0]
        peer.name = options["name"]
        peer.base_url = options["url"]
        peer.public_key = options["public_key"]
        peer.role = options["role"]
        peer.subscriptions = options["subscribe"]
        peer.is_active = not options["inactive"]
        try:
            peer.full_clean(exclude=["key_id"])
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        created = peer.pk is None
        peer.save()
        self.stdout.write(f"{'Đã thêm' if created else 'Đã cập nhật'} {peer.name} (mã khoá {peer.key_id}).")

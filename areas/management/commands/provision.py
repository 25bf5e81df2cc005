"""manage.py provision --structure 2024|2025 (--province NAME_OR_CODE … | --all)"""

import sys

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from areas.admin_units import STRUCTURES, AdminUnitsError, load_country
from areas.provisioning import Provisioner, ProvisionError, ProvisionStats

KIND_LABELS = {
    "province": "tỉnh",
    "district": "huyện",
    "commune": "xã",
    "portal": "cổng thông tin",
    "section": "chuyên mục",
    "site": "Site",
    "group": "nhóm",
    "collection": "thư mục",
    "page permission": "quyền trang",
    "collection permission": "quyền thư mục",
    "global permission": "quyền truy cập quản trị",
    "workflow": "quy trình kiểm duyệt",
}


class Command(BaseCommand):
    help = (
        "Tạo (hoặc cập nhật) cây đơn vị hành chính, cổng thông tin, trang xã, Site, nhóm và quyền "
        "từ danh sách đơn vị hành chính chính thức trong data/."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--structure",
            required=True,
            choices=STRUCTURES,
            help="2024: tỉnh – huyện – xã; 2025: tỉnh – xã (từ 1/7/2025)",
        )
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--province",
            action="append",
            metavar="TÊN_HOẶC_MÃ",
            help="tên tỉnh (có hoặc không dấu) hoặc mã; lặp lại được",
        )
        which.add_argument("--all", action="store_true", help="mọi tỉnh trong dữ liệu")
        parser.add_argument("--data-dir", default=str(settings.BASE_DIR / "data"))
        parser.add_argument("--base-domain", default=settings.BASE_DOMAIN)
        parser.add_argument("--port", type=int, default=settings.SITE_PORT)
        parser.add_argument("--no-progress", action="store_true", help="không hiện thanh tiến độ")

    def handle(self, *args, structure, province, all, data_dir, base_domain, port, no_progress, **options):
        try:
            country = load_country(data_dir, structure)
        except AdminUnitsError as exc:
            raise CommandError(f"Dữ liệu không hợp lệ, không tạo gì cả: {exc}") from None

        if all:
            provinces = country.provinces
        else:
            provinces = []
            for query in province:
                found = country.find_province(query)
                if found is None:
                    close = country.closest_provinces(query)
                    hint = (
                        "Gần nhất: " + ", ".join(f"{p.name} ({p.code})" for p in close)
                        if close
                        else "Không có tên nào gần giống."
                    )
                    raise CommandError(f"Không tìm thấy tỉnh {query!r} trong cấu trúc {structure}. {hint}")
                if found not in provinces:
                    provinces.append(found)

        total = sum(len(p.communes()) for p in provinces)
        bar = tqdm(
            total=total, unit="xã", desc="Đang tạo", file=sys.stderr, disable=no_progress or None, dynamic_ncols=True
        )
        stats = ProvisionStats()
        try:
            for p in provinces:
                bar.set_description(p.full_name)
                provisioner = Provisioner(structure, base_domain, port, on_commune=lambda unit: bar.update(1))
                try:
                    stats.merge(provisioner.provision(p))
                except (ProvisionError, ValidationError) as exc:
                    raise CommandError(f"{p.full_name}: {exc}; tỉnh này không thay đổi gì.") from None
        finally:
            bar.close()

        names = ", ".join(p.full_name for p in provinces[:5]) + (" …" if len(provinces) > 5 else "")
        if stats.changed:
            parts = [f"{n} {KIND_LABELS.get(k, k)}" for k, n in sorted(stats.created.items()) if n]
            upd = [f"{n} {KIND_LABELS.get(k, k)}" for k, n in sorted(stats.updated.items()) if n]
            self.stdout.write(
                self.style.SUCCESS(
                    f"Xong {len(provinces)} tỉnh ({names}). Tạo mới: {', '.join(parts) or 'không'}. "
                    f"Cập nhật: {', '.join(upd) or 'không'}."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Xong {len(provinces)} tỉnh ({names}): không có gì thay đổi."))

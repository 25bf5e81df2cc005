"""Rebuild the site search index from every live searchable page, with the other sites each
appears on (SearchPlacement).

The index keeps itself current from Wagtail's signals (publish, unpublish, scheduled go-live
and expiry, move, delete); this command is for a new installation, a restore, or after a
change of what is indexed.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from tqdm import tqdm
from wagtail.models import Page

from areas.models import CommuneHomePage, PortalHomePage
from search.engine import index_rows, searchable_model_labels
from search.models import SearchEntry, SearchPlacement

BATCH = 500


class Command(BaseCommand):
    help = "Dựng lại chỉ mục tìm kiếm từ mọi trang đang xuất bản."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="không hiện thanh tiến độ")

    def handle(self, *args, no_progress=False, **options):

        labels = searchable_model_labels()
        kinds = Q()
        for label in labels:
            app_label, model = label.lower().split(".")
            kinds |= Q(content_type__app_label=app_label, content_type__model=model)
        pages = Page.objects.live().filter(kinds).order_by("path")
        homes = sorted(
            list(CommuneHomePage.objects.only("pk", "path", "title"))
            + list(PortalHomePage.objects.only("pk", "path", "title")),
            key=lambda h: h.path,
        )
        by_path = {h.path: h for h in homes}

        def home_of(page):
            for depth in range(len(page.path) // Page.steplen - 1, 0, -1):
                home = by_path.get(page.path[: depth * Page.steplen])
                if home is not None:
                    return home
            return None

        total = pages.count()
        written = 0
        try:
            with transaction.atomic():
                SearchPlacement.objects.all().delete()
                SearchEntry.objects.all().delete()
                batch, placed = [], []
                ids = list(pages.values_list("pk", flat=True))
                with tqdm(
                    total=total, desc="Chỉ mục tìm kiếm", unit="trang", disable=no_progress, file=self.stderr
                ) as bar:
                    for start in range(0, len(ids), BATCH):
                        chunk = Page.objects.filter(pk__in=ids[start : start + BATCH]).specific().order_by("path")
                        for page in chunk:
                            entry, placements = index_rows(page, home=home_of(page) or False)
                            if entry is not None:
                                batch.append(entry)
                                placed += placements
                            bar.update(1)
                        SearchEntry.objects.bulk_create(batch)
                        SearchPlacement.objects.bulk_create(placed)
                        written += len(batch)
                        batch, placed = [], []
        except Exception as exc:
            raise CommandError(f"Không dựng được chỉ mục tìm kiếm: {exc}") from exc
        self.stdout.write(f"Đã lập chỉ mục {written} trang (trên {total} trang đang xuất bản).")

"""manage.py repair_slugs [--dry-run] [--site HOST]

Pages whose address Wagtail garbled from their title ("cnh-bao-lc-xoay-ma-dja" by the admin's
JavaScript, "mua-a" by Django's slugify; core/slugs.py `is_garbled`) get the folded one
("canh-bao-loc-xoay-mua-da"), unique among their siblings, and each old address (the page's,
its routes' such as `in/` and `nghe/`, its live subpages') is left as a permanent redirect
(wagtail.contrib.redirects, one per Site serving it). The page's revisions get the new slug too,
so that publishing an older draft does not bring the old address back. Idempotent: a second run
finds nothing. Parents are renamed before their subpages; each page in its own transaction.
"""

from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm
from wagtail.contrib.redirects.models import Redirect
from wagtail.contrib.redirects.signal_handlers import create_redirects
from wagtail.models import Page, Site

from core.slugs import folded_slug, is_garbled, unique_slug


def find_sites(value):
    """The Sites named by `--site`: a hostname, with or without its port or scheme."""
    text = value.strip()
    parts = urlsplit(text if "://" in text else f"//{text}")
    try:
        hostname, port = parts.hostname, parts.port
    except ValueError:
        hostname, port = None, None
    if not hostname:
        raise CommandError(f"«{value}» không phải tên miền của một trang web (ví dụ: an-truong.cang-long.tra-vinh.vn).")
    sites = Site.objects.filter(hostname__iexact=hostname)
    if port is not None:
        sites = sites.filter(port=port)
    sites = list(sites.select_related("root_page"))
    if not sites:
        raise CommandError(
            f"Không có trang web nào có tên miền «{value}». Tên miền viết như trong địa chỉ của trang web, "
            "không có đường dẫn (ví dụ: an-truong.cang-long.tra-vinh.vn)."
        )
    return sites


def sites_serving(page):
    """The Sites whose tree holds the page, except one whose home it is (its address is "/")."""
    ancestors = [page.path[: depth * Page.steplen] for depth in range(1, page.depth + 1)]
    return list(Site.objects.filter(root_page__path__in=ancestors).exclude(root_page_id=page.pk))


def page_url(page):
    return page.get_url() or page.url_path


class Command(BaseCommand):
    help = (
        "Sửa địa chỉ các trang mà Wagtail làm hỏng dấu tiếng Việt (ví dụ “cnh-bao-lc-xoay-ma-dja” → "
        "“canh-bao-loc-xoay-mua-da”) và để lại chuyển hướng 301 từ địa chỉ cũ."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="chỉ liệt kê các trang sẽ đổi, không đổi gì")
        parser.add_argument("--site", metavar="TÊN_MIỀN", help="chỉ các trang của trang web này")
        parser.add_argument("--no-progress", action="store_true", help="không hiện thanh tiến độ")

    def handle(self, *args, dry_run=False, site=None, no_progress=False, **options):
        pages = Page.objects.filter(depth__gt=1)
        if site:
            sites = find_sites(site)
            scope = Page.objects.none()
            for found in sites:
                scope |= Page.objects.descendant_of(found.root_page)
            pages = pages.filter(pk__in=scope.values("pk"))
        roots = set(Site.objects.values_list("root_page_id", flat=True))  # a home's slug is in no address

        total = pages.count()
        garbled = []
        with tqdm(total=total, desc="Đang tìm", unit="trang", disable=no_progress or None, file=self.stderr) as bar:
            for pk, title, slug in pages.order_by("path").values_list("pk", "title", "slug").iterator(2000):
                if pk not in roots and is_garbled(slug, title):
                    garbled.append(pk)
                bar.update(1)

        if not garbled:
            self.stdout.write(self.style.SUCCESS(f"Không có trang nào có địa chỉ bị hỏng dấu (đã xét {total} trang)."))
            return

        redirects_before = Redirect.objects.count()
        planned = {}  # parent pk → slugs given in this run (a dry run saves none)
        renamed = 0
        with tqdm(
            total=len(garbled), desc="Đang sửa", unit="trang", disable=no_progress or None, file=self.stderr
        ) as bar:
            for pk in garbled:
                page = Page.objects.get(pk=pk).specific  # read now: a renamed parent changed its url_path
                try:
                    old_url, new_url = self.repair(page, planned, dry_run)
                except Exception as exc:  # reported with what was done; a rerun continues
                    raise CommandError(
                        f"Không đổi được địa chỉ trang «{page.title}» (id {page.pk}): {exc}. "
                        f"Đã đổi {renamed} trang trước đó; chạy lại lệnh để làm tiếp."
                    ) from exc
                renamed += 1
                bar.update(1)
                self.stdout.write(f"  {old_url}  →  {new_url}")

        if dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Chạy thử: sẽ đổi địa chỉ {renamed} trang (trên {total} trang đã xét). Chưa thay đổi gì; "
                    "chạy lại không có --dry-run để sửa."
                )
            )
        else:
            redirects = Redirect.objects.count() - redirects_before
            self.stdout.write(
                self.style.SUCCESS(
                    f"Đã đổi địa chỉ {renamed} trang (trên {total} trang đã xét) và để lại {redirects} chuyển hướng "
                    "301 từ địa chỉ cũ."
                )
            )

    def repair(self, page, planned, dry_run):
        """Rename one page (unless a dry run); (old URL, new URL)."""
        parent = page.get_parent()
        taken = planned.setdefault(parent.pk, set())
        old_slug, old_url = page.slug, page_url(page)
        new_slug = unique_slug(folded_slug(page.title), parent, page, taken=taken)
        taken.add(new_slug)
        if dry_run:
            suffix = f"/{old_slug}/"
            new_url = old_url[: -len(suffix)] + f"/{new_slug}/" if old_url.endswith(suffix) else new_slug
            return old_url, new_url
        with transaction.atomic():
            before = type(page).objects.get(pk=page.pk)  # the old url_path, for the redirects
            # Wagtail's redirect builder (create_redirects below, and its page_slug_changed handler
            # after the commit) copies this attribute from the page to its dummy requests and back;
            # core/site_roots.py's URL building never sets it, so without it the builder fails.
            page._wagtail_cached_site_root_paths = Site.get_site_root_paths()
            page.slug = new_slug
            page.save(clean=False, update_fields=["slug", "url_path"])
            for revision in page.revisions.all():
                if revision.content.get("slug") == old_slug:
                    revision.content["slug"] = new_slug
                    revision.save(update_fields=["content"])
            create_redirects(page=page, page_old=before, sites=sites_serving(page))
        return old_url, page_url(page)

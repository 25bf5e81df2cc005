"""manage.py seed_demo [--province TÊN_HOẶC_MÃ …] [--district …] [--communes N] [--news N] [--seed N] [--reset]

Fills the provisioned sites with Vietnamese demo content: news and events, announcements,
legal documents with their files, the commune profile with its leaders, contacts and
procedures, and each site's identity. The content comes from demo/content.py
(pure); this command writes it.

Seeded pages are owned by an inactive user "du-lieu-mau" (Dữ liệu mẫu), which is how a
second run knows a site is already seeded (and skips it) and how --reset finds what to
remove. Pages are created live in one pass (path, revision and publication dates set
directly), not through revision.publish(), so seeding a province takes seconds and sends
no page_published signals.
"""

import hashlib
import random
import sys
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from datetime import datetime, timedelta
from datetime import time as clock

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_save
from django.utils import timezone
from tqdm import tqdm
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Collection, Page, PageLogEntry, ReferenceIndex, Revision, Site
from wagtail.search.backends import get_search_backends
from wagtail.search.signal_handlers import post_save_signal_handler
from wagtail.signal_handlers import disable_reference_index_auto_update

from areas.models import AreaPage, CommuneHomePage, PortalHomePage, SiteIdentity
from cms_pages.models import (
    AnnouncementAttachment,
    AnnouncementIndexPage,
    AnnouncementPage,
    Category,
    ContactEntry,
    ContactPage,
    DocumentIndexPage,
    Leader,
    LegalDocumentFile,
    LegalDocumentPage,
    NewsIndexPage,
    NewsPage,
    ProcedureLink,
    ProfilePage,
)
from core.text import fold_key, slugify_vi
from core.working_days import deadline_for
from demo import content
from demo.departments import seed_departments
from demo.directives import seed_directives
from demo.indicators import seed_indicators
from demo.inquiries import inquiries as demo
from demo.sources import seed_sources
from inquiries.models import (
    CONSENT_VERSION,
    AnsweredQuestionPage,
    Inquiry,
    InquiryEvent,
    QuestionIndexPage,
    new_tracking_code,
)
from search import engine as site_search
from search.models import SearchEntry

DEMO_USERNAME = "du-lieu-mau"
DEFAULT_SEED = 135
DEFAULT_NEWS = 6
INDEX_EVERY = 20  # sites between two bulk indexings
PROFILE_FIELDS = ["natural_conditions", "economy_society", "history_culture", "relics_landscapes", "apparatus"]
CONTACT_FIELDS = ["office_name", "address", "phone", "email", "working_hours"]
IDENTITY_FIELDS = ["agency", "address", "phone", "email", "responsible_person", "responsible_title", "footer_text"]
TYPE_WORDS = ("tinh ", "thanh pho ", "tp ", "tp. ", "huyen ", "quan ", "thi xa ")

LABELS = [
    ("news", "tin tức"),
    ("announcement", "thông báo"),
    ("legal document", "văn bản"),
    ("file", "tệp đính kèm"),
    ("image", "ảnh"),
    ("profile", "trang giới thiệu"),
    ("leader", "lãnh đạo"),
    ("contact page", "trang liên hệ"),
    ("contact", "đầu mối liên hệ"),
    ("procedure", "thủ tục trực tuyến"),
    ("identity", "thông tin trang web"),
    ("source item", "thông tin nguồn và cảnh báo"),
    ("inquiry", "câu hỏi, phản ánh của người dân"),
    ("answered question", "trả lời công khai"),
    ("directive", "văn bản chỉ đạo, yêu cầu báo cáo"),
    ("centres", "trung tâm truyền thông huyện"),
    ("site checks", "lần kiểm tra trang xã"),
]


class Command(BaseCommand):
    help = (
        "Tạo dữ liệu mẫu tiếng Việt (tin tức, thông báo, văn bản, giới thiệu, liên hệ, thông tin trang web) "
        "cho các trang xã và cổng thông tin đã được tạo bằng lệnh provision."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--province",
            action="append",
            metavar="TÊN_HOẶC_MÃ",
            help="tỉnh (tên có hoặc không dấu, hoặc mã); lặp lại được; mặc định: mọi tỉnh đã tạo",
        )
        parser.add_argument(
            "--district",
            action="append",
            metavar="TÊN_HOẶC_MÃ",
            help="chỉ một huyện (cổng huyện và các xã của nó); lặp lại được",
        )
        parser.add_argument("--structure", choices=["2024", "2025"], help="chỉ các tỉnh tạo theo cấu trúc này")
        parser.add_argument(
            "--communes", type=int, metavar="N", help="chỉ N xã đầu tiên của mỗi tỉnh (hoặc huyện nếu có --district)"
        )
        parser.add_argument(
            "--news",
            type=int,
            default=DEFAULT_NEWS,
            metavar="N",
            help=f"số tin mỗi trang web (mặc định {DEFAULT_NEWS})",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"hạt giống ngẫu nhiên: cùng hạt giống, cùng nội dung (mặc định {DEFAULT_SEED})",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="xoá dữ liệu mẫu đã tạo rồi tạo lại (ghi đè cả giới thiệu, liên hệ, thông tin trang web)",
        )
        parser.add_argument("--no-progress", action="store_true", help="không hiện thanh tiến độ")

    def handle(self, *args, province, district, structure, communes, news, seed, reset, no_progress, **options):
        started = time.monotonic()
        if news < 0 or news > 200:
            raise CommandError("--news phải từ 0 đến 200.")
        if communes is not None and communes < 0:
            raise CommandError("--communes không được âm.")

        provinces = _select_provinces(province or [], structure)
        # (province, the areas chosen in it): the whole province, or some of its districts.
        targets = _select_districts(district, provinces) if district else [(p, [p]) for p in provinces]

        seeder = Seeder(seed=seed, news_count=news, reset=reset)
        plans = [(prov, seeder.homes(prov, areas, communes)) for prov, areas in targets]
        total = sum(len(homes) for _, homes in plans)
        bar = tqdm(
            total=total,
            unit="trang",
            desc="Dữ liệu mẫu",
            file=sys.stderr,
            disable=no_progress or None,
            dynamic_ncols=True,
        )
        try:
            with seeder.indexing_deferred():
                for prov, homes in plans:
                    bar.set_description(prov.title)
                    with seeder.unit_of_work():
                        seeder.prepare(prov)
                    for home in homes:
                        seeder.run(home)
                        bar.update(1)
        finally:
            bar.close()
        if not district and communes is None:  # the whole province: its source information too
            for prov in provinces:
                with transaction.atomic():
                    seeder.stats["source item"] += seed_sources(prov, seeder.user)
                    seeder.stats["source item"] += seed_departments(prov, seeder.user)
                    for kind, count in seed_indicators(prov).items():  # centres, site checks, targets
                        seeder.stats[kind] += count
                    seeder.stats["directive"] += seed_directives(prov, seeder.user)

        self.stdout.write(self.style.SUCCESS(seeder.summary(provinces, time.monotonic() - started)))


# --- Choosing what to seed ------------------------------------------------------------------------


def _strip_type(key):
    for word in TYPE_WORDS:
        if key.startswith(word):
            return key[len(word) :]
    return key


def _select_provinces(queries, structure):
    provinces = AreaPage.objects.filter(level="province").order_by("path")
    if structure:
        provinces = provinces.filter(structure=structure)
    provinces = list(provinces)
    if not provinces:
        where = f" theo cấu trúc {structure}" if structure else ""
        raise CommandError(
            f"Chưa có tỉnh nào được tạo{where}. Hãy tạo trước, ví dụ: "
            'manage.py provision --structure 2024 --province "Trà Vinh"'
        )
    if not queries:
        return provinces
    chosen = []
    for query in queries:
        q = query.strip()
        if q.isdigit():
            found = [p for p in provinces if p.code == q.zfill(2)]
        else:
            key = _strip_type(fold_key(q))
            found = [p for p in provinces if fold_key(p.short_name) == key or fold_key(p.title) == fold_key(q)]
        if not found:
            names = ", ".join(f"{p.short_name} ({p.code})" for p in provinces[:10])
            raise CommandError(
                f"Không tìm thấy tỉnh {query!r} trong các tỉnh đã tạo: {names}. "
                f"Nếu tỉnh chưa được tạo, hãy chạy manage.py provision trước."
            )
        for p in found:
            if p not in chosen:
                chosen.append(p)
    return chosen


def _select_districts(queries, provinces):
    by_province = {}
    for query in queries:
        q = query.strip()
        candidates = []
        for prov in provinces:
            areas = AreaPage.objects.descendant_of(prov).filter(level="district")
            if q.isdigit():
                candidates += [a for a in areas if a.code == q.zfill(3)]
            else:
                exact = [a for a in areas if fold_key(a.title) == fold_key(q)]
                candidates += exact or [a for a in areas if fold_key(a.short_name) == _strip_type(fold_key(q))]
        if not candidates:
            raise CommandError(f"Không tìm thấy huyện {query!r} trong {', '.join(p.title for p in provinces)}.")
        if len(candidates) > 1:
            names = ", ".join(f"{a.title} ({a.code})" for a in candidates)
            raise CommandError(f"Tên {query!r} trùng nhiều đơn vị: {names}. Hãy dùng tên đầy đủ hoặc mã.")
        area = candidates[0]
        prov = next(p for p in provinces if area.path.startswith(p.path))
        by_province.setdefault(prov.pk, (prov, []))[1].append(area)
    return list(by_province.values())


def _demo_user():
    User = get_user_model()
    user, created = User.objects.get_or_create(
        **{User.USERNAME_FIELD: DEMO_USERNAME},
        defaults={"first_name": "Dữ liệu mẫu", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


# --- Writing -----------------------------------------------------------------------------------------


class Seeder:
    def __init__(self, seed, news_count, reset):
        self.random_seed = seed
        self.news_count = news_count
        self.reset = reset
        self.user = _demo_user()
        self.stats = Counter()
        self.seeded = Counter()  # sites seeded, by level
        self.skipped = 0
        self.deleted = 0
        self.now = timezone.localtime()
        self.today = self.now.date()
        self.tz = self.now.tzinfo
        self.fonts = content.find_fonts([settings.THEMES_DIR / "default" / "fonts"])
        self.categories = {c.slug: c for c in Category.objects.all()}
        self.page_ct = ContentType.objects.get_for_model(Page)
        self.saved = self.updated = None
        self.buffer = []

    # --- indexing ---

    @contextmanager
    def indexing_deferred(self):
        """Search and reference indexing of what seeding saves, done in bulk every INDEX_EVERY
        sites and at the end (also when seeding stops on an error).

        Saved one by one (what the post_save handlers do), each page costs two more fetches and
        the SQLite search backend re-averages every title in the index on each insert. The
        handlers are reconnected whatever happens. Deletions (--reset) keep their handlers."""
        self.saved, self.updated, self.sites_pending = defaultdict(list), defaultdict(list), 0
        models = [
            NewsPage,
            AnnouncementPage,
            LegalDocumentPage,
            ProfilePage,
            ContactPage,
            SiteIdentity,
            get_image_model(),
            get_document_model(),
        ]
        disconnected = [m for m in models if post_save.disconnect(post_save_signal_handler, sender=m)]
        try:
            yield
        finally:
            try:
                self._index()
            finally:
                self.saved = self.updated = None
                for model in disconnected:
                    post_save.connect(post_save_signal_handler, sender=model)

    @contextmanager
    def unit_of_work(self):
        """One transaction; what it saved is queued for indexing only once it has committed."""
        self.buffer = []
        with transaction.atomic(), disable_reference_index_auto_update():
            yield
        if self.saved is not None:
            for new, obj in self.buffer:
                (self.saved if new else self.updated)[type(obj)].append(obj)
        self.buffer = []

    def _saved(self, obj, new=True):
        if self.saved is not None:  # else the post_save handlers index it
            self.buffer.append((new, obj))

    def _site_done(self):
        self.sites_pending += 1
        if self.sites_pending >= INDEX_EVERY:
            self._index()

    def _index(self):
        backends = list(get_search_backends(with_auto_update=True))
        with transaction.atomic():
            for group in (self.saved, self.updated):
                for model, objects in group.items():
                    if hasattr(model, "get_search_fields") and model.get_search_fields():
                        for backend in backends:
                            backend.add_bulk(model, objects)
            _add_references([obj for objects in self.saved.values() for obj in objects])
            self._site_search_entries()
            for objects in self.updated.values():
                for obj in objects:
                    if ReferenceIndex.is_indexed(type(obj)):
                        ReferenceIndex.create_or_update_for_object(obj)
        self.saved.clear()
        self.updated.clear()
        self.sites_pending = 0

    def _site_search_entries(self):
        """The site search's own index (search/engine.py), which the publish signals fill
        for pages published in the admin and seeding does not send."""
        labels = set(site_search.searchable_model_labels())
        entries = []
        for group in (self.saved, self.updated):
            for model, objects in group.items():
                if model._meta.label_lower not in labels:
                    continue
                for page in objects:
                    fields = site_search.entry_fields(page)
                    if fields is not None:
                        entries.append(SearchEntry(page_id=page.pk, **fields))
        if entries:
            SearchEntry.objects.filter(page_id__in=[e.page_id for e in entries]).delete()
            SearchEntry.objects.bulk_create(entries)

    # --- plan ---

    def homes(self, province, areas, limit):
        """The portal and commune homes to seed in the chosen areas, portals first."""
        homes = []
        for area in areas:
            portals = list(PortalHomePage.objects.descendant_of(area).order_by("path"))
            communes = CommuneHomePage.objects.descendant_of(area).order_by("path")
            if limit is not None:
                communes = communes[:limit]
            homes += [h for h in portals + list(communes) if h not in homes]
        return homes

    def prepare(self, province):
        """Look-ups once per province: the area tree's names, Sites, the picture pool."""
        self.province = province
        areas = list(AreaPage.objects.filter(path__startswith=province.path).select_related("collection"))
        communes = list(CommuneHomePage.objects.filter(path__startswith=province.path).order_by("path"))
        self.areas = {a.path: a for a in areas}
        self.children = defaultdict(list)  # area path → names in a sentence of the units inside
        self.commune_names = defaultdict(list)  # area path → names of its communes
        for a in sorted(areas, key=lambda a: a.path):
            if a.path != province.path:
                self.children[a.path[: -Page.steplen]].append(a.name_in_sentence)
        for c in communes:
            self.children[c.path[: -Page.steplen]].append(c.name_in_sentence)
            self.commune_names[c.path[: -Page.steplen]].append(c.name_in_sentence)
        self.sites = {s.root_page_id: s for s in Site.objects.filter(root_page__path__startswith=province.path)}
        self.collection = province.collection or Collection.get_first_root_node()
        self._picture_pool()

    def _picture_pool(self):
        Image = get_image_model()
        have = {img.title: img for img in Image.objects.filter(collection=self.collection, uploaded_by_user=self.user)}
        self.news_images, self.portraits = {}, []
        for key, (caption, *_rest) in content.NEWS_IMAGES.items():
            title = f"Ảnh minh hoạ: {caption}"
            img = have.get(title)
            if img is None:
                data = content.render_news_image(key, self.fonts, seed=self.random_seed)
                img = self._image(title, f"minh-hoa-{key}.jpg", data, content.NEWS_IMAGE_SIZE)
            self.news_images[key] = img
        for i in range(len(content.PORTRAITS)):
            title = f"Ảnh chân dung (minh hoạ) {i + 1}"
            img = have.get(title)
            if img is None:
                data = content.render_portrait(i, self.fonts)
                img = self._image(title, f"chan-dung-minh-hoa-{i + 1}.png", data, content.PORTRAIT_SIZE)
            self.portraits.append(img)

    def _image(self, title, name, data, size):
        Image = get_image_model()
        img = Image(
            title=title,
            collection=self.collection,
            uploaded_by_user=self.user,
            file_size=len(data),
            file_hash=hashlib.sha1(data).hexdigest(),
        )
        img.file.save(name, ContentFile(data), save=False)
        img.width, img.height = size  # assigning the file cleared them
        img.save()
        self._saved(img)
        self.stats["image"] += 1
        return img

    def _document(self, title, name, data, collection):
        Document = get_document_model()
        doc = Document(
            title=title,
            collection=collection,
            uploaded_by_user=self.user,
            file_size=len(data),
            file_hash=hashlib.sha1(data).hexdigest(),
        )
        doc.file.save(name, ContentFile(data), save=False)
        doc.save()
        self._saved(doc)
        self.stats["file"] += 1
        return doc

    # --- one site ---

    def _place(self, home):
        if isinstance(home, CommuneHomePage):
            unit, parent_path = home, home.path[: -Page.steplen]
            level = "commune"
        else:
            unit = self.areas[home.path[: -Page.steplen]]
            parent_path = unit.path[: -Page.steplen]
            level = unit.level
        ancestors = []
        path = parent_path
        while path in self.areas:
            ancestors.append(self.areas[path].name_in_sentence)
            path = path[: -Page.steplen]
        own_path = unit.path if level != "commune" else None
        return content.Place(
            level=level,
            unit_type=unit.unit_type,
            name=unit.short_name,
            code=unit.code,
            province_code=self.province.code,
            ancestors=tuple(ancestors),
            subunits=tuple(self.children.get(own_path, ())) if own_path else (),
            neighbours=tuple(n for n in self.commune_names.get(parent_path, ()) if n != unit.name_in_sentence)
            if level == "commune"
            else (),
        ), unit

    def run(self, home):
        """Seed one site in one transaction: skip it if already seeded, or with --reset remove
        the earlier demo pages and files first (with the usual delete handlers, which clean the
        search and reference indexes)."""
        place, unit = self._place(home)
        collection = unit.collection or self.collection
        with transaction.atomic():
            seeded = Page.objects.filter(path__startswith=home.path, depth__gt=home.depth, owner=self.user)
            pks = list(seeded.values_list("pk", flat=True))
            if pks and not self.reset:
                self.skipped += 1
                return
            if self.reset:
                self._index()  # nothing queued may point at what is deleted now
                Page.objects.filter(pk__in=pks).delete()
                Inquiry.objects.filter(commune_id=home.pk, client_key="demo").delete()
                get_document_model().objects.filter(collection=collection, uploaded_by_user=self.user).delete()
                self.deleted += len(pks)
            with self.unit_of_work():
                self.seed(home, place, unit, collection)
        self._site_done()

    def seed(self, home, place, unit, collection):
        r = random.Random(f"{self.random_seed}:{unit.structure}:{place.level}:{place.code}")
        ctx = content.context(r, place, self.today)
        sections = {type(p): p for p in Page.objects.child_of(home).specific()}

        if NewsIndexPage in sections:
            self._news(sections[NewsIndexPage], content.news(r, ctx, self.news_count, self.tz))
        if AnnouncementIndexPage in sections:
            self._announcements(
                sections[AnnouncementIndexPage], content.announcements(r, ctx, self.now), place, collection
            )
        if DocumentIndexPage in sections:
            self._documents(sections[DocumentIndexPage], content.legal_documents(r, ctx), place, collection)
        if ProfilePage in sections:
            self._profile(sections[ProfilePage], content.profile(r, ctx), ctx.people)
        if ContactPage in sections:
            self._contact(sections[ContactPage], content.contact(r, ctx))
        if QuestionIndexPage in sections and place.level == "commune":
            self._inquiries(home, sections[QuestionIndexPage], r, ctx)
        site = self.sites.get(home.pk)
        if site is not None:
            self._identity(site, content.site_identity(r, ctx))
        self.seeded[place.level] += 1

    def _inquiries(self, home, index, r, ctx):
        """Citizens' questions and feedback: answered (most published as pages), open, overdue."""

        names = [content.person_name(r, g) for g in "mfmfmfmf"]
        unit = f"Ủy ban nhân dân {home.name_in_sentence}"
        events, published = [], []
        for n, item in enumerate(demo(r, ctx, self.now, names)):
            answered_at = None
            if item.answered_after_days is not None:
                answered_at = min(
                    item.received_at + timedelta(days=item.answered_after_days, hours=3), self.now - timedelta(hours=1)
                )
            status = item.status or ("closed" if item.rating else "answered")
            inquiry = Inquiry.objects.create(
                code=new_tracking_code(),
                submission_key=f"demo:{home.pk}:{n}",
                commune=home,
                kind=item.kind,
                topic=item.topic,
                title=item.title,
                body=item.body,
                location=item.location,
                name=item.name,
                show_name=r.random() < 0.3,
                phone=content.mobile(r).replace(" ", ""),
                consent_version=CONSENT_VERSION,
                consented_at=item.received_at,
                client_key="demo",
                status=status,
                answer=item.answer if answered_at else "",
                answered_at=answered_at,
                is_public=item.public and answered_at is not None,
                received_at=item.received_at,
                deadline=deadline_for(item.received_at),
                rating=item.rating if answered_at else None,
                rated_at=answered_at + timedelta(days=1) if answered_at and item.rating else None,
                closed_at=answered_at + timedelta(days=1) if status == "closed" else None,
            )
            events.append(InquiryEvent(inquiry=inquiry, at=item.received_at, action="received"))
            if item.status == "assigned":
                events.append(
                    InquiryEvent(
                        inquiry=inquiry,
                        at=item.received_at + timedelta(hours=2),
                        action="assigned",
                        note="Công chức văn hoá – xã hội",
                    )
                )
            if answered_at:
                events.append(InquiryEvent(inquiry=inquiry, at=answered_at, action="answered"))
                if inquiry.rating:
                    events.append(
                        InquiryEvent(inquiry=inquiry, at=inquiry.rated_at, action="rated", note=f"{inquiry.rating}/5")
                    )
            if inquiry.is_public:
                page = AnsweredQuestionPage(
                    title=item.title,
                    kind=item.kind,
                    topic=item.topic,
                    asker=item.name if inquiry.show_name else "Công dân",
                    question=item.body,
                    location=item.location,
                    asked_on=timezone.localdate(item.received_at),
                    answer=item.answer,
                    answered_on=timezone.localdate(answered_at),
                    answered_by_unit=unit,
                )
                published.append((page, answered_at, inquiry))
                events.append(InquiryEvent(inquiry=inquiry, at=answered_at, action="published"))
        self._add_live_children(index, [(page, at) for page, at, _inquiry in published])
        for page, _at, inquiry in published:
            Inquiry.objects.filter(pk=inquiry.pk).update(public_page=page)
        InquiryEvent.objects.bulk_create(events)
        self.stats["inquiry"] += len({e.inquiry_id for e in events})
        self.stats["answered question"] += len(published)

    def _news(self, index, items):
        pages = []
        for item in items:
            page = NewsPage(
                title=item.title,
                date=item.date,
                summary=item.summary,
                body=item.body,
                featured_image=self.news_images.get(item.image),
                event_start=item.event_start,
                event_end=item.event_end,
                event_location=item.event_location,
            )
            page.categories = [self.categories[s] for s in item.categories if s in self.categories]
            pages.append((page, item.published_at))
            self.stats["event"] += bool(item.event_start)
        self._add_live_children(index, pages)
        self.stats["news"] += len(pages)

    def _announcements(self, index, items, place, collection):
        pages = []
        for item in items:
            # The weather warning goes to the boards in about one commune in five (where it then
            # pre-empts everything); elsewhere the editors kept it to the website.
            on_boards = item.priority != "emergency" or place.code[-1] in "05"
            page = AnnouncementPage(
                title=item.title,
                date=item.date,
                summary=item.summary,
                body=item.body,
                valid_from=item.valid_from,
                valid_until=item.valid_until,
                priority=item.priority,
                show_on_boards=on_boards,
            )
            if item.attachment:
                name, title, text = item.attachment
                doc = self._document(title, name, text.encode("utf-8"), collection)
                page.attachments = [AnnouncementAttachment(document=doc)]
            # Published when it became valid; one announced ahead of time, now.
            pages.append((page, min(item.valid_from, self.now)))
        self._add_live_children(index, pages)
        self.stats["announcement"] += len(pages)

    def _documents(self, index, items, place, collection):
        pages = []
        for item in items:
            page = LegalDocumentPage(
                title=item.title,
                number_symbol=item.number_symbol,
                doc_type=item.doc_type,
                issuer=item.issuer,
                signer=item.signer,
                issue_date=item.issue_date,
                effective_date=item.effective_date,
                summary=item.summary,
                status=item.status,
            )
            if item.attach:
                data = content.render_document_pdf(item, place, self.fonts)
                name = f"{slugify_vi(place.in_sentence)}-{item.file_name}"
                doc = self._document(f"{item.number_symbol} – {item.summary}"[:255], name, data, collection)
                page.files = [LegalDocumentFile(document=doc)]
            published = datetime.combine(item.issue_date, clock(15), tzinfo=self.tz)
            pages.append((page, min(published, self.now)))
        self._add_live_children(index, pages)
        self.stats["legal document"] += len(pages)

    def _profile(self, page, parts, people):
        changed = False
        for name in PROFILE_FIELDS:
            if self.reset or not getattr(page, name):
                setattr(page, name, parts[name])
                changed = True
        if self.reset or not page.leaders.exists():
            page.leaders = [
                Leader(
                    name=p.name,
                    title=p.title,
                    photo=self._portrait(p, i),
                    duties=p.duties,
                    phone=p.phone,
                    email=p.email,
                    biography=p.biography,
                )
                for i, p in enumerate(people)
            ]
            self.stats["leader"] += len(people)
            changed = True
        if changed:
            self._save_live(page)
            self.stats["profile"] += 1

    def _portrait(self, person, index):
        same = [img for img, (gender, _) in zip(self.portraits, content.PORTRAITS) if gender == person.gender]
        return same[index % len(same)] if same else None

    def _contact(self, page, data):
        changed = False
        for name in CONTACT_FIELDS:
            if self.reset or not getattr(page, name):
                setattr(page, name, data[name])
                changed = True
        if self.reset or not page.contacts.exists():
            page.contacts = [ContactEntry(**c) for c in data["contacts"]]
            self.stats["contact"] += len(data["contacts"])
            changed = True
        if self.reset or not page.procedures.exists():
            page.procedures = [ProcedureLink(**p) for p in data["procedures"]]
            self.stats["procedure"] += len(data["procedures"])
            changed = True
        if changed:
            self._save_live(page)
            self.stats["contact page"] += 1

    def _identity(self, site, data):
        identity = SiteIdentity.for_site(site)
        changed = [
            name
            for name in IDENTITY_FIELDS
            if (self.reset or not getattr(identity, name)) and getattr(identity, name) != data[name]
        ]
        for name in changed:
            setattr(identity, name, data[name])
        if changed:
            identity.save()
            self._saved(identity, new=False)
            self.stats["identity"] += 1

    # --- pages ---

    def _save_live(self, page):
        """Save an existing live page's new content, with a revision that is its live revision."""
        page.save()
        self._saved(page, new=False)
        revision = page.save_revision(user=self.user, changed=False, clean=False)
        Page.objects.filter(pk=page.pk).update(live_revision=revision, last_published_at=self.now)
        PageLogEntry.objects.bulk_create(
            [
                PageLogEntry(
                    content_type=revision.content_type,
                    label=page.title,
                    action="wagtail.publish",
                    timestamp=self.now,
                    user=self.user,
                    page_id=page.pk,
                    revision=revision,
                    content_changed=True,
                )
            ]
        )

    def _add_live_children(self, parent, pages):
        """Add (page, published_at) pairs under parent as live pages, each with one revision.

        What parent.add_child(instance=page) then save_revision().publish() leave behind,
        without re-reading the parent for each page and without the publish signals: the
        paths continue after the parent's last child, the slugs are made unique among the
        siblings up front. Page.save still runs (url_path, search and reference index,
        "wagtail.create" log entry)."""
        if not pages:
            return
        last = parent.get_last_child()
        step = Page._str2int(last.path[-Page.steplen :]) if last else 0
        taken = set(Page.objects.child_of(parent).values_list("slug", flat=True))
        depth = parent.depth + 1
        saved = []
        for page, published in sorted(pages, key=lambda pair: pair[1]):
            step += 1
            page.slug = _unique_slug(page.title, taken)
            page.depth = depth
            page.path = Page._get_path(parent.path, depth, step)
            page.locale_id = parent.locale_id
            page._cached_parent_obj = parent
            page.owner = self.user
            page.live = True
            page.has_unpublished_changes = False
            page.draft_title = page.title
            page.first_published_at = page.last_published_at = page.latest_revision_created_at = published
            page.save(clean=False, log_action=None)  # its history is written below, in bulk
            saved.append(page)
            self._saved(page)
        Page.objects.filter(pk=parent.pk).update(numchild=F("numchild") + len(saved))
        parent.numchild += len(saved)

        revisions = Revision.objects.bulk_create(
            [
                Revision(
                    content_type=ContentType.objects.get_for_model(page),
                    base_content_type=self.page_ct,
                    object_id=str(page.pk),
                    user=self.user,
                    created_at=page.first_published_at,
                    content=page.serializable_data(),
                    object_str=str(page),
                )
                for page in saved
            ]
        )
        for page, revision in zip(saved, revisions):
            Page.objects.filter(pk=page.pk).update(latest_revision=revision, live_revision=revision)
        # The history an editor would have left: created, then published.
        PageLogEntry.objects.bulk_create(
            [
                PageLogEntry(
                    content_type=revision.content_type,
                    label=page.title,
                    action=action,
                    timestamp=revision.created_at,
                    user=self.user,
                    page_id=page.pk,
                    revision=revision if action == "wagtail.publish" else None,
                    content_changed=True,
                )
                for page, revision in zip(saved, revisions)
                for action in ("wagtail.create", "wagtail.publish")
            ]
        )

    # --- report ---

    def summary(self, provinces, seconds):
        names = ", ".join(p.title for p in provinces[:5]) + (" …" if len(provinces) > 5 else "")
        sites = sum(self.seeded.values())
        parts = [f"{self.stats[key]} {label}" for key, label in LABELS if self.stats[key]]
        if self.stats["event"]:
            parts[0] += f" ({self.stats['event']} tin sự kiện)"
        text = (
            f"Xong dữ liệu mẫu cho {names} trong {content.vn_dec(seconds, 1)} giây: {sites} trang web "
            f"({self.seeded['commune']} xã, {self.seeded['district'] + self.seeded['province']} cổng thông tin). "
            f"Tạo mới: {', '.join(parts) or 'không có gì'}."
        )
        if self.deleted:
            text += f" Đã xoá {self.deleted} trang mẫu cũ."
        if self.skipped:
            text += f" Bỏ qua {self.skipped} trang web đã có dữ liệu mẫu (dùng --reset để tạo lại)."
        return text


def _add_references(objects):
    """ReferenceIndex rows for objects saved a moment ago (so with no rows yet), in one insert:
    what ReferenceIndex.create_or_update_for_object does for each, less its look-ups."""
    extract = getattr(ReferenceIndex, "_extract_references_from_object", None)
    content_path_hash = getattr(ReferenceIndex, "_get_content_path_hash", None)
    objects = [obj for obj in objects if ReferenceIndex.is_indexed(type(obj))]
    if extract is None or content_path_hash is None:  # another Wagtail: the public way
        for obj in objects:
            ReferenceIndex.create_or_update_for_object(obj)
        return
    rows = []
    for obj in objects:
        types = [
            ContentType.objects.get_for_model(m, for_concrete_model=False) for m in [obj, *obj._meta.get_parent_list()]
        ]
        for to_content_type_id, to_object_id, model_path, content_path in set(extract(obj)):
            rows.append(
                ReferenceIndex(
                    content_type=types[0],
                    base_content_type=types[-1],
                    object_id=obj.pk,
                    to_content_type_id=to_content_type_id,
                    to_object_id=to_object_id,
                    model_path=model_path,
                    content_path=content_path,
                    content_path_hash=content_path_hash(content_path),
                )
            )
    ReferenceIndex.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


def _unique_slug(title, taken, limit=80):
    """An ASCII slug from the title, cut at a word under `limit`, unique among `taken`."""
    base = slugify_vi(title)
    if len(base) > limit:
        base = base[: limit + 1].rsplit("-", 1)[0]
    base = base or "trang"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug

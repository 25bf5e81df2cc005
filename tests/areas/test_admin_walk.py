"""No admin URL shows a commune's staff anything of another unit.

Every URL pattern under /admin/ (Wagtail's and the project's, found by walking Django's resolver,
so a new one is walked without being listed here) is requested with GET as an editor and as a
moderator of xã An Trường (A). Its arguments are filled with the ids of other units' rows, by the
argument's name and converter and by the model the view is for: pages (drafts, a page in
moderation, a locked page, a page with a newer draft), images, documents, collections, uploads in
progress, editing sessions, boards, loudspeaker clusters, board groups, media slides, stations,
programmes, CAP feeds, questions and their photos, users, groups, workflows and tasks, Sites and
their settings, redirects, departments (with their staff and a draft in their section), district
communication centres, the province's own target, peers of the exchange (what they sent up, the
outbox, the log of what arrived), directives (drafts, sent ones, their files, the recipients'
answers and answer files; the directives' views name no model: NAMED_MODELS). List views are asked again with a search word and with filters that
name those rows; bulk actions and "chosen" views with their ids.

The other units are seeded with marker strings (MARK, in titles, file names, tags, people's
names, e-mail addresses and phone numbers, and inside the files' bytes): a response that holds
one, in its body, its Location or its Content-Disposition, or a file of another unit served with
200, is a leak. A's own rows carry OWN_MARK, which the walk must see, so a walk that silently sees
nothing (logged out, wrong ids) fails too; a superuser's walk must see MARK on the views that
show one row, so the ids reach the rows they are meant for.
"""

import base64
import datetime
import hashlib
import itertools
import os
import re
import secrets
import struct
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.http import urlsafe_base64_encode
from wagtail.admin.models import EditingSession
from wagtail.admin.views.bulk_action.registry import bulk_action_registry
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.log_actions import log as log_action
from wagtail.models import Collection, Page, Site, Task, UploadedFile, Workflow

from areas.departments import provision_department
from areas.models import AreaPage, CommuneHomePage, Department, SiteIdentity
from boards.models import Board, BoardGroup, BoardStatus, FeedEntry, FeedSource, Heartbeat, MediaSlide
from cms_pages.models import AnnouncementIndexPage, Category, NewsIndexPage, NewsPage
from directives.models import AnswerFile, Directive, DirectiveFile, DirectiveKind, DirectiveRecipient
from exchange.models import InboxEntry, OutgoingMessage, Peer, PeerReport
from indicators.models import CommunicationCentre, IndicatorTarget, ReportSigning, TargetSource
from inquiries.models import CONSENT_VERSION, EventAction, Inquiry, InquiryPhoto, new_tracking_code
from sources.models import CapFeed, SourceItemPage
from station.models import Hamlet, Programme, SlotPlan, Station

MARK = "zq7f3a"  # in every row of the other units
OWN_MARK = "zqa11a"  # in A's own rows
PHONE = "0909707070"  # a citizen's and an office's phone number in the other units
SEARCH_WORD = "mật"  # in every marked title ("bí mật …"), searched for by the list views
PASSWORD = "x-Strong-pass-123"

# Patterns not requested, and why.
SKIPPED = {
    "wagtailadmin_logout": "ends the session the walk runs in",
    "wagtailadmin_error_test": "Wagtail's deliberate error page (failwhale)",
}
# Binary answers that are nobody's data.
PUBLIC_TYPES = ("text/html", "application/json", "text/plain", "text/javascript", "application/javascript")


# --- Seeding ----------------------------------------------------------------------------------


def png(text, size=(24, 16), colour=(200, 30, 30)):
    """A small valid PNG carrying `text` in a tEXt chunk, so its bytes hold the marker."""
    width, height = size
    raw = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"tEXt", b"Comment\x00" + text.encode())
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def pdf(text):
    return f"%PDF-1.4\n% {text}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".encode()


def person(unit, role, username, mark, **fields):
    user = get_user_model().objects.create_user(
        username,
        password=PASSWORD,
        first_name=f"{mark.title()} Quan",
        last_name="Chức",
        email=f"quanchuc.{username}.{mark}@example.vn",
        **fields,
    )
    user.groups.add(getattr(unit, f"{role}_group"))
    return user


def news(index, title, *, publish=True, user=None):
    page = NewsPage(title=title, date=timezone.localdate(), summary=f"Tóm tắt {title}")
    index.add_child(instance=page)
    revision = page.save_revision(user=user)
    if publish:
        revision.publish()
    page.refresh_from_db()
    return page


def directive(sender, mark, tag, *, kind=DirectiveKind.DIRECTIVE, sent=True, title=None):
    """A directive (a report request: `kind`) of `sender`, sent unless `sent` is False (a draft)."""
    now = timezone.now()
    return Directive.objects.create(
        sender=sender,
        kind=kind,
        number=f"{tag}/{mark}-UBND" if title is None else "",
        issued_on=timezone.localdate(),
        title=title or f"Văn bản bí mật {mark} {tag}",
        body="" if title else f"Nội dung chỉ đạo bí mật {mark} {tag}.",
        period_key=str(timezone.localdate().year) if kind == DirectiveKind.REPORT_REQUEST else "",
        deadline=now + datetime.timedelta(days=7),
        sent_at=now if sent else None,
    )


def directive_file(row, mark, tag):
    data = pdf(mark)
    name = f"{mark}-van-ban-{tag}.pdf"
    return DirectiveFile.objects.create(
        directive=row, file=ContentFile(data, name=name), name=name, kind="PDF", size=len(data)
    )


def answered(recipient, mark, tag, user):
    """`recipient` seen, acknowledged and answered (text and a file), all marked: the file row."""
    now = timezone.now()
    DirectiveRecipient.objects.filter(pk=recipient.pk).update(
        seen_at=now, acknowledged_at=now, answered_at=now, answered_by=user, answer=f"Trả lời bí mật {mark} {tag}."
    )
    data = pdf(mark)
    name = f"{mark}-tra-loi-{tag}.pdf"
    return AnswerFile.objects.create(
        recipient=recipient, file=ContentFile(data, name=name), name=name, kind="PDF", size=len(data), uploaded_by=user
    )


@dataclass
class Unit:
    """One unit's seeded rows: {model: [pks]} and the pages by role."""

    home: Page
    rows: dict = field(default_factory=dict)
    pages: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def add(self, obj):
        self.rows.setdefault(type(obj), []).append(obj.pk)
        return obj


def seed_commune(home, mark, tag):
    """A commune's pages, media, boards, station, questions and people, all marked."""
    unit = Unit(home)
    Image, Document = get_image_model(), get_document_model()
    editor = unit.add(person(home, "editors", f"bt_{tag}_{mark}", mark))
    unit.add(person(home, "moderators", f"kd_{tag}_{mark}", mark))
    unit.extra["user"] = editor
    unit.rows.setdefault(Group, []).extend([home.editors_group_id, home.moderators_group_id])

    index = NewsIndexPage.objects.child_of(home).get()
    unit.pages["index"] = index
    unit.pages["draft"] = news(index, f"Bí mật {tag} {mark} tin nháp", publish=False, user=editor)
    edited = news(index, f"Bí mật {tag} {mark} đã đăng", user=editor)
    edited.title = f"Bí mật {tag} {mark} bản sửa chưa duyệt"
    edited.save_revision(user=editor)
    unit.pages["edited"] = edited
    locked = news(index, f"Bí mật {tag} {mark} đang khoá", user=editor)
    Page.objects.filter(pk=locked.pk).update(locked=True, locked_by=editor, locked_at=timezone.now())
    unit.pages["locked"] = locked
    moderated = news(index, f"Bí mật {tag} {mark} chờ duyệt", publish=False, user=editor)
    workflow = moderated.get_workflow()
    workflow_state = workflow.start(moderated, editor)
    unit.pages["moderated"] = moderated
    unit.extra["workflow_state"] = workflow_state
    unit.extra["task_state"] = workflow_state.current_task_state
    unit.add(workflow)
    unit.add(workflow_state.current_task_state.task.specific)
    unit.pages["home"] = home
    unit.pages["announcements"] = AnnouncementIndexPage.objects.child_of(home).get()
    for page in unit.pages.values():
        unit.rows.setdefault(Page, []).append(page.pk)

    collection = unit.add(home.collection)
    child = unit.add(collection.add_child(name=f"Bộ sưu tập bí mật {mark} {tag}"))
    image = Image.objects.create(
        title=f"Ảnh bí mật {tag} {mark}", file=ContentFile(png(mark), name=f"{mark}-anh-{tag}.png"), collection=child
    )
    image.tags.add(f"{mark}-the-{tag}")
    unit.add(image)
    unit.add(
        Document.objects.create(
            title=f"Tài liệu bí mật {tag} {mark}",
            file=ContentFile(pdf(mark), name=f"{mark}-tai-lieu-{tag}.pdf"),
            collection=collection,
        )
    )
    unit.add(
        UploadedFile.objects.create(
            file=ContentFile(png(mark), name=f"{mark}-dang-tai-{tag}.png"),
            for_content_type=ContentType.objects.get_for_model(Image),
            uploaded_by_user=editor,
        )
    )
    unit.add(
        EditingSession.objects.create(
            user=editor,
            content_type=ContentType.objects.get_for_model(Page),
            object_id=str(unit.pages["edited"].pk),
            last_seen_at=timezone.now(),
        )
    )

    group = unit.add(BoardGroup.objects.create(owner=home, name=f"Nhóm bảng bí mật {mark} {tag}"))
    board = unit.add(
        Board.objects.create(
            owner=home, name=f"Bảng bí mật {mark} {tag}", address=f"Đường {mark}", width=384, height=192
        )
    )
    board.groups.add(group)
    cluster = unit.add(Board.objects.create(owner=home, name=f"Cụm loa bí mật {mark} {tag}", kind="audio"))
    unit.extra["cluster"] = cluster
    now = timezone.now()
    BoardStatus.objects.create(board=board, last_seen_at=now, playing=f"news:{mark}", player=f"{mark}-player 1.0")
    Heartbeat.objects.create(board=board, received_at=now, errors=[f"lỗi {mark}"], player=f"{mark}-player 1.0")
    unit.add(MediaSlide.objects.create(owner=home, title=f"Trang trình chiếu bí mật {mark} {tag}", image=image))
    feed = unit.add(
        FeedSource.objects.create(
            owner=home,
            name=f"Nguồn tin bí mật {mark} {tag}",
            url=f"https://{mark}.example/rss",
            last_error=f"lỗi {mark}",
        )
    )
    FeedEntry.objects.create(
        source=feed, guid=f"{mark}-1", title=f"Tin ngoài bí mật {mark}", link=f"https://{mark}.example/1"
    )
    unit.extra["slide_key"] = f"news:{unit.pages['edited'].pk}"

    station = unit.add(Station.objects.create(owner=home, note=f"Ghi chú bí mật {mark}"))
    Hamlet.objects.create(station=station, name=f"Ấp bí mật {mark} {tag}")
    unit.add(
        Programme.objects.create(
            owner=home,
            title=f"Chương trình bí mật {mark} {tag}",
            kind="relay",
            stream_url=f"http://{mark}.example/stream",
            daily_start=datetime.time(6),
            daily_end=datetime.time(7),
            state="ready",
        )
    )
    unit.add(SlotPlan.objects.create(owner=home, day=timezone.localdate(), at=datetime.time(6), keys=[f"{mark}"]))

    received = timezone.now()
    inquiry = unit.add(
        Inquiry.objects.create(
            code=new_tracking_code(),
            submission_key=secrets.token_urlsafe(16),
            commune=home,
            title=f"Câu hỏi bí mật {mark} {tag}",
            body=f"Nội dung riêng của công dân {mark}.",
            name=f"Công Dân {mark.title()}",
            phone=PHONE,
            email=f"congdan.{tag}.{mark}@example.vn",
            location=f"Ấp {mark}",
            consent_version=CONSENT_VERSION,
            consented_at=received,
            client_key="walk",
            received_at=received,
            deadline=timezone.localdate() + datetime.timedelta(days=10),
        )
    )
    inquiry.log(EventAction.RECEIVED, note=f"ghi chú {mark}")
    log_action(inquiry, "wagtail.edit", user=editor)  # Wagtail's audit log of the question's edit
    log_action(board, "wagtail.edit", user=editor)
    photo = InquiryPhoto(inquiry=inquiry, width=24, height=16)
    photo.image.save(f"{mark}-anh-cong-dan.png", ContentFile(png(mark)), save=True)
    unit.add(photo)

    site = Site.objects.get(root_page=home)
    unit.add(site)
    identity = SiteIdentity.for_site(site)
    identity.phone, identity.email = PHONE, f"ubnd.{tag}.{mark}@example.vn"
    identity.responsible_person, identity.footer_text = f"{mark.title()} Chịu Trách Nhiệm", f"Chân trang {mark}"
    identity.save()
    unit.add(Redirect.objects.create(site=site, old_path=f"/{mark}-cu-{tag}", redirect_link=f"/{mark}-moi-{tag}/"))

    # A report request of the commune's district to it, with a file, answered with a file.
    request = unit.add(directive(home.get_parent().specific, mark, tag, kind=DirectiveKind.REPORT_REQUEST))
    unit.add(directive_file(request, mark, tag))
    recipient = unit.add(DirectiveRecipient.objects.create(directive=request, commune=home))
    unit.add(answered(recipient, mark, tag, editor))
    return unit


def seed_district(area, mark, tag):
    """A district's portal draft, CAP feed, report signer and its staff."""
    unit = Unit(area)
    unit.add(person(area, "editors", f"bt_{tag}_{mark}", mark))
    portal = area.portal
    index = NewsIndexPage.objects.child_of(portal).get()
    unit.pages["draft"] = news(index, f"Bí mật {tag} {mark} tin nháp huyện", publish=False)
    unit.rows.setdefault(Page, []).append(unit.pages["draft"].pk)
    unit.add(
        CapFeed.objects.create(owner=area, name=f"Nguồn CAP bí mật {mark} {tag}", url=f"https://{mark}.example/cap")
    )
    unit.add(ReportSigning.objects.create(area=area, signer_name=f"{mark.title()} Người Ký", recipients=f"Nơi {mark}"))
    unit.add(
        Board.objects.create(owner=area, name=f"Bảng lớn bí mật {mark} {tag}", width=1920, height=1080, large=True)
    )
    unit.add(
        CommunicationCentre.objects.create(
            owner=area,
            name=f"Trung tâm truyền thông bí mật {mark} {tag}",
            decision_number=f"{mark}/QĐ-UBND",
            note=f"Ghi chú bí mật {mark}",
        )
    )

    # A department (phòng) with its staff and a draft source item in its section. Its name is
    # not marked: like a unit's, it is public, and Wagtail shows every workflow's and task's name
    # (made from it) to all staff in its workflow reports and task chooser.
    dept = Department.objects.create(area=area, name=f"Phòng thử {tag}", kind="phong", code=f"phong-{mark}-{tag}")
    provision_department(dept)
    dept.refresh_from_db()
    unit.add(dept)
    dept_editor = unit.add(person(dept, "editors", f"pb_{tag}_{mark}", mark))
    item = SourceItemPage(
        title=f"Bí mật {tag} {mark} tin nguồn nháp của phòng",
        summary=f"Nội dung bí mật {mark}",
        valid_from=timezone.now(),
        live=False,
    )
    dept.section.specific.add_child(instance=item)
    item.save_revision(user=dept_editor)
    unit.rows[Page].append(item.pk)

    # Directives: a draft, and one sent to the department, with a file, answered with a file.
    unit.add(directive(area, mark, f"{tag}-nhap", sent=False))
    sent = unit.add(directive(area, mark, f"{tag}-phong"))
    unit.add(directive_file(sent, mark, f"{tag}-phong"))
    recipient = unit.add(DirectiveRecipient.objects.create(directive=sent, department=dept))
    unit.add(answered(recipient, mark, f"{tag}-phong", dept_editor))

    # Installations that talk to each other: a peer of the district, what it sent up, the outbox
    # and the log of what arrived.
    key = base64.b64encode(hashlib.sha256(f"{mark}{tag}".encode()).digest()).decode()
    peer = unit.add(
        Peer.objects.create(
            owner=area,
            name=f"Hệ thống bí mật {mark} {tag}",
            base_url=f"https://{mark}-{tag}.example",
            public_key=key,
            role="both",
        )
    )
    unit.add(
        PeerReport.objects.create(
            peer=peer,
            kind="indicators",
            unit_code=area.code,
            unit_name=f"Đơn vị bí mật {mark} {tag}",
            period=str(timezone.localdate().year),
            data={"unit": {"code": area.code}, "totals": {"websites": {"count": 1, "total": 2, "rate": 0.5}}},
        )
    )
    unit.add(
        OutgoingMessage.objects.create(
            peer=peer,
            kind="indicators",
            message_id=f"{mark}-{tag}",
            body={},
            subject=f"Bí mật {mark} {tag}",
            last_error=f"lỗi {mark}",
        )
    )
    unit.add(
        InboxEntry.objects.create(
            peer=peer,
            path="/api/lien-thong/v1/alerts/",
            status=422,
            message=f"Bí mật {mark} {tag}",
            message_id=f"{mark}-vao-{tag}",
        )
    )
    return unit


@dataclass
class World:
    own: Unit
    foreign: list
    editor: object
    moderator: object

    def rows(self, model):
        """The other units' pks of `model` (or of its concrete parents: a Workflow's task, …)."""
        found = []
        for unit in self.foreign:
            for kind, pks in unit.rows.items():
                if issubclass(kind, model) or (issubclass(model, kind) and model is not Page):
                    found += pks
        return list(dict.fromkeys(found))

    def first(self, role):
        return next(u for u in self.foreign if role in u.pages or role in u.extra)


@pytest.fixture
def world(db, settings, tmp_path, province, commune, other_commune, district):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
    sibling = CommuneHomePage.objects.sibling_of(commune, inclusive=False).order_by("path").first()
    own = seed_commune(commune, OWN_MARK, "a")
    foreign = [
        seed_commune(sibling, MARK, "b"),  # the same district
        seed_commune(other_commune, MARK, "c"),  # another district
        seed_district(district, MARK, "huyen-a"),  # A's own district: another unit too
        seed_district(other_commune.get_parent().specific, MARK, "huyen-c"),
    ]
    Category.objects.get_or_create(slug="nong-nghiep", defaults={"name": "Nông nghiệp"})  # shared by every unit
    # The province's own target: every unit of the province reads it (not marked), only the
    # province's staff change it (its edit and delete URLs are walked).
    foreign[2].add(
        IndicatorTarget.objects.create(
            code="2.2",
            year=2025,
            value=100,
            source=TargetSource.PROVINCE,
            area=province,
            note="Chỉ tiêu riêng của tỉnh",
        )
    )
    # A directive of A's district to A and to B (the same district): A reads it (its title is not
    # marked), B's answer and file are B's. A's own row of it is walked too (`kwarg_sets`).
    shared = directive(district, OWN_MARK, "chung", title="Văn bản chung của huyện gửi các xã")
    own_row = DirectiveRecipient.objects.create(directive=shared, commune=commune)
    b_row = DirectiveRecipient.objects.create(directive=shared, commune=sibling)
    foreign[0].rows.setdefault(DirectiveRecipient, []).insert(0, b_row.pk)
    foreign[0].add(answered(b_row, MARK, "b-chung", foreign[0].extra["user"]))
    own.extra["shared_recipient"] = own_row
    editor = person(commune, "editors", "bientap_walk", OWN_MARK)
    moderator = person(commune, "moderators", "kiemduyet_walk", OWN_MARK)
    return World(own, foreign, editor, moderator)


# --- The walk ---------------------------------------------------------------------------------


def admin_patterns():
    """(name, pattern, view) of every named pattern under /admin/, with its arguments."""
    found = []

    def walk(patterns, prefix, namespace, converters):
        for pattern in patterns:
            here = dict(converters)
            route = str(pattern.pattern)
            if hasattr(pattern.pattern, "converters"):
                here.update({name: type(conv).__name__ for name, conv in pattern.pattern.converters.items()})
            if hasattr(pattern.pattern, "regex"):
                here.update({name: "regex" for name in pattern.pattern.regex.groupindex if name not in here})
            if isinstance(pattern, URLResolver):
                ns = namespace
                if pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, prefix + route, ns, here)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
                found.append((name, prefix + route, pattern.callback, here))

    walk(get_resolver().url_patterns, "", "", {})
    admin = reverse("wagtailadmin_home").lstrip("/")
    return [p for p in found if p[1].lstrip("^").startswith(admin)]


def view_model(callback):
    for holder in (getattr(callback, "view_initkwargs", None) or {}, getattr(callback, "initkwargs", None) or {}):
        if isinstance(holder.get("model"), str):
            return apps.get_model(holder["model"])
        if holder.get("model") is not None:
            return holder["model"]
    for owner in (getattr(callback, "view_class", None), getattr(callback, "cls", None)):
        model = getattr(owner, "model", None)
        if isinstance(model, type):
            return model
    return None


# The directives' views name no model: their `pk` is a row of these.
NAMED_MODELS = {
    "directives_detail": Directive,
    "directives_edit": Directive,
    "directives_aggregate": Directive,
    "directives_remind": Directive,
    "directives_extend": Directive,
    "directives_delete": Directive,
    "directives_received": DirectiveRecipient,
    "directives_file": DirectiveFile,
    "directives_answer_file": AnswerFile,
}

PAGE_ARGS = {"page_id", "parent_page_id", "page_to_move_id", "destination_id", "page_pk", "pk_page"}


def namespace_models(patterns):
    """{namespace: model} from the patterns whose view names its model (a ViewSet's edit view…),
    for the views of the same namespace that do not (the boards' pairing, a question's receipt…)."""
    found = {}
    for name, _route, callback, _args in patterns:
        model = view_model(callback)
        if name and ":" in name and model is not None:
            found.setdefault(name.rsplit(":", 1)[0], model)
    return found


def model_for(name, callback, ns_models):
    Image, Document = get_image_model(), get_document_model()
    if name.startswith("wagtailadmin_api:"):
        return {"images": Image, "documents": Document}.get(name.split(":")[1], Page)
    model = view_model(callback)
    if model is None and name and ":" in name:
        model = ns_models.get(name.rsplit(":", 1)[0])
    return model or Page


def any_rows(model, world):
    """The other units' rows of `model`, else (a model whose rows belong to no unit, such as the
    news categories) any row, so that its views are walked all the same."""
    return world.rows(model)[:2] or list(model.objects.values_list("pk", flat=True)[:1])


def kwarg_sets(name, route, callback, args, world, ns_models):
    """The argument sets to request a pattern with: [(kwargs, query)], or a reason to skip it."""
    model = model_for(name, callback, ns_models)
    if not args:
        if name.endswith("chosen_multiple"):
            return [({}, {"id": [str(pk) for pk in any_rows(model, world)]})]
        return [({}, None)]
    first = world.first
    edited, moderated = first("edited").pages["edited"], first("moderated").pages["moderated"]
    own_index = world.own.pages["index"]
    foreign_pages = [first("draft").pages["draft"], edited, moderated, world.foreign[-1].pages["draft"]]
    Image, Document = get_image_model(), get_document_model()
    task_state = first("task_state").extra["task_state"]
    explicit = {
        "wagtailadmin_pages:move_confirm": [
            {"page_to_move_id": edited.pk, "destination_id": own_index.pk},
            {"page_to_move_id": world.own.pages["edited"].pk, "destination_id": first("index").pages["index"].pk},
        ],
        "wagtailadmin_pages:add": [
            {"content_type_app_name": "cms_pages", "content_type_model_name": "newspage", "parent_page_id": p.pk}
            for p in (first("index").pages["index"], world.foreign[1].pages["index"])
        ],
        "wagtailadmin_pages:preview_on_add": [
            {
                "content_type_app_name": "cms_pages",
                "content_type_model_name": "newspage",
                "parent_page_id": first("index").pages["index"].pk,
            }
        ],
        "wagtailadmin_pages:revisions_compare": [
            {"pk": edited.pk, "revision_id_a": "earliest", "revision_id_b": "latest"},
            {"pk": edited.pk, "revision_id_a": "live", "revision_id_b": str(edited.latest_revision_id)},
        ],
        "wagtailadmin_pages:workflow_action": [
            {"page_id": moderated.pk, "action_name": action, "task_state_id": task_state.pk}
            for action in ("approve", "reject")
        ],
        "wagtailadmin_pages:collect_workflow_action_data": [
            {"page_id": moderated.pk, "action_name": action, "task_state_id": task_state.pk}
            for action in ("approve", "reject")
        ],
        "wagtailadmin_pages:workflow_preview": [{"page_id": moderated.pk, "task_id": task_state.task_id}],
        "wagtailadmin_pages:workflow_history_detail": [
            {"page_id": moderated.pk, "workflow_state_id": first("workflow_state").extra["workflow_state"].pk}
        ],
        "wagtailadmin_workflows:remove": [
            {"page_pk": moderated.pk},
            {"page_pk": moderated.pk, "workflow_pk": world.rows(Workflow)[0]},
        ],
        "wagtailadmin_editing_sessions:ping": [
            {"app_label": "wagtailcore", "model_name": "page", "object_id": str(edited.pk), "session_id": pk}
            for pk in world.rows(EditingSession)[:1]
        ],
        "boards:slide": [{"pk": world.rows(Board)[0], "key": first("slide_key").extra["slide_key"]}],
        "wagtailimages:preview": [{"image_id": pk, "filter_spec": "original"} for pk in world.rows(Image)[:2]],
        "wagtailadmin_password_reset_confirm": [
            {"uidb64": urlsafe_base64_encode(str(first("user").extra["user"].pk).encode()), "token": "set-password"}
        ],
    }
    if name == "wagtail_bulk_action":
        bulk_action_registry.get_bulk_actions_for_model("wagtailcore", "page")  # scans the hooks once
        return [
            ({"app_label": app, "model_name": model_name, "action": action}, bulk_ids(app, model_name, world))
            for app, models in bulk_action_registry.actions.items()
            for model_name, actions in models.items()
            for action in actions
        ]
    if name in explicit:
        return [item if isinstance(item, tuple) else (item, None) for item in explicit[name]]
    if name in NAMED_MODELS:
        pks = world.rows(NAMED_MODELS[name])[:6]
        sets = [({"pk": str(pk)}, None) for pk in pks]
        if name == "directives_received":  # A's own row of a directive B answered: B's answer is not A's
            sets.append(({"pk": str(world.own.extra["shared_recipient"].pk)}, None))
        if name == "directives_aggregate":  # the CSV and PDF exports too
            sets += [({"pk": str(pks[0])}, {"dinh_dang": kind}) for kind in ("csv", "pdf")]
        return sets

    per_arg = {}
    for arg, converter in args.items():
        if name.startswith("wagtailsettings") and arg == "pk":
            values = world.rows(Site)[:2]
        elif arg in PAGE_ARGS or (arg == "pk" and issubclass(model, Page)):
            values = [p.pk for p in foreign_pages]
        elif arg == "revision_id":
            values = [edited.latest_revision_id]
            per_arg["page_id"] = [edited.pk]
        elif arg == "image_id":
            values = world.rows(Image)[:2]
        elif arg in ("document_id", "doc_id"):
            values = world.rows(Document)[:2]
        elif arg == "collection_id":
            values = world.rows(Collection)[:2]
        elif arg == "uploaded_file_id":
            values = world.rows(UploadedFile)[:1]
        elif arg == "session_id":
            values = world.rows(EditingSession)[:1]
        elif arg == "photo_id":
            values = world.rows(InquiryPhoto)[:2]
        elif arg == "redirect_id":
            values = world.rows(Redirect)[:2]
        elif arg == "task_id":
            values = world.rows(Task)[:1]
        elif arg == "action_name":
            values = ["move"]
        elif arg in ("app_name", "app_label", "content_type_app_name"):
            values = [app_for(name)[0]]
        elif arg in ("model_name", "content_type_model_name"):
            values = [app_for(name)[1]]
        elif arg == "slug":
            values = [guide_slug()]
        elif arg == "filter_spec":
            values = ["original"]
        elif arg == "pk":
            values = any_rows(model, world)
            if not values:
                return f"no row of {model.__name__} to name"
        else:
            return f"no value for argument {arg!r} ({converter})"
        per_arg[arg] = values
    names = list(per_arg)
    combos = itertools.product(*per_arg.values())
    return [({n: str(v) for n, v in zip(names, combo, strict=True)}, None) for combo in combos][:6]


def app_for(name):
    if name.startswith("wagtailadmin_tag_model"):
        return ("wagtailimages", "image")
    if name.startswith("wagtailsettings"):
        return ("areas", "siteidentity")
    if name.startswith("wagtailadmin_workflows"):
        return ("wagtailcore", "groupapprovaltask")
    if name.startswith("wagtailadmin_editing_sessions"):
        return ("wagtailcore", "page")
    return ("cms_pages", "newspage")


def guide_slug():
    from core import guide

    return next(g.slug for g in guide.guides() if g.slug)


def bulk_ids(app, model_name, world):
    model = ContentType.objects.get_by_natural_key(app, model_name).model_class()
    pks = world.rows(Page if issubclass(model, Page) else model)
    return {"id": [str(pk) for pk in pks[:6]]}


def query_variants(world):
    """Asked of every list view (a pattern without arguments): a search word, and filters naming
    the other units' rows."""
    first = world.first
    b = first("cluster")
    return [
        {"q": SEARCH_WORD, "term": "zq", "search": SEARCH_WORD},
        {
            "collection_id": world.rows(Collection)[0],
            "child_of": b.pages["index"].pk,
            "descendant_of": b.home.pk,
            "parent_page_id": b.pages["index"].pk,
            "id": [str(pk) for pk in world.rows(Page)[:6]],
            "xa": b.home.pk,
            "cum": b.extra["cluster"].pk,
            "don_vi": b.home.pk,
            "owner": b.home.pk,
            "commune": b.home.pk,
            "site": b.home.path,
            "page_type": "cms_pages.newspage",
        },
    ]


@dataclass
class Finding:
    url: str
    status: int
    what: str


@dataclass
class WalkReport:
    patterns: int = 0
    walked: set = field(default_factory=set)
    skipped: dict = field(default_factory=dict)
    requests: int = 0
    statuses: Counter = field(default_factory=Counter)
    leaks: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    own_seen: set = field(default_factory=set)
    marked: set = field(default_factory=set)
    get_refused: set = field(default_factory=set)
    slowest: list = field(default_factory=list)

    def summary(self):
        lines = [
            f"{self.patterns} admin URL patterns: {len(self.walked)} walked with {self.requests} GET requests, "
            f"{len(self.skipped)} skipped; statuses {dict(sorted(self.statuses.items()))}",
            f"answering GET with 405 (POST only): {len(self.get_refused)}: {', '.join(sorted(self.get_refused))}",
        ]
        lines += [f"skipped {name}: {why}" for name, why in sorted(self.skipped.items())]
        lines += [f"slow: {seconds:.2f} s {url}" for seconds, url in sorted(self.slowest, reverse=True)[:5]]
        return "\n".join(lines)


def leaks_in(response, marks):
    """What of `marks` the response shows: body, Location, Content-Disposition."""
    parts = [response.get("Location", ""), response.get("Content-Disposition", "")]
    if not getattr(response, "streaming", False):
        parts.append(response.content.decode("utf-8", "replace"))
    else:
        parts.append(b"".join(response.streaming_content).decode("utf-8", "replace"))
    text = "\n".join(parts).lower()
    found = []
    for mark in marks:
        at = text.find(mark.lower())
        if at >= 0:
            found.append(f"{mark!r} in …{text[max(0, at - 80) : at + 40]!r}…")
    return found


def pending_messages(client):
    """The messages a response left for the next page (Django's cookie storage), taken away."""
    morsel = client.cookies.get("messages")
    if morsel is None or not morsel.value:
        return ""
    decoded = CookieStorage(HttpRequest())._decode(morsel.value) or []
    del client.cookies["messages"]
    return " ".join(str(message.message) for message in decoded)


def walk(user, world, marks=(MARK, PHONE), variants=True):
    client = Client(raise_request_exception=False)
    client.force_login(user)  # tests/conftest.py: the second factor passed too (a superuser must)
    report = WalkReport()
    patterns = admin_patterns()
    ns_models = namespace_models(patterns)
    only = re.compile(os.environ.get("ADMIN_WALK_ONLY", ""))  # a developer's shortcut: a regex on names
    for name, route, callback, args in patterns:
        report.patterns += 1
        if name and not only.search(name):
            continue
        if name is None:
            if args or "^" in route:
                report.skipped[route] = "no name, a pattern: Wagtail's catch-all 404 of the admin"
                continue
            name = route  # requested by its path
        if name in SKIPPED:
            report.skipped[name] = SKIPPED[name]
            continue
        sets = kwarg_sets(name, route, callback, args, world, ns_models)
        if isinstance(sets, str):
            report.skipped[name] = sets
            continue
        requests = []
        for kwargs, query in sets:
            try:
                url = "/" + route if name == route else reverse(name, kwargs=kwargs)
            except NoReverseMatch:
                continue
            queries = [query] if query is not None else [None]
            if not args and variants:
                queries += query_variants(world)
            requests += [(url, q) for q in queries]
        if not requests:
            report.skipped[name] = f"no URL reverses with the arguments {sorted(args)}"
            continue
        report.walked.add(name)
        for url, query in requests:
            started = time.perf_counter()
            response = client.get(url, query or {})
            report.slowest.append((time.perf_counter() - started, url))
            report.requests += 1
            report.statuses[response.status_code] += 1
            shown = f"{url}?{urlencode(query, doseq=True)}" if query else url
            if response.status_code == 405:
                report.get_refused.add(name)
            if response.status_code >= 500:
                report.errors.append(Finding(shown, response.status_code, response.content[:300]))
            body = b"" if response.streaming else response.content
            found = leaks_in(response, marks)
            if response.status_code == 200 and args and not response.get("Content-Type", "").startswith(PUBLIC_TYPES):
                found.append(f"serves another unit's file ({response.get('Content-Type')})")
            if OWN_MARK.encode() in body.lower():
                report.own_seen.add(name)
            said = pending_messages(client).lower()
            found += [f"{mark!r} in a message: {said!r}" for mark in marks if mark.lower() in said]
            if found:
                report.marked.add(name)
                report.leaks += [Finding(shown, response.status_code, f) for f in found]
        if not client.session.get("_auth_user_id"):
            client.force_login(user)
    return report


def assert_no_leaks(report, who):
    print(f"\n--- walk as {who} ---\n{report.summary()}")
    problems = [f"{f.status} {f.url}: {f.what}" for f in report.leaks]
    problems += [f"{f.status} {f.url}: {f.what!r}" for f in report.errors]
    assert not problems, f"{who} sees other units' data or gets errors:\n" + "\n".join(problems)


# --- Tests ------------------------------------------------------------------------------------


def test_a_commune_editor_and_moderator_see_nothing_of_other_units_on_any_admin_url(world):
    for who, user in (("commune editor", world.editor), ("commune moderator", world.moderator)):
        report = walk(user, world)
        assert_no_leaks(report, who)
        # The walk is a real one: every pattern but the few named is requested…
        unexpected = {name: why for name, why in report.skipped.items() if name not in SKIPPED and "^.*/$" not in name}
        assert not unexpected, unexpected
        assert report.patterns >= 250
        # … signed in: A's own rows show on its own lists.
        own_lists = {
            "wagtailadmin_pages:search_results",
            "wagtailadmin_choose_page",  # opens at the user's own news for page_type=cms_pages.newspage
            "wagtailadmin_choose_page_search",
            "wagtailadmin_api:images:listing",
            "wagtailadmin_api:documents:listing",
            "wagtailadmin_reports:page_types_usage",
            "wagtailadmin_tag_autocomplete",
            "wagtailimages:index",
            "wagtaildocs:index",
            "boards:index",
            "board_groups:index",
            "media_slides:index",
            "programmes:index",
            "inquiries:index",
            "directives_inbox",
        }
        assert own_lists <= report.own_seen, sorted(own_lists - report.own_seen)


def test_the_walk_reaches_the_rows_it_names(world, admin_user):
    """A superuser, who may see everything, sees the marks on the views of one row: the walk's ids
    are the other units' rows, not numbers that answer 404 anyway."""
    report = walk(admin_user, world, variants=False)
    expected = {
        "wagtailadmin_pages:edit",
        "wagtailadmin_pages:history",
        "wagtailadmin_choose_page_child",
        "wagtailadmin_pages:move_confirm",
        "wagtailimages:edit",
        "wagtaildocs:edit",
        "wagtailadmin_collections:edit",
        "wagtailusers_users:edit",
        "wagtailsettings:edit",
        "wagtailredirects:edit",
        "boards:edit",
        "board_groups:edit",
        "media_slides:edit",
        "stations:edit",
        "programmes:edit",
        "cap_feeds:edit",
        "inquiries:edit",
        "wagtailadmin_api:images:listing",
        "wagtailadmin_api:documents:listing",
        "wagtail_bulk_action",
        "departments:edit",
        "communication_centres:edit",
        "exchange_peers:edit",
        "exchange_report",
        "directives_detail",
        "directives_edit",
        "directives_aggregate",
        "directives_received",
        "directives_file",
        "directives_answer_file",
    }
    missing = expected - report.marked
    assert not missing, f"the walk's ids do not reach these views' rows: {sorted(missing)}"


def test_another_provinces_own_target_is_closed_to_a_commune_on_every_url(commune, province):
    """The walk's world has one province; a second one's own target is closed to A's staff (the
    index does not list it; edit and delete are 404): on its other URLs too."""
    other = AreaPage(
        title="Tỉnh Bí Mật",
        slug="tinh-bi-mat",
        level="province",
        code="99",
        structure=province.structure,
        unit_type=province.unit_type,
        short_name="Bí Mật",
    )
    province.get_parent().add_child(instance=other)
    target = IndicatorTarget.objects.create(
        code="1.1", year=2025, value=Decimal("77.7"), source=TargetSource.PROVINCE, area=other, note=f"Ghi chú {MARK}"
    )
    client = Client()
    client.force_login(person(commune, "editors", "bientap_chitieu", OWN_MARK))
    shown = {}
    for view in ("edit", "delete", "history", "history_results", "usage"):
        url = reverse(f"indicator_targets:{view}", args=[target.pk])
        response = client.get(url)
        body = response.content.decode()
        if response.status_code == 200 or MARK in body or "77,7" in body:
            shown[url] = response.status_code
    listing = client.get(reverse("indicator_targets:index")).content.decode()
    assert "77,7" not in listing and MARK not in listing
    assert not shown, f"another province's own target is shown: {shown}"

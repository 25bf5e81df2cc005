"""manage.py seed_demo fills the provisioned sites with demo content (demo/content.py
makes it, the command writes it). The session database has Trà Vinh provisioned; the tests
seed the district of Càng Long's portal and its first four communes (An Trường is the fourth)."""

import io
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, PageLogEntry, ReferenceIndex, Revision, Site
from wagtail.search.models import IndexEntry

from areas.models import SiteIdentity
from cms_pages.models import (
    AnnouncementPage,
    ContactEntry,
    ContactPage,
    Leader,
    LegalDocumentPage,
    NewsIndexPage,
    NewsPage,
    ProcedureLink,
    ProfilePage,
)
from cms_pages.models.content import validate_number_symbol
from demo import content as demo_content

HOST = "an-truong.cang-long.tra-vinh.localhost:8000"
DISTRICT_HOST = "cang-long.tra-vinh.localhost:8000"


def seed(**options):
    out = io.StringIO()
    call_command(
        "seed_demo",
        **{
            "province": ["Trà Vinh"],
            "district": ["844"],
            "communes": 4,
            "news": 3,
            "no_progress": True,
            "stdout": out,
            **options,
        },
    )
    return out.getvalue()


def counts():
    return {
        "pages": Page.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "leaders": Leader.objects.count(),
        "contacts": ContactEntry.objects.count(),
        "procedures": ProcedureLink.objects.count(),
        "revisions": Revision.objects.count(),
        "references": ReferenceIndex.objects.count(),
        "identities": SiteIdentity.objects.count(),
    }


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def seeded(db, media):
    return seed()


def _html(client, path="/", host=HOST):
    response = client.get(path, HTTP_HOST=host)
    assert response.status_code == 200, path
    return response.content.decode()


# --- the command ----------------------------------------------------------------------------------


def test_commune_home_shows_news_and_valid_announcements_only(seeded, client, commune):
    assert "Xong dữ liệu mẫu cho Tỉnh Trà Vinh" in seeded
    assert "5 trang web (4 xã, 1 cổng thông tin)" in seeded
    html = _html(client)

    news = NewsPage.objects.live().descendant_of(commune)
    assert news.count() == 3
    for item in news:
        assert escape(item.title) in html
        assert item.featured_image is not None

    now = timezone.now()
    announcements = AnnouncementPage.objects.live().descendant_of(commune)
    valid = list(announcements.valid_at(now))
    assert {a.priority for a in valid} == {"normal", "priority", "emergency"}
    for item in valid:
        assert escape(item.title) in html
    expired = announcements.filter(valid_until__lte=now)
    future = announcements.filter(valid_from__gt=now)
    assert expired.count() == 1 and future.count() == 1
    for item in [*expired, *future]:
        assert escape(item.title) not in html

    # Footer from the seeded SiteIdentity.
    identity = SiteIdentity.for_site(Site.objects.get(root_page=commune))
    assert identity.agency == "Uỷ ban nhân dân xã An Trường"
    assert escape(identity.responsible_person) in html
    assert "Sáng 7h00–11h30, chiều 13h30–17h00 từ thứ Hai đến thứ Sáu" in html


def test_document_listing_profile_and_contact(seeded, client, commune):
    html = _html(client, "/van-ban/")
    documents = LegalDocumentPage.objects.live().descendant_of(commune)
    assert documents.count() >= 5
    for doc in documents:
        assert doc.number_symbol in html
        validate_number_symbol(doc.number_symbol)
        assert doc.issuer in ("UBND xã An Trường", "HĐND xã An Trường")
        assert doc.signer.split()[0] in ("Chủ", "Phó")
    assert {d.doc_type for d in documents} >= {"quyet_dinh", "ke_hoach", "thong_bao", "cong_van"}
    with_file = [d for d in documents if d.files.exists()]
    assert with_file
    pdf = with_file[0].files.first().document
    assert pdf.collection_id == commune.collection_id
    with pdf.file.open("rb") as f:
        assert f.read(5) == b"%PDF-"
    assert _html(client, with_file[0].url_path[len(commune.url_path) - 1 :])

    html = _html(client, "/gioi-thieu/")
    profile = ProfilePage.objects.child_of(commune).get()
    leaders = list(profile.leaders.all())
    assert 3 <= len(leaders) <= 5
    for leader in leaders:
        assert escape(leader.name) in html
        assert leader.photo is not None
    assert "Bí thư Đảng uỷ" in html and "Chủ tịch UBND xã An Trường" in html
    assert "km²" in html and "Xã An Trường" in html

    html = _html(client, "/lien-he/")
    contact = ContactPage.objects.child_of(commune).get()
    assert contact.contacts.count() >= 5
    assert "https://dichvucong.gov.vn/" in html and "Đăng ký khai sinh" in html


def test_every_seeded_page_renders_and_portal_federates_commune_news(seeded, client, commune):
    home = Site.objects.get(hostname="cang-long.tra-vinh.localhost").root_page
    for page in Page.objects.descendant_of(commune).live():
        _html(client, page.url_path[len(commune.url_path) - 1 :])
    for page in Page.objects.descendant_of(home).live():
        _html(client, page.url_path[len(home.url_path) - 1 :], host=DISTRICT_HOST)
    portal = _html(client, host=DISTRICT_HOST)
    assert escape(NewsPage.objects.live().descendant_of(commune).order_by("-date").first().title) in portal


def test_seeded_pages_are_published_with_history_and_indexed(seeded, commune):
    problems = Page.find_problems()
    assert all(not p for p in problems), problems
    news = NewsPage.objects.descendant_of(commune).first()
    assert news.live and not news.has_unpublished_changes
    assert news.live_revision_id == news.latest_revision_id is not None
    assert news.get_latest_revision_as_object().title == news.title
    assert news.owner.username == "du-lieu-mau" and not news.owner.is_active
    assert set(PageLogEntry.objects.filter(page=news).values_list("action", flat=True)) == {
        "wagtail.create",
        "wagtail.publish",
    }
    assert timezone.localtime(news.first_published_at).date() == news.date
    # Search entries for every seeded object, and the same reference index Wagtail builds itself.
    for model in (NewsPage, AnnouncementPage, LegalDocumentPage, ProfilePage, ContactPage):
        pks = [str(pk) for pk in model.objects.descendant_of(commune).values_list("pk", flat=True)]
        content_type = ContentType.objects.get_for_model(model)
        assert IndexEntry.objects.filter(content_type=content_type, object_id__in=pks).count() == len(pks) > 0
    assert NewsPage.objects.live().search(news.title.split()[-1])
    before = ReferenceIndex.objects.count()
    with transaction.atomic():
        for model in (NewsPage, AnnouncementPage, LegalDocumentPage, ProfilePage, ContactPage):
            for obj in model.objects.descendant_of(commune):
                ReferenceIndex.create_or_update_for_object(obj)
    assert ReferenceIndex.objects.count() == before
    # The search handlers are connected again: a page added afterwards is indexed at once.
    index = NewsIndexPage.objects.child_of(commune).get()
    page = index.add_child(instance=NewsPage(title="Tin mới sau khi tạo dữ liệu mẫu", summary="Tóm tắt"))
    assert IndexEntry.objects.filter(object_id=str(page.pk)).exists()


def test_second_run_creates_nothing(seeded):
    before = counts()
    output = seed()
    assert counts() == before
    assert "Bỏ qua 5 trang web đã có dữ liệu mẫu" in output
    assert "Tạo mới: không có gì" in output


def test_reset_recreates_the_same_content(seeded, commune):
    def demo_pks():
        demo = Page.objects.descendant_of(commune).filter(owner__username="du-lieu-mau")
        return set(demo.values_list("pk", flat=True))

    old_pks = demo_pks()
    old_titles = sorted(NewsPage.objects.descendant_of(commune).values_list("title", flat=True))
    before = counts()
    output = seed(reset=True)
    assert "Đã xoá" in output
    after = counts()
    # The profile and contact pages are kept and edited again: one more revision each.
    assert after.pop("revisions") == before.pop("revisions") + 2 * 4
    assert after == before
    new_pks = demo_pks()
    assert new_pks and not (new_pks & old_pks)
    assert sorted(NewsPage.objects.descendant_of(commune).values_list("title", flat=True)) == old_titles
    assert all(not p for p in Page.find_problems())


def test_unknown_province_district_or_nothing_provisioned(db):
    with pytest.raises(CommandError, match="Không tìm thấy tỉnh 'Atlantis'"):
        call_command("seed_demo", province=["Atlantis"], no_progress=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"Không tìm thấy tỉnh 'Hà Nội'.*provision"):
        call_command("seed_demo", province=["Hà Nội"], no_progress=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match="Không tìm thấy huyện"):
        call_command("seed_demo", district=["Ba Đình"], no_progress=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match="trùng nhiều đơn vị"):
        call_command("seed_demo", district=["Duyên Hải"], no_progress=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match="Chưa có tỉnh nào được tạo theo cấu trúc 2025"):
        call_command("seed_demo", structure="2025", no_progress=True, stdout=io.StringIO())
    with pytest.raises(CommandError, match="--news"):
        call_command("seed_demo", news=-1, no_progress=True, stdout=io.StringIO())


# --- the content (pure) -------------------------------------------------------------------------------

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2025, 7, 15, 9, 30, tzinfo=TZ)
AN_TRUONG = demo_content.Place(
    level="commune",
    unit_type="xa",
    name="An Trường",
    code="29275",
    province_code="84",
    ancestors=("huyện Càng Long", "tỉnh Trà Vinh"),
    neighbours=("xã Mỹ Cẩm", "xã Huyền Hội", "xã Tân An"),
)
PHUONG = demo_content.Place(
    level="commune",
    unit_type="phuong",
    name="1",
    code="28999",
    province_code="01",
    ancestors=("quận Ba Đình", "thành phố Hà Nội"),
    neighbours=("phường 2",),
)


def _content(place, seed=135):
    r = random.Random(seed)
    c = demo_content.context(r, place, NOW.date())
    return {
        "people": c.people,
        "news": demo_content.news(r, c, 6, TZ),
        "announcements": demo_content.announcements(r, c, NOW),
        "documents": demo_content.legal_documents(r, c),
        "profile": demo_content.profile(r, c),
        "contact": demo_content.contact(r, c),
        "identity": demo_content.site_identity(r, c),
    }


def test_content_is_deterministic_and_names_the_commune():
    first, again, other = _content(AN_TRUONG), _content(AN_TRUONG), _content(AN_TRUONG, seed=7)
    assert first == again
    assert [n.title for n in first["news"]] != [n.title for n in other["news"]]
    assert any("An Trường" in n.title or "An Trường" in n.summary for n in first["news"])
    assert len({n.title for n in first["news"]}) == 6
    dates = [n.date for n in first["news"]]
    assert all(NOW.date() - timedelta(days=demo_content.NEWS_DAYS) <= d <= NOW.date() for d in dates)
    assert any(n.event_start and n.event_start > NOW and n.event_location for n in first["news"])
    assert first["identity"]["agency"] == "Uỷ ban nhân dân xã An Trường"
    assert first["contact"]["working_hours"] == demo_content.WORKING_HOURS
    assert "huyện Càng Long, tỉnh Trà Vinh" in first["contact"]["address"]
    assert "0294 " in first["contact"]["phone"]
    for neighbour in AN_TRUONG.neighbours:
        assert f"giáp {neighbour}" in first["profile"]["natural_conditions"]
    roles = [p.role for p in first["people"]]
    assert roles[:3] == ["bi_thu", "chu_tich", "pct_kt"] and 3 <= len(roles) <= 5


def test_announcements_cover_every_priority_an_expired_and_a_future_one():
    items = _content(AN_TRUONG)["announcements"]
    valid = [a for a in items if a.valid_from <= NOW and (a.valid_until is None or a.valid_until > NOW)]
    assert {a.priority for a in valid} == {"normal", "priority", "emergency"}
    assert sum(1 for a in items if a.valid_until and a.valid_until <= NOW) == 1
    assert sum(1 for a in items if a.valid_from > NOW) == 1
    assert all(a.valid_until is None or a.valid_until > a.valid_from for a in items)


def test_documents_have_official_metadata():
    for place in (AN_TRUONG, PHUONG):
        docs = _content(place)["documents"]
        for doc in docs:
            validate_number_symbol(doc.number_symbol)
            assert doc.issue_date <= NOW.date()
            assert doc.effective_date is None or doc.effective_date >= doc.issue_date
        assert {d.status for d in docs} == {"in_force", "expired"}
        assert sum(d.attach for d in docs) == 1


def test_urban_wards_get_no_rural_programmes():
    content = _content(PHUONG)
    assert not any("nông thôn mới" in n.title.lower() for n in content["news"])
    assert "tổ dân phố" in content["profile"]["natural_conditions"]
    assert content["contact"]["phone"].startswith("024 ")
    assert content["identity"]["email"].endswith("@hanoi.gov.vn")


def test_pictures_and_files():
    fonts = demo_content.find_fonts()
    from PIL import Image

    image = Image.open(io.BytesIO(demo_content.render_news_image("le-hoi", fonts)))
    assert image.size == demo_content.NEWS_IMAGE_SIZE and image.format == "JPEG"
    portrait = Image.open(io.BytesIO(demo_content.render_portrait(1, fonts)))
    assert portrait.size == demo_content.PORTRAIT_SIZE
    assert demo_content.render_news_image("y-te", fonts) == demo_content.render_news_image("y-te", fonts)
    doc = _content(AN_TRUONG)["documents"][0]
    pdf = demo_content.render_document_pdf(doc, AN_TRUONG, fonts)
    assert pdf.startswith(b"%PDF-") and len(pdf) < 100_000


@pytest.mark.django_db
def test_seeded_pages_are_in_the_site_search_and_communes_have_questions(client):
    from inquiries.models import AnsweredQuestionPage, Inquiry
    from search.models import SearchEntry

    seed()
    searchable = (
        NewsPage.objects.live().count()
        + LegalDocumentPage.objects.live().count()
        + AnnouncementPage.objects.live().count()
        + AnsweredQuestionPage.objects.live().count()
    )
    assert SearchEntry.objects.filter(kind__in=["news", "document", "announcement", "question"]).count() == searchable
    news = NewsPage.objects.live().filter(url_path__contains="/an-truong/").first()
    words = " ".join(news.title.split()[:4])
    html = client.get("/tim-kiem/", {"q": words}, HTTP_HOST=HOST).content.decode()
    assert "Tìm thấy" in html and news.slug in html
    # Questions and feedback: answered ones public, one open, one past its deadline.
    mine = Inquiry.objects.filter(commune__url_path__contains="/an-truong/")
    assert mine.filter(is_public=True, public_page__live=True).count() >= 4
    assert mine.overdue().count() == 1 and mine.open().count() == 2
    listing = client.get("/hoi-dap/", HTTP_HOST=HOST).content.decode()
    assert mine.filter(is_public=True).first().title in listing

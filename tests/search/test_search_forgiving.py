"""Search that forgives how citizens type (issue 14): words naming a type of page are a
preference, not a requirement; everyday phrasings find the official wording; when no page has
every word, the nearest pages, said so; an empty scope offers the wider one with its count;
source items, alerts and published answers are found on the sites where they appear, while
they appear there."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Site

from areas.models import CommuneHomePage
from inquiries.models import AnsweredQuestionPage, QuestionIndexPage
from search import engine as search
from search.models import SearchEntry, SearchPlacement
from sources.models import EmergencyAlertPage
from tests.factories import announcement, legal_document, news, publish, push


def host_of(home):
    site = Site.objects.get(root_page=home)
    return f"{site.hostname}:{site.port}"


def titles(results):
    by_id = dict(SearchEntry.objects.values_list("page_id", "title"))
    return [by_id[i] for i in results.ranked]


def run(text, scope=None, now=None, **filters):
    if scope is not None:
        filters["lower"], filters["upper"] = scope.bounds()
    return search.search(search.parse_query(text), search.Filters(**filters), now=now)


def find(text, scope=None, now=None, **filters):
    return titles(run(text, scope, now, **filters))


def scope(home, key):
    return dict(search.scope_choices(home))[key]


@pytest.fixture
def neighbour(commune):
    """Xã Mỹ Cẩm: another commune of An Trường's district (Càng Long)."""
    return CommuneHomePage.objects.get(structure="2024", short_name="Mỹ Cẩm")


# --- Parsing ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, terms, type_words",
    [
        ("thong bao tiem chung", ["tiem", "chung"], ["thong bao"]),
        ("THÔNG BÁO tiêm chủng", ["tiem", "chung"], ["THÔNG BÁO"]),
        ("tiem chung thong bao", ["tiem", "chung"], ["thong bao"]),
        ("thông bão tiêm chủng", ["thong", "bao", "tiem", "chung"], []),  # other marks: not the type
        ("ke hoach phong chong bao", ["phong", "chong", "bao"], ["ke hoach"]),
        ("Công văn 210/UBND-NN", ["210", "ubnd", "nn"], ["Công văn"]),
        ("tin bao so 5", ["bao", "so", "5"], ["tin"]),
        ("tin dung ngan hang", ["tin", "dung", "ngan", "hang"], []),  # tín dụng, not news
        ("lua gao tin", ["lua", "gao", "tin"], []),  # "tin" counts only as the first word
        ("thong bao", ["thong", "bao"], []),  # only type words: they are what is looked for
    ],
)
def test_type_words_leave_the_terms(raw, terms, type_words):
    query = search.parse_query(raw)
    assert [" ".join(t.typed) for t in query.terms] == terms
    assert list(query.type_words) == type_words


def test_type_words_prefer_kinds_and_document_types():
    assert ("announcement", "") in search.parse_query("thong bao cat dien").prefer
    assert ("document", "thong_bao") in search.parse_query("thong bao cat dien").prefer
    assert search.parse_query("ke hoach phong chong bao").prefer == {("document", "ke_hoach")}
    assert search.parse_query("van ban 35/KH").prefer == {("document", "")}
    assert search.parse_query("phan anh duong hu").prefer == {("question", "phan_anh")}


def test_everyday_phrasings_and_days_have_alternatives():
    (power,) = search.parse_query("cúp điện").terms
    assert ("ngung", "cung", "cap", "dien") in power.alternatives and power.typed == ("cup", "dien")
    assert len(search.parse_query("cát điện").terms) == 2  # other marks: the words themselves
    month = search.parse_query("thang 3").terms[1]
    assert month.alternatives == (("3",), ("03",))


# --- Type words -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_type_word_ranks_its_type_first_without_being_required(commune):
    mass = news(commune, "Ra quân tiêm chủng mở rộng đợt 1", days_ago=0)
    schedule = announcement(commune, "Lịch tiêm chủng vắc xin sởi tháng 12", summary="Tại trạm y tế xã.")
    assert find("thong bao tiem chung") == [schedule.title, mass.title]
    assert find("Thông báo tiêm chủng") == [schedule.title, mass.title]
    assert find("tin tiem chung") == [mass.title, schedule.title]
    # With other marks ("thông bão") they are words like any: no page has them all.
    nearest = run("thông bão tiêm chủng")
    assert not nearest.complete and (nearest.matched, nearest.query.size) == (2, 4)


@pytest.mark.django_db
def test_a_document_type_word_prefers_that_form(commune):
    plan = legal_document(commune, "35/KH-UBND", doc_type="ke_hoach", summary="Phòng chống bão năm 2026")
    legal_document(commune, "36/QĐ-UBND", doc_type="quyet_dinh", summary="Thành lập ban phòng chống bão, lụt")
    story = news(commune, "Phòng chống bão: người dân gia cố nhà cửa")
    results = run("ke hoach phong chong bao")
    assert results.complete and titles(results) == [plan.title, story.title, "Văn bản 36/QĐ-UBND"]
    assert find("quyet dinh phong chong bao")[0] == "Văn bản 36/QĐ-UBND"


# --- The nearest pages -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_nearest_pages_when_no_page_has_every_word(commune):
    measles = announcement(commune, "Tiêm chủng vắc xin sởi rubella cho trẻ em")
    news(commune, "Tiêm phòng dại cho chó mèo")
    results = run("tiem chung vac xin soi rubela")  # a word mistyped
    assert titles(results) == [measles.title]
    assert not results.complete and (results.matched, results.query.size) == (5, 6)
    assert results.partial_message == ("Không có kết quả chứa đủ mọi từ; đây là các kết quả gần nhất, khớp 5/6 từ.")
    # Fewer than half of the words: nothing.
    assert find("tiem xyzabc qwerty") == []
    # Words typed with marks count only with those marks ("trụ" is not "trú").
    news(commune, "Tàu cá vào nơi tránh trú bão")
    assert find("tàu vũ trụ") == []
    assert find("tau vu tru") == ["Tàu cá vào nơi tránh trú bão"]
    # A number typed is required: a page without it is not near (a house, a document, a day).
    schedule = announcement(commune, "Lịch tiếp công dân tháng 4")
    assert find("lich tiep cong dan thang 4 chu tich") == [schedule.title]
    assert find("lich tiep cong dan thang 5 chu tich") == []


@pytest.mark.django_db
def test_complete_matches_are_marked_complete(commune):
    news(commune, "Hội thi nấu ăn ngon")
    results = run("hoi thi nau an")
    assert results.complete and results.matched == results.query.size == 4 and results.partial_message is None


# --- Everyday phrasings ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_everyday_phrasings_find_the_official_wording(commune):
    cut = announcement(commune, "Lịch tạm ngừng cung cấp điện ngày 10/12", summary="Điện lực bảo trì lưới điện.")
    news(commune, "Xã diễn tập cứu nạn trên cát", summary="Diễn tập tại bãi cát ven sông.")
    for q in ["thong bao cat dien", "cúp điện", "mat dien ngay 10/12", "cắt điện"]:
        assert find(q) == [cut.title], q
    # "cát" (sand) is not "cắt" (cut): the words themselves, found where they are.
    assert find("cát điện") == ["Xã diễn tập cứu nạn trên cát"]


@pytest.mark.django_db
def test_a_month_or_day_with_or_without_its_zero(commune):
    page = announcement(commune, "Lịch tiêm chủng mở rộng tháng 03/2026")
    assert find("lich tiem chung thang 3") == [page.title]
    assert find("tiem chung thang 03") == [page.title]


# --- Where pushed items appear ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_district_source_item_is_found_on_its_portal_and_on_the_communes_it_reaches(
    commune, neighbour, other_commune
):
    district = commune.area
    title = "Thông báo tạm ngừng cung cấp điện để bảo trì trạm biến áp Cầu Kè"
    item = push(district, title, communes=[commune])
    portal = district.portal
    for where in [scope(portal, "huyen"), scope(portal, "xa"), scope(commune, "xa"), scope(neighbour, "huyen")]:
        assert find(title, where) == [title], where.label
    assert find(title, scope(neighbour, "xa")) == []  # not targeted
    assert find(title, scope(other_commune, "xa")) == []  # another district
    assert find(title, scope(other_commune, "huyen")) == []
    entry = SearchEntry.objects.get(page_id=item.pk)
    assert entry.kind == "source" and entry.issuer == "UBND huyện Càng Long"
    assert list(SearchPlacement.objects.filter(entry=entry).values_list("home_id", flat=True)) == [commune.pk]


@pytest.mark.django_db
def test_a_province_item_to_a_district_appears_on_each_of_its_communes(province, commune, neighbour, other_commune):
    title = "Hướng dẫn nộp hồ sơ dịch vụ công trực tuyến toàn trình"
    push(province, title, areas=[commune.area])
    assert find(title, scope(commune, "xa")) == find(title, scope(neighbour, "xa")) == [title]
    assert find(title, scope(other_commune, "xa")) == []
    assert find(title, scope(commune.area.portal, "xa")) == []  # an item is not shown on portals


@pytest.mark.django_db
def test_a_pushed_item_appears_only_while_valid_and_published(commune):
    district = commune.area
    now = timezone.now()
    title = "Lịch tiếp công dân của Chủ tịch UBND huyện tháng này"
    item = push(district, title, communes=[commune], valid_until=now + datetime.timedelta(days=1))
    later = push(district, "Lịch cắt điện tuần sau", communes=[commune], valid_from=now + datetime.timedelta(days=3))
    on_commune, on_portal = scope(commune, "xa"), scope(district.portal, "huyen")
    assert find(title, on_commune) == [title] and find("lich cat dien tuan sau", on_commune) == []
    in_two_days = now + datetime.timedelta(days=2)
    assert find(title, on_commune, now=in_two_days) == []  # expired: gone from the commune's site
    assert find(title, on_portal, now=in_two_days) == [title]  # still a page of the portal
    assert find("lich cat dien tuan sau", on_commune, now=now + datetime.timedelta(days=4)) == [later.title]
    item.unpublish()  # withdrawn
    assert find(title, on_commune) == find(title, on_portal) == []
    assert not SearchPlacement.objects.filter(entry_id=item.pk).exists()


@pytest.mark.django_db
def test_an_item_not_shown_on_sites_is_found_only_on_its_portal(commune):
    title = "Kịch bản phát thanh phòng chống đuối nước"
    push(commune.area, title, communes=[commune], show_on_sites=False)
    assert find(title, scope(commune, "xa")) == []
    assert find(title, scope(commune.area.portal, "xa")) == [title]


@pytest.mark.django_db
def test_alerts_appear_with_their_banner_and_only_when_actual(province, commune, other_commune):
    title = "Cảnh báo triều cường và sạt lở bờ sông Cổ Chiên"
    alert = push(province, title, areas=[commune.area], model=EmergencyAlertPage)
    for where in [scope(commune, "xa"), scope(commune.area.portal, "xa"), scope(province.portal, "xa")]:
        assert find(title, where) == [title], where.label
    assert find(title, scope(other_commune, "xa")) == []
    assert SearchEntry.objects.get(page_id=alert.pk).kind == "alert"
    assert find(title, scope(commune, "xa"), now=timezone.now() + datetime.timedelta(days=1)) == []  # ended
    # An exercise is never found by the public; turned into one, it leaves the index.
    drill = push(
        province, "Diễn tập cảnh báo lũ quét", areas=[commune.area], model=EmergencyAlertPage, cap_status="Exercise"
    )
    assert not SearchEntry.objects.filter(page_id=drill.pk).exists() and find("dien tap lu quet") == []
    alert.cap_status = "Test"
    alert.save_revision().publish()
    assert find(title) == [] and not SearchPlacement.objects.filter(entry_id=alert.pk).exists()


@pytest.mark.django_db
def test_rebuilding_keeps_where_items_appear(commune):
    title = "Thông báo lịch thu gom rác thải nguy hại"
    push(commune.area, title, communes=[commune])
    SearchEntry.objects.all().delete()
    assert not SearchPlacement.objects.exists()
    call_command("rebuild_search_index", no_progress=True, stdout=io.StringIO())
    assert find(title, scope(commune, "xa")) == [title]


@pytest.mark.django_db
def test_moving_a_commune_moves_what_appears_on_it(commune, other_commune):
    title = "Hướng dẫn phòng chống sốt xuất huyết"
    push(commune.area, title, communes=[commune])
    home = CommuneHomePage.objects.get(pk=commune.pk)
    home.move(other_commune.area, pos="last-child")
    home.refresh_from_db()
    assert SearchPlacement.objects.get(home=home).path == home.path
    assert find(title, search.Scope("xa", "", home)) == [title]


@pytest.mark.django_db
def test_published_answers_are_found_on_their_commune(commune, neighbour):
    index = QuestionIndexPage.objects.child_of(commune).get()
    answer = publish(
        index,
        AnsweredQuestionPage(
            title="Hồ sơ đăng ký khai sinh cho con cần những gì?",
            question="Xin hỏi làm giấy khai sinh cần giấy tờ gì?",
            answer="<p>Tờ khai và giấy chứng sinh.</p>",
            asked_on=datetime.date(2026, 11, 1),
            answered_on=datetime.date(2026, 11, 5),
            kind="hoi_dap",
            answered_by_unit="Ủy ban nhân dân xã An Trường",
        ),
    )
    news(commune, "Hướng dẫn đăng ký khai sinh trực tuyến")
    assert find("cau hoi dang ky khai sinh", scope(commune, "xa"))[0] == answer.title
    assert find("khai sinh", scope(neighbour, "xa")) == []
    answer.unpublish()
    assert answer.title not in find("khai sinh", scope(commune, "xa"))


# --- The page and the API ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_empty_commune_offers_its_district_with_the_count(client, commune, neighbour):
    news(neighbour, "Hội thi đờn ca tài tử ở Mỹ Cẩm")
    news(neighbour, "Đờn ca tài tử mừng xuân")
    html = client.get("/tim-kiem/", {"q": "don ca tai tu"}, HTTP_HOST=host_of(commune)).content.decode()
    assert "Không tìm thấy trong xã An Trường; có 2 kết quả trong huyện Càng Long." in html
    assert 'href="?q=don+ca+tai+tu&amp;scope=huyen">Xem 2 kết quả trong huyện Càng Long</a>' in html
    wide = client.get("/tim-kiem/", {"q": "don ca tai tu", "scope": "huyen"}, HTTP_HOST=host_of(commune))
    assert "Tìm thấy 2 kết quả" in wide.content.decode() and "Xem 2 kết quả" not in wide.content.decode()


@pytest.mark.django_db
def test_an_empty_district_offers_the_province(client, commune, other_commune):
    news(other_commune, "Lễ hội nghinh Ông ở Đông Hải")
    data = client.get("/api/search", {"q": "nghinh ong"}, HTTP_HOST=host_of(commune)).json()
    assert data["total"] == 0 and data["wider"]["scope"] == "tinh" and data["wider"]["total"] == 1
    assert data["wider"]["message"] == "Không tìm thấy trong xã An Trường; có 1 kết quả trong tỉnh Trà Vinh."
    assert "scope=tinh" in data["wider"]["url"] and "q=nghinh+ong" in data["wider"]["url"]
    nothing = client.get("/api/search", {"q": "tau vu tru"}, HTTP_HOST=host_of(commune)).json()
    assert nothing["total"] == 0 and nothing["wider"] is None


@pytest.mark.django_db
def test_the_page_says_when_results_are_the_nearest(client, commune, neighbour):
    announcement(commune, "Lịch tiêm chủng vắc xin sởi cho trẻ em")
    news(neighbour, "Tiêm chủng vắc xin sởi rubella ở Mỹ Cẩm")
    html = client.get("/tim-kiem/", {"q": "thong bao tiem chung vac xin soi rubella"}, HTTP_HOST=host_of(commune))
    html = html.content.decode()
    assert "Không có kết quả chứa đủ mọi từ; đây là các kết quả gần nhất, khớp 5/6 từ." in html
    assert "Lịch <mark>tiêm</mark> <mark>chủng</mark>" in html
    assert "Không có kết quả chứa đủ mọi từ trong xã An Trường; có 1 kết quả trong huyện Càng Long." in html
    assert "«thong bao» được hiểu là loại nội dung cần tìm" in html


@pytest.mark.django_db
def test_the_api_says_what_it_did(client, commune):
    announcement(commune, "Lịch tạm ngừng cung cấp điện ngày 10/12")
    data = client.get("/api/search", {"q": "thong bao cat dien"}, HTTP_HOST=host_of(commune)).json()
    assert data["total"] == 1 and data["complete"] is True and data["message"] is None
    assert (data["matched_words"], data["query_words"]) == (2, 2)
    assert data["type_words"] == ["thong bao"] and "announcement" in data["preferred_types"]
    assert "<mark>ngừng</mark> <mark>cung</mark> <mark>cấp</mark> <mark>điện</mark>" in data["results"][0]["snippet"]
    partial = client.get("/api/search", {"q": "cat dien xyzabc"}, HTTP_HOST=host_of(commune)).json()
    assert partial["complete"] is False and partial["total"] == 1
    assert partial["message"] == "Không có kết quả chứa đủ mọi từ; đây là các kết quả gần nhất, khớp 2/3 từ."


@pytest.mark.django_db
def test_a_source_item_found_on_a_commune_links_to_its_portal(client, commune):
    title = "Thông báo tuyển sinh lớp học nghề miễn phí"
    push(commune.area, title, communes=[commune])
    data = client.get("/api/search", {"q": title}, HTTP_HOST=host_of(commune)).json()
    (result,) = data["results"]
    assert result["type"] == "source" and result["type_label"] == "Thông tin nguồn"
    assert result["url"].startswith("http://cang-long.tra-vinh.localhost")
    html = client.get("/tim-kiem/", {"q": "tuyen sinh hoc nghe"}, HTTP_HOST=host_of(commune)).content.decode()
    assert "Thông tin nguồn" in html and "http://cang-long.tra-vinh.localhost" in html

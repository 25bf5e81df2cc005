"""Site search: folding and exact codes, query parsing, highlighting, the index kept current
by publishing / unpublishing / expiry / moves / deletes, scopes, the HTML page and the JSON
API, and bad input (never a 500)."""

import datetime
import io
import json
import unicodedata

import pytest
from django.core.management import call_command
from django.utils import timezone
from wagtail.models import Site

from cms_pages.models import NewsPage, StandardPage
from search import engine as search
from search.models import SearchEntry
from tests.factories import announcement, legal_document, news, publish


def host_of(home):
    site = Site.objects.get(root_page=home)
    return f"{site.hostname}:{site.port}"


def titles(results):
    by_id = dict(SearchEntry.objects.values_list("page_id", "title"))
    return [by_id[i] for i in results.ranked]


def find(text, **filters):
    return titles(search.search(search.parse_query(text), search.Filters(**filters)))


# --- Text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word, code",
    [
        ("bán", "ban1"),
        ("bàn", "ban2"),
        ("Hòa", "hoa2"),
        ("Hoà", "hoa2"),
        ("HOÀ", "hoa2"),
        ("Thủy", "thuy3"),
        ("Thuỷ", "thuy3"),
        ("đông", "d9o6ng"),
        ("Đồng", "d9o6ng2"),
        ("tiêm", "tie6m"),
        ("chủng", "chung3"),
        ("ước", "u7o7c1"),
        ("ăn", "a8n"),
        ("ban", None),
        ("35", None),
        ("KH", None),
    ],
)
def test_exact_code_ignores_tone_placement_case_and_normal_form(word, code):
    assert search.exact_code(word) == code
    assert search.exact_code(unicodedata.normalize("NFD", word)) == code


def test_parse_query_folds_and_keeps_the_marks_of_marked_words():
    q = search.parse_query("  Thông báo  TIÊM chủng ")
    assert q.words == ("thong", "bao", "tiem", "chung")
    assert q.exact == ("tho6ng", "bao1", "tie6m", "chung3") and q.marked == ("thong", "bao", "tiem", "chung")
    assert search.parse_query("Công an xã").unmarked == ("an",)
    nfd = search.parse_query(unicodedata.normalize("NFD", "Thông báo tiêm chủng"))
    assert nfd.words == q.words and nfd.exact == q.exact
    assert search.parse_query("thong bao").exact == ()
    assert search.parse_query("35/KH-UBND").words == ("35", "kh", "ubnd")
    assert search.parse_query("Đ").words == ("d",)


@pytest.mark.parametrize(
    "raw, code",
    [
        ("", "empty_query"),
        ("   ", "empty_query"),
        ("\x00\x01\x1f", "empty_query"),
        ('"', "no_words"),
        ("*", "no_words"),
        ("()", "no_words"),
        ("x" * 501, "query_too_long"),
    ],
)
def test_parse_query_refuses_what_cannot_be_searched(raw, code):
    with pytest.raises(search.QueryError) as error:
        search.parse_query(raw)
    assert error.value.code == code and error.value.status == 400


def test_parse_query_keeps_at_most_twelve_words():
    assert len(search.parse_query(" ".join(f"w{i}" for i in range(40))).words) == search.MAX_TOKENS


def test_highlight_marks_the_original_text_and_escapes_the_rest():
    html = search.highlight("Thông báo <b>tiêm chủng</b> & Hoà Thuận", ["tiem", "chung", "hoa"], width=None)
    assert html == ("Thông báo &lt;b&gt;<mark>tiêm</mark> <mark>chủng</mark>&lt;/b&gt; &amp; <mark>Hoà</mark> Thuận")
    # Whole words only; NFD text keeps its marks inside the <mark>.
    assert search.highlight("bánh bán", ["ban"], width=None) == "bánh <mark>bán</mark>"
    nfd = unicodedata.normalize("NFD", "Đông Hải")
    assert search.highlight(nfd, ["dong"], width=None) == "<mark>Đông</mark> Hải"


def test_highlight_picks_the_passage_with_the_matches():
    text = ("Mở đầu dài dòng không liên quan. " * 20) + "Lịch tiêm chủng mở rộng tháng này." + (" Kết." * 50)
    html = search.highlight(text, ["tiem", "chung"], width=120)
    assert "<mark>tiêm</mark> <mark>chủng</mark>" in html
    assert html.startswith("… ") and html.endswith(" …")
    assert len(html) < 220


# --- The index keeps itself current ----------------------------------------------------------


@pytest.mark.django_db
def test_publishing_indexes_and_unpublishing_removes(commune):
    page = news(commune, "Thông báo tiêm chủng đợt 2", summary="Tại trạm y tế xã.")
    entry = SearchEntry.objects.get(page_id=page.pk)
    assert entry.kind == "news" and entry.source_title == "Xã An Trường"
    assert entry.title_folded == "thong bao tiem chung dot 2"
    assert find("thong bao tiem chung") == ["Thông báo tiêm chủng đợt 2"]
    page.title = "Lịch tiêm vắc xin sởi"
    page.save_revision().publish()
    assert find("vac xin soi") == ["Lịch tiêm vắc xin sởi"] and find("tiem chung dot 2") == []
    assert not search.search(search.parse_query("thong bao tiem chung")).complete  # only "tiêm" is left
    page.unpublish()
    assert find("vac xin soi") == [] and not SearchEntry.objects.filter(page_id=page.pk).exists()


@pytest.mark.django_db
def test_drafts_are_not_indexed(commune):
    from cms_pages.models import NewsIndexPage

    index = NewsIndexPage.objects.child_of(commune).get()
    draft = NewsPage(title="Bản nháp chưa đăng", summary="Nháp", live=False)
    index.add_child(instance=draft)
    draft.save_revision()
    assert find("ban nhap") == []


@pytest.mark.django_db
def test_private_pages_leave_the_index_and_come_back(commune):
    from wagtail.models import PageViewRestriction

    page = news(commune, "Tin nội bộ chi bộ")
    restriction = PageViewRestriction.objects.create(
        page=page, restriction_type=PageViewRestriction.PASSWORD, password="x"
    )
    assert find("noi bo chi bo") == []
    page.save_revision().publish()
    assert find("noi bo chi bo") == []
    restriction.delete()
    assert find("noi bo chi bo") == ["Tin nội bộ chi bộ"]


@pytest.mark.django_db
def test_scheduled_publishing_and_expiry_change_the_results(commune):
    from cms_pages.tasks import publish_scheduled

    now = timezone.now()
    scheduled = news(commune, "Hội thi nấu ăn hẹn giờ")
    scheduled.unpublish()
    scheduled.save_revision(approved_go_live_at=now - datetime.timedelta(minutes=1))
    expiring = news(commune, "Hội thi văn nghệ hết hạn")
    NewsPage.objects.filter(pk=expiring.pk).update(expire_at=now - datetime.timedelta(seconds=1))
    assert find("hoi thi") == ["Hội thi văn nghệ hết hạn"]
    publish_scheduled()
    assert find("hoi thi") == ["Hội thi nấu ăn hẹn giờ"]


@pytest.mark.django_db
def test_deleting_and_moving_pages_follow(commune, other_commune):
    from cms_pages.models import NewsIndexPage

    page = news(commune, "Khánh thành cầu giao thông nông thôn")
    assert find("cau giao thong", lower=commune.path, upper=search.Scope("xa", "", commune).bounds()[1])
    target = NewsIndexPage.objects.child_of(other_commune).get()
    page.move(target, pos="last-child")
    entry = SearchEntry.objects.get(page_id=page.pk)
    assert entry.path.startswith(other_commune.path) and entry.source_title == "Xã Đông Hải"
    lower, upper = search.Scope("xa", "", commune).bounds()
    assert find("cau giao thong", lower=lower, upper=upper) == []
    NewsPage.objects.get(pk=page.pk).delete()
    assert not SearchEntry.objects.filter(page_id=page.pk).exists()
    assert find("cau giao thong") == []


@pytest.mark.django_db
def test_renaming_a_commune_renames_its_results(commune):
    news(commune, "Tin đổi tên")
    commune.title = "Xã An Trường Mới"
    commune.save_revision().publish()
    assert SearchEntry.objects.get(title="Tin đổi tên").source_title == "Xã An Trường Mới"


@pytest.mark.django_db
def test_rebuild_command_recreates_the_index(commune, other_commune):
    news(commune, "Tin một")
    legal_document(other_commune, "12/QĐ-UBND", summary="Quyết định thành lập tổ công tác")
    standard = publish(commune, StandardPage(title="Quy chế làm việc"))
    SearchEntry.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_search_index", no_progress=True, stdout=out)
    assert "3 trang" in out.getvalue()
    assert find("quy che") == ["Quy chế làm việc"]
    assert find("12/QD-UBND") == ["Văn bản 12/QĐ-UBND"]
    assert SearchEntry.objects.get(page_id=standard.pk).kind == "page"


# --- Search --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_marks_tone_placement_case_and_normal_form_find_the_same_pages(commune):
    news(commune, "Thông báo tiêm chủng cho trẻ em")
    news(commune, "Hội nghị xã Hoà Thuận")
    expected = ["Thông báo tiêm chủng cho trẻ em"]
    for q in [
        "thong bao tiem chung",
        "THÔNG BÁO TIÊM CHỦNG",
        unicodedata.normalize("NFD", "Thông báo tiêm chủng"),
        "tiêm chung",
        "Thong Bao",
    ]:
        assert find(q) == expected, q
    assert find("Hòa Thuận") == find("hoa thuan") == find("Hoà") == ["Hội nghị xã Hoà Thuận"]


@pytest.mark.django_db
def test_d_and_dj_match(commune):
    news(commune, "Đường điện mới về ấp Đại Thôn")
    assert find("duong dien") == find("ĐƯỜNG ĐIỆN") == find("Dai thon") == ["Đường điện mới về ấp Đại Thôn"]


@pytest.mark.django_db
def test_exact_matches_rank_above_folded_ones(commune):
    table = news(commune, "Bàn giao bàn ghế cho trường học", days_ago=0)
    sale = news(commune, "Bán đấu giá tài sản công", days_ago=5)
    assert find("bán")[:2] == [sale.title, table.title]
    assert find("bàn")[:2] == [table.title, sale.title]
    assert find("ban")[:2] == [table.title, sale.title]  # no marks: the newer first


@pytest.mark.django_db
def test_legal_documents_by_number_summary_and_issuer(commune):
    plan = legal_document(commune, "35/KH-UBND", summary="Kế hoạch tổ chức Tết trồng cây", issuer="UBND xã An Trường")
    legal_document(commune, "135/KH-UBND", summary="Kế hoạch số 35 về phòng cháy")
    legal_document(commune, "36/KH-HĐND", summary="Kế hoạch giám sát", issuer="HĐND xã An Trường")
    for q in ["35/KH-UBND", "35/KH", "KH-UBND 35", "35 kh ubnd", "35/kh-ubnd"]:
        assert find(q)[0] == plan.title, q
    assert find("tet trong cay") == [plan.title]
    assert find("HĐND xã An Trường") == ["Văn bản 36/KH-HĐND"]


@pytest.mark.django_db
def test_scope_type_and_year_filters(commune, other_commune):
    news(commune, "Ngày hội đại đoàn kết", days_ago=400)
    announcement(commune, "Thông báo ngày hội đại đoàn kết")
    news(other_commune, "Ngày hội đại đoàn kết ở Đông Hải")
    lower, upper = search.Scope("xa", "", commune).bounds()
    assert len(find("dai doan ket")) == 3
    assert len(find("dai doan ket", lower=lower, upper=upper)) == 2
    assert find("dai doan ket", lower=lower, upper=upper, kind="announcement") == ["Thông báo ngày hội đại đoàn kết"]
    year = (timezone.localdate() - datetime.timedelta(days=400)).year
    assert "Ngày hội đại đoàn kết" in find("dai doan ket", year=year)


@pytest.mark.django_db
def test_scope_choices_follow_the_site(commune):
    from areas.models import PortalHomePage

    choices = dict(search.scope_choices(commune))
    assert list(choices) == ["xa", "huyen", "tinh"]
    assert choices["huyen"].root.specific.short_name == "Càng Long"
    assert choices["tinh"].root.specific.short_name == "Trà Vinh"
    portal = commune.area.portal
    assert search.scope_choices(portal)[0][0] == "huyen"
    province_portal = PortalHomePage.objects.get(depth=3)
    assert search.scope_choices(province_portal)[0][0] == "tinh"


# --- Views ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_search_page_on_a_commune_defaults_to_the_commune(client, commune, other_commune):
    news(commune, "Tiêm chủng ở An Trường")
    news(other_commune, "Tiêm chủng ở Đông Hải")
    response = client.get("/tim-kiem/", {"q": "tiem chung"}, HTTP_HOST=host_of(commune))
    html = response.content.decode()
    assert response.status_code == 200
    assert "<mark>Tiêm</mark> <mark>chủng</mark> ở An Trường" in html and "Đông Hải</a>" not in html
    assert "Tìm thấy 1 kết quả" in html and "Xã An Trường</span>" in html
    wide = client.get("/tim-kiem/", {"q": "tiem chung", "scope": "tinh"}, HTTP_HOST=host_of(commune)).content.decode()
    assert "Tìm thấy 2 kết quả" in wide


@pytest.mark.django_db
def test_search_page_on_a_portal_covers_its_area(client, commune, other_commune):
    news(commune, "Hội thao huyện Càng Long")
    news(other_commune, "Hội thao huyện Duyên Hải")
    html = client.get("/tim-kiem/", {"q": "hoi thao"}, HTTP_HOST=host_of(commune.area.portal)).content.decode()
    assert "<mark>thao</mark> huyện Càng Long</a>" in html and "huyện Duyên Hải</a>" not in html


@pytest.mark.django_db
def test_search_page_paginates(client, commune):
    for i in range(12):
        news(commune, f"Tin phân trang số {i}", days_ago=i)
    host = host_of(commune)
    first = client.get("/tim-kiem/", {"q": "phan trang"}, HTTP_HOST=host).content.decode()
    second = client.get("/tim-kiem/", {"q": "phan trang", "trang": 2}, HTTP_HOST=host).content.decode()
    assert "Trang 1/2" in first and "số 0</a>" in first and "số 11</a>" not in first
    assert "Trang 2/2" in second and "số 11</a>" in second


@pytest.mark.django_db
def test_empty_search_page_shows_the_form(client, commune):
    response = client.get("/tim-kiem/", HTTP_HOST=host_of(commune))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="search-q"' in html and 'role="alert"' not in html


@pytest.mark.django_db
def test_header_has_a_search_box(client, commune):
    html = client.get("/", HTTP_HOST=host_of(commune)).content.decode()
    assert 'role="search"' in html and 'action="/tim-kiem/"' in html and 'for="site-search-q"' in html


@pytest.mark.django_db
def test_api_answers_json(client, commune, other_commune):
    page = legal_document(commune, "35/KH-UBND", summary="Kế hoạch tiêm chủng mở rộng năm 2026")
    news(other_commune, "Tiêm chủng ở Đông Hải")
    response = client.get("/api/search", {"q": "tiêm chủng", "scope": "huyen"}, HTTP_HOST=host_of(commune))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["query"] == "tiêm chủng" and data["scope"] == "huyen" and data["total"] == 1
    result = data["results"][0]
    assert result["title"] == page.title and result["type"] == "document" and result["commune"] == "Xã An Trường"
    assert result["url"].startswith("http://an-truong.") and result["date"] == "2026-03-15"
    assert "<mark>tiêm</mark> <mark>chủng</mark>" in result["snippet"]
    both = client.get(
        "/api/search", {"q": "tiem chung", "scope": "tinh", "type": "news"}, HTTP_HOST=host_of(commune)
    ).json()
    assert [r["title"] for r in both["results"]] == ["Tiêm chủng ở Đông Hải"]


BAD_QUERIES = [
    "",
    " ",
    '"',
    "'",
    '""',
    "*",
    "tiem*",
    "NEAR(",
    "NEAR(tiem chung",
    "AND",
    "OR",
    "tiem AND OR NOT chung",
    "a OR b",
    "'; DROP TABLE search_searchentry; --",
    "1' OR '1'='1",
    "title_folded:tiem",
    "{title} : x",
    "tiem & chung | !x",
    "tiem <-> chung",
    "tiem:*",
    "^tiem",
    "(((",
    ")",
    "-",
    "+tiem -chung",
    "%_%",
    "\\",
    "\x00tiem\x07",
    "\u200btiem\u202e",
    "tiêm\nchủng\t",
    "x" * 500,
    "x" * 501,
    "tiêm " * 200,
    "🙂",
    "中文",
    "тест",
    "\ufffd",
]


@pytest.mark.django_db
@pytest.mark.parametrize("query", BAD_QUERIES)
def test_bad_input_never_gives_a_500(client, commune, query):
    news(commune, "Thông báo tiêm chủng")
    host = host_of(commune)
    api = client.get("/api/search", {"q": query}, HTTP_HOST=host)
    assert api.status_code in (200, 400)
    data = api.json()
    if api.status_code == 400:
        assert data["error"]["code"] and data["error"]["message"]
    else:
        assert isinstance(data["results"], list)
    page = client.get("/tim-kiem/", {"q": query}, HTTP_HOST=host)
    assert page.status_code in (200, 400)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "params, code",
    [
        ({"q": "x", "scope": "vu-tru"}, "invalid_scope"),
        ({"q": "x", "type": "video"}, "invalid_type"),
        ({"q": "x", "year": "năm ngoái"}, "invalid_year"),
        ({"q": "x", "year": "99999"}, "invalid_year"),
        ({"q": "x", "page": "0"}, "invalid_page"),
        ({"q": "x", "page": "-1"}, "invalid_page"),
        ({"q": "x", "page": "1e9"}, "invalid_page"),
        ({"q": "x", "per_page": "1000"}, "invalid_per_page"),
        ({}, "empty_query"),
    ],
)
def test_api_errors_are_json_4xx(client, commune, params, code):
    response = client.get("/api/search", params, HTTP_HOST=host_of(commune))
    assert response.status_code == 400
    assert json.loads(response.content)["error"]["code"] == code


@pytest.mark.django_db
def test_api_refuses_post(client, commune):
    response = client.post("/api/search", {"q": "x"}, HTTP_HOST=host_of(commune))
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"


@pytest.mark.django_db
def test_search_page_shows_a_message_for_bad_filters(client, commune):
    response = client.get("/tim-kiem/", {"q": "x", "year": "abc", "trang": "zz"}, HTTP_HOST=host_of(commune))
    assert response.status_code == 400 and "Năm không hợp lệ" in response.content.decode()


@pytest.mark.django_db
def test_page_cache_still_serves_pages_after_search(client, commune):
    news(commune, "Tin cho bộ nhớ đệm")
    host = host_of(commune)
    client.get("/tim-kiem/", {"q": "bo nho dem"}, HTTP_HOST=host)
    assert client.get("/", HTTP_HOST=host)["X-Cache"] == "MISS"
    assert client.get("/", HTTP_HOST=host)["X-Cache"] == "HIT"

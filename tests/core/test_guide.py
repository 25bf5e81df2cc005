"""The user guide in the admin (docs/huong-dan, core/guide.py, core/wagtail_hooks.py): who may read
it, what an unknown page gives, that every link between its pages works, that its HTML is
sanitised, and that it replaces Wagtail's English help menu."""

import json
import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.urls import reverse

from core import guide

PASSWORD = "Mat-khau-thu-2026"
GUIDE_SLUGS = ["bien-tap-vien-xa", "kiem-duyet-vien", "can-bo-huyen-tinh", "dai-truyen-thanh", "quan-tri-he-thong"]
GUIDE_SLUGS += ["so-dai-truyen-thanh"]  # the station register and indicators 1.1, 1.2
GUIDE_SLUGS += ["xac-thuc-hai-buoc"]  # two-factor sign-in (signin/)
GUIDE_SLUGS += ["sao-luu"]  # backups and restores (core/backup.py)
GUIDE_SLUGS += ["van-hanh-may-chu"]  # the production server (deploy/)
GUIDE_SLUGS += ["bo-cuc-man-hinh", "danh-sach-phat", "nguon-tin-ngoai", "ban-do-bang-loa", "may-phat-vung-man-hinh"]
GUIDE_SLUGS += ["so-nganh-cung-cap-thong-tin", "van-ban-chi-dao-bao-cao", "chi-tieu-bo-tttt", "lien-thong"]  # issue 19


@pytest.fixture
def commune_editor(commune):
    user = get_user_model().objects.create_user("bientap-huong-dan", "bt@example.vn", PASSWORD)
    user.groups.add(commune.editors_group)
    return user


@pytest.fixture
def editor_client(client, commune_editor):
    client.force_login(commune_editor)
    return client


def _article(response):
    return BeautifulSoup(response.content.decode(), "html.parser").select_one("article.tincoso-guide__body")


def test_index_lists_every_guide_for_a_commune_editor(editor_client):
    response = editor_client.get("/admin/huong-dan/")
    assert response.status_code == 200
    article = _article(response)
    assert article.h1.get_text() == "Hướng dẫn sử dụng"
    hrefs = {a["href"] for a in article.find_all("a")}
    assert {f"/admin/huong-dan/{slug}/" for slug in GUIDE_SLUGS} <= hrefs
    assert not any(href.endswith(".md") for href in hrefs)


@pytest.mark.parametrize(
    "slug, title",
    [
        ("bien-tap-vien-xa", "Hướng dẫn cho biên tập viên xã"),
        ("kiem-duyet-vien", "Hướng dẫn cho người kiểm duyệt"),
        ("can-bo-huyen-tinh", "Hướng dẫn cho cán bộ huyện, tỉnh"),
        ("dai-truyen-thanh", "Đài truyền thanh xã: chương trình, nhật ký, âm lượng"),
        ("quan-tri-he-thong", "Hướng dẫn quản trị hệ thống"),
        ("so-dai-truyen-thanh", "Sổ đài truyền thanh và chỉ tiêu 1.1, 1.2"),
        ("sao-luu", "Sao lưu và khôi phục"),
    ],
)
def test_each_guide_is_a_page_with_its_title_and_contents(editor_client, slug, title):
    response = editor_client.get(f"/admin/huong-dan/{slug}/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    assert soup.select_one("article h1").get_text() == title
    assert title in soup.title.get_text()
    # "Trên trang này": one link per section, each to a heading of the page.
    toc = [a["href"] for a in soup.select(".tincoso-guide__nav a[href^='#']")]
    assert len(toc) >= 3
    assert all(soup.find(id=href[1:]) is not None for href in toc)
    # The list of guides marks the page being read.
    assert soup.select_one(".tincoso-guide__nav a[aria-current=page]").get_text() == title


def test_every_link_between_guide_pages_leads_to_a_page_and_a_heading(editor_client):
    pages = {"": "/admin/huong-dan/"} | {slug: f"/admin/huong-dan/{slug}/" for slug in GUIDE_SLUGS}
    anchors = {}
    links = []
    for url in pages.values():
        article = _article(editor_client.get(url))
        anchors[url] = {h["id"] for h in article.find_all(id=True)}
        links += [a["href"] for a in article.find_all("a", href=True) if a["href"].startswith("/admin/huong-dan/")]
    assert len(links) > 10
    for href in links:
        path, _, anchor = href.partition("#")
        assert path in anchors, href
        assert not anchor or anchor in anchors[path], href


def test_anonymous_reader_is_sent_to_the_login_page(client, db):
    response = client.get("/admin/huong-dan/bien-tap-vien-xa/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_user_without_admin_access_cannot_read_it(client, db):
    user = get_user_model().objects.create_user("nguoi-dan", "dan@example.vn", PASSWORD)
    client.force_login(user)
    response = client.get("/admin/huong-dan/")
    assert response.status_code in (302, 403)
    assert b"tincoso-guide__body" not in response.content


@pytest.mark.parametrize("slug", ["khong-co-trang-nay", "README", "bien-tap-vien-xa.md", "..", "BIEN-TAP-VIEN-XA"])
def test_unknown_guide_is_a_404(editor_client, slug):
    assert editor_client.get(f"/admin/huong-dan/{slug}/").status_code == 404


def test_a_guide_file_cannot_inject_markup(editor_client, settings, tmp_path):
    (tmp_path / "README.md").write_text("# Mục lục thử\n\n[Trang hai](trang-hai.md#muc-mot)\n", encoding="utf-8")
    (tmp_path / "trang-hai.md").write_text(
        "# Trang hai\n\n"
        "## Mục một\n\n"
        "<script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        "[bấm vào đây](javascript:alert(1)) [trang ngoài](https://dichvucong.gov.vn) "
        "[về mục lục](README.md) ![ảnh](data:image/svg+xml;base64,PHN2Zy8+)\n\n"
        '<a href="#" onclick="alert(1)">liên kết</a>\n',
        encoding="utf-8",
    )
    settings.TINCOSO_GUIDE_DIR = tmp_path
    response = editor_client.get("/admin/huong-dan/trang-hai/")
    assert response.status_code == 200
    article = _article(response)
    assert article.find("script") is None and article.find("img") is None
    assert not any(tag.has_attr("onerror") or tag.has_attr("onclick") for tag in article.find_all(True))
    text = article.get_text()
    assert "<script>alert('x')</script>" in text  # shown as text, never run
    hrefs = [a.get("href") for a in article.find_all("a")]
    assert "https://dichvucong.gov.vn" in hrefs and "/admin/huong-dan/" in hrefs
    assert not any(href and href.lower().startswith(("javascript:", "data:")) for href in hrefs)
    outside = article.find("a", href="https://dichvucong.gov.vn")
    assert outside["rel"] == ["noopener", "noreferrer"]
    index = _article(editor_client.get("/admin/huong-dan/"))
    assert index.find("a")["href"] == "/admin/huong-dan/trang-hai/#muc-mot"


def test_sanitise_keeps_only_what_a_guide_needs():
    html = guide.sanitise(
        '<h2 style="color:red" onclick="x()">Mở đầu</h2><iframe src="https://x"></iframe>'
        '<p><a href="vbscript:msgbox(1)">a</a> <a href="/admin/pages/" target="_blank">b</a>'
        '<span class="x">c</span></p><pre><code class="language-sh evil">make run</code></pre>'
        '<form action="/"><input name="q"></form><style>body{}</style>'
        '<table><tr><td style="text-align:right">1</td></tr></table>'
    )
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find(["iframe", "form", "input", "style", "span"]) is None
    assert "body{}" not in html and soup.get_text().count("c") >= 1
    heading = soup.h2
    assert heading.attrs == {"id": "mo-dau"}
    first, second = soup.find_all("a")
    assert not first.has_attr("href") and second.attrs == {"href": "/admin/pages/"}
    assert soup.code["class"] == ["language-sh"]
    assert soup.td.attrs == {}


def test_guide_menu_replaces_wagtails_english_help(editor_client):
    response = editor_client.get("/admin/")
    assert response.status_code == 200
    soup = BeautifulSoup(response.content.decode(), "html.parser")
    props = json.loads(soup.find(id="wagtail-sidebar-props").string)
    items = {}

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("url"), str):
                items[node["url"]] = node.get("label")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(props)
    assert items["/admin/huong-dan/"] == "Mục lục"
    assert items["/admin/huong-dan/bien-tap-vien-xa/"] == "Hướng dẫn cho biên tập viên xã"
    assert "Hướng dẫn" in json.dumps(props, ensure_ascii=False)
    assert not any("wagtail.org" in url for url in items)
    # The dashboard's link to Wagtail's editor guide is the project's guide too.
    summary_links = {a.get_text(strip=True): a["href"] for a in soup.select(".w-dashboard header a")}
    assert summary_links["Hướng dẫn sử dụng"] == reverse("tincoso_guide_index")


def test_guides_follow_the_reading_order_and_name_themselves_by_their_heading(settings, tmp_path):
    for name, heading in [("README", "Mục lục"), ("zeta", "Phụ lục"), ("kiem-duyet-vien", "Duyệt")]:
        (tmp_path / f"{name}.md").write_text(f"# {heading}\n", encoding="utf-8")
    (tmp_path / "Khong Hop Le.md").write_text("# Bỏ qua\n", encoding="utf-8")
    settings.TINCOSO_GUIDE_DIR = tmp_path
    assert [(g.slug, g.title) for g in guide.guides()] == [
        ("", "Mục lục"),
        ("kiem-duyet-vien", "Duyệt"),
        ("zeta", "Phụ lục"),
    ]
    assert guide.find("khong-hop-le") is None and guide.find("../README") is None


def test_the_real_guide_has_no_markup_of_its_own():
    """The guide is plain Markdown: raw HTML in a file would be shown as text, so none is written."""
    for item in guide.guides():
        text = item.path.read_text(encoding="utf-8")
        assert not re.search(r"<[a-zA-Z/][^>]*>", re.sub(r"`[^`]*`", "", text)), item.path.name

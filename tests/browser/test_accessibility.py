"""Accessibility and weight of the public pages, in both themes, in a real browser.

Two communes of the live server are filled with content (news with pictures, announcements of
every priority, legal documents, a profile with leaders, contacts); one keeps the default theme,
the other is switched to the high-contrast theme. On a phone, axe-core (WCAG 2.0/2.1 A and AA
rules and its best practices) must find nothing of serious or critical impact on the home page,
the news list and a news item, the announcements and an emergency announcement, the document
list and the profile. Screenshots of every page go to tests/artifacts/ (phone and desktop).
"""

import json
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

DEFAULT_HOST = "my-cam.cang-long.tra-vinh.localhost"
CONTRAST_HOST = "huyen-hoi.cang-long.tra-vinh.localhost"
THEMES = {"default": DEFAULT_HOST, "high_contrast": CONTRAST_HOST}

PAGES = {
    "home": "/",
    "news-list": "/tin-tuc/",
    "news": "/tin-tuc/ra-quan-lam-duong-giao-thong-nong-thon/",
    "announcements": "/thong-bao/",
    "announcement": "/thong-bao/ung-pho-trieu-cuong-vuot-bao-dong-3/",
    "documents": "/van-ban/",
    "profile": "/gioi-thieu/",
    "contact": "/lien-he/",
}
DESKTOP = {"width": 1280, "height": 900}
HOME_BUDGET = 200 * 1024  # HTML + same-origin CSS + JS of a home page, before images
BLOCKING = {"serious", "critical"}


def seed_commune(hostname, theme="default"):
    """Fill one commune of the live server with content; run through `manage.py shell`.

    Deterministic and idempotent: slugs are fixed and a second run changes nothing."""
    import datetime
    import io

    from django.core.files.images import ImageFile
    from django.utils import timezone
    from PIL import Image as PILImage
    from PIL import ImageDraw
    from wagtail.images import get_image_model
    from wagtail.models import Site
    from wagtail.rich_text import RichText

    from areas.models import SiteIdentity
    from cms_pages.models import (
        AnnouncementIndexPage,
        AnnouncementPage,
        Category,
        ContactEntry,
        ContactPage,
        DocumentIndexPage,
        Leader,
        LegalDocumentPage,
        NewsIndexPage,
        NewsPage,
        ProcedureLink,
        ProfilePage,
    )

    site = Site.objects.get(hostname=hostname)
    home = site.root_page.specific
    identity = SiteIdentity.for_site(site)
    identity.theme = theme
    identity.address = f"Ấp Chợ, {home.name_in_sentence}, huyện Càng Long, tỉnh Trà Vinh"
    identity.phone = "0294 3882 123"
    identity.email = "ubnd@example.gov.vn"
    identity.responsible_person = "Nguyễn Văn An"
    identity.responsible_title = "Chủ tịch Uỷ ban nhân dân"
    identity.save()

    news_index = NewsIndexPage.objects.child_of(home).get()
    if NewsPage.objects.child_of(news_index).filter(slug="ra-quan-lam-duong-giao-thong-nong-thon").exists():
        return
    now = timezone.now()
    today = timezone.localdate()
    Image = get_image_model()

    def picture(title, sky, ground, seed):
        img = PILImage.new("RGB", (960, 540), sky)
        draw = ImageDraw.Draw(img)
        for y in range(0, 300, 4):  # a soft sky gradient
            shade = tuple(min(255, c + y // 6) for c in sky)
            draw.rectangle([0, y, 960, y + 4], fill=shade)
        draw.ellipse([700 - seed * 40, 60, 800 - seed * 40, 160], fill=(255, 236, 170))
        draw.polygon([(0, 300), (320, 250), (640, 290), (960, 240), (960, 540), (0, 540)], fill=ground)
        for row in range(8):  # rows of rice
            y = 330 + row * 26
            draw.line([(0, y), (960, y - 30 + seed * 6)], fill=tuple(max(0, c - 30) for c in ground), width=5)
        draw.rectangle([120 + seed * 90, 200, 260 + seed * 90, 300], fill=(245, 240, 225))
        draw.polygon([(100 + seed * 90, 205), (190 + seed * 90, 150), (280 + seed * 90, 205)], fill=(178, 34, 34))
        buffer = io.BytesIO()
        img.save(buffer, "JPEG", quality=80)
        return Image.objects.create(title=title, file=ImageFile(buffer, name=f"anh-{seed}.jpg"))

    def portrait(name, seed):
        img = PILImage.new("RGB", (320, 400), (226 - seed * 10, 232, 240))
        draw = ImageDraw.Draw(img)
        draw.ellipse([100, 70, 220, 200], fill=(120, 90, 70))
        draw.rectangle([60, 230, 260, 400], fill=(40, 60, 110))
        draw.polygon([(140, 230), (160, 300), (180, 230)], fill=(250, 250, 250))
        buffer = io.BytesIO()
        img.save(buffer, "JPEG", quality=80)
        return Image.objects.create(title=name, file=ImageFile(buffer, name=f"lanh-dao-{seed}.jpg"))

    def category(slug, name):
        return (
            Category.objects.filter(slug=slug).first()
            or Category.objects.filter(name=name).first()
            or Category.objects.create(slug=slug, name=name)
        )

    farming, society = category("nong-nghiep", "Nông nghiệp"), category("van-hoa-xa-hoi", "Văn hoá – xã hội")
    pictures = [
        picture("Ra quân làm đường giao thông nông thôn", (120, 170, 220), (86, 150, 60), 0),
        picture("Thu hoạch lúa hè thu", (150, 190, 230), (200, 170, 60), 1),
        picture("Ngày hội đại đoàn kết toàn dân tộc", (110, 160, 210), (70, 130, 90), 2),
    ]
    news = [
        (
            "ra-quan-lam-duong-giao-thong-nong-thon",
            "Ra quân làm đường giao thông nông thôn ở ấp Chợ",
            pictures[0],
            "Hơn 200 đoàn viên, hội viên và người dân cùng ra quân nâng cấp 1,2 km đường liên ấp.",
            [society],
        ),
        (
            "thu-hoach-lua-he-thu",
            "Nông dân thu hoạch lúa hè thu được mùa, được giá",
            pictures[1],
            "Năng suất bình quân đạt 6,5 tấn/ha, cao hơn vụ trước 0,4 tấn; giá lúa tươi ổn định.",
            [farming],
        ),
        (
            "ngay-hoi-dai-doan-ket",
            "Ngày hội Đại đoàn kết toàn dân tộc năm 2025",
            pictures[2],
            "Các khu dân cư tổ chức ngày hội, biểu dương gia đình văn hoá tiêu biểu.",
            [society],
        ),
        (
            "tap-huan-chuyen-doi-so",
            "Tập huấn kỹ năng chuyển đổi số cho tổ công nghệ số cộng đồng",
            None,
            "Tổ công nghệ số cộng đồng được hướng dẫn cài đặt VNeID, thanh toán không dùng tiền mặt.",
            [society],
        ),
        (
            "phong-chong-dich-benh-tren-dan-vat-nuoi",
            "Tăng cường phòng, chống dịch bệnh trên đàn vật nuôi",
            None,
            "Tiêm phòng vắc xin lở mồm long móng đợt 2 cho đàn bò, heo trên địa bàn.",
            [farming],
        ),
        (
            "khai-giang-lop-day-nghe",
            "Khai giảng lớp dạy nghề trồng nấm rơm cho lao động nông thôn",
            None,
            "35 học viên tham gia lớp học 3 tháng do Trung tâm Giáo dục nghề nghiệp huyện tổ chức.",
            [farming],
        ),
    ]
    for days, (slug, title, image, summary, categories) in enumerate(news):
        body = [
            (
                "paragraph",
                RichText(
                    f"<p>{summary} Hoạt động được Uỷ ban nhân dân xã chỉ đạo thực hiện theo "
                    "kế hoạch xây dựng nông thôn mới nâng cao năm 2025.</p>"
                ),
            ),
            ("heading", "Kết quả đạt được"),
            (
                "paragraph",
                RichText(
                    "<ul><li>Huy động nhân dân đóng góp ngày công lao động.</li>"
                    "<li>Hoàn thành trước thời hạn 15 ngày.</li></ul>"
                ),
            ),
            ("quote", "Đường sá sạch đẹp thì bà con đi lại, chở lúa ra chợ thuận tiện hơn nhiều."),
        ]
        if image:
            body.append(
                (
                    "image",
                    {
                        "image": image,
                        "caption": f"{title} (ảnh: Đài truyền thanh xã)",
                        "alt": f"Người dân tham gia: {title.lower()}",
                    },
                )
            )
        page = NewsPage(
            title=title,
            slug=slug,
            date=today - datetime.timedelta(days=days),
            summary=summary,
            featured_image=image,
            body=body,
            first_published_at=now - datetime.timedelta(days=days),
        )
        news_index.add_child(instance=page)
        page.categories.set(categories)
        page.save()

    announcements = AnnouncementIndexPage.objects.child_of(home).get()
    for slug, title, priority, summary, hours in [
        (
            "ung-pho-trieu-cuong-vuot-bao-dong-3",
            "Ứng phó triều cường vượt báo động 3",
            "emergency",
            "Người dân ven sông Cổ Chiên chằng chống nhà cửa, gia cố bờ bao trước 17 giờ hôm nay.",
            48,
        ),
        (
            "lich-tiem-vac-xin-soi",
            "Lịch tiêm vắc xin sởi cho trẻ từ 1 đến 5 tuổi",
            "priority",
            "Trạm Y tế xã tiêm từ 7 giờ 30 đến 16 giờ, thứ Bảy và Chủ nhật tuần này.",
            24 * 5,
        ),
        (
            "lich-tiep-cong-dan",
            "Lịch tiếp công dân định kỳ của Chủ tịch Uỷ ban nhân dân xã",
            "normal",
            "Tiếp công dân vào sáng thứ Năm hằng tuần tại Bộ phận một cửa.",
            24 * 30,
        ),
        (
            "thu-hoc-phi-nam-hoc-moi",
            "Thông báo miễn học phí năm học 2025–2026",
            "normal",
            "Học sinh mầm non và phổ thông công lập được miễn học phí từ tháng 9.",
            None,
        ),
        (
            "cat-dien-ngay-chu-nhat",
            "Tạm ngưng cung cấp điện để bảo trì lưới điện",
            "normal",
            "Khu vực ấp Chợ và ấp Rạch Bàng ngưng cấp điện từ 7 giờ đến 11 giờ.",
            -2,
        ),
    ]:
        valid_until = now + datetime.timedelta(hours=hours) if hours else None
        valid_from = now - datetime.timedelta(days=3)
        announcements.add_child(
            instance=AnnouncementPage(
                title=title,
                slug=slug,
                priority=priority,
                summary=summary,
                date=today,
                valid_from=valid_from,
                valid_until=valid_until,
                first_published_at=valid_from,
                body=[
                    (
                        "paragraph",
                        RichText(f"<p>{summary}</p><p>Mọi thắc mắc liên hệ Văn phòng Uỷ ban nhân dân xã.</p>"),
                    )
                ],
            )
        )

    documents = DocumentIndexPage.objects.child_of(home).get()
    for number, doc_type, issuer, signer, day, summary, status in [
        (
            "35/KH-UBND",
            "ke_hoach",
            "Uỷ ban nhân dân xã",
            "Nguyễn Văn An",
            3,
            "Kế hoạch thực hiện chuyển đổi số năm 2025 trên địa bàn xã",
            "in_force",
        ),
        (
            "12/2025/QĐ-UBND",
            "quyet_dinh",
            "Uỷ ban nhân dân xã",
            "Nguyễn Văn An",
            20,
            "Quyết định ban hành quy chế tiếp công dân của Uỷ ban nhân dân xã",
            "in_force",
        ),
        (
            "05/NQ-HĐND",
            "nghi_quyet",
            "Hội đồng nhân dân xã",
            "Trần Thị Bình",
            45,
            "Nghị quyết về nhiệm vụ phát triển kinh tế – xã hội sáu tháng cuối năm",
            "in_force",
        ),
        (
            "102/TB-UBND",
            "thong_bao",
            "Uỷ ban nhân dân xã",
            "Lê Văn Cường",
            60,
            "Thông báo kết luận của Chủ tịch tại cuộc họp giao ban tháng 5",
            "expired",
        ),
        (
            "88/BC-UBND",
            "bao_cao",
            "Uỷ ban nhân dân xã",
            "Lê Văn Cường",
            90,
            "Báo cáo tình hình thực hiện chương trình mục tiêu quốc gia xây dựng nông thôn mới",
            "in_force",
        ),
    ]:
        issued = today - datetime.timedelta(days=day)
        documents.add_child(
            instance=LegalDocumentPage(
                title=f"{number} {summary}",
                slug="vb-" + number.lower().replace("/", "-").replace("đ", "d"),
                number_symbol=number,
                doc_type=doc_type,
                issuer=issuer,
                signer=signer,
                issue_date=issued,
                effective_date=issued,
                summary=summary,
                status=status,
            )
        )

    profile = ProfilePage.objects.child_of(home).get()
    profile.natural_conditions = (
        "<p>Xã có diện tích tự nhiên 2.650 ha, dân số 14.200 người, gồm 9 ấp; phía bắc giáp sông Cổ Chiên.</p>"
    )
    profile.economy_society = "<p>Kinh tế chủ yếu là trồng lúa, cây ăn trái và nuôi trồng thuỷ sản.</p>"
    profile.history_culture = "<p>Vùng đất có truyền thống cách mạng, nhiều di tích lịch sử được công nhận.</p>"
    for order, (name, title, duties) in enumerate(
        [
            ("Nguyễn Văn An", "Chủ tịch Uỷ ban nhân dân xã", "Phụ trách chung; lĩnh vực nội chính, tài chính."),
            ("Trần Thị Bình", "Phó Chủ tịch Uỷ ban nhân dân xã", "Phụ trách văn hoá – xã hội, giáo dục, y tế."),
            ("Lê Văn Cường", "Phó Chủ tịch Uỷ ban nhân dân xã", "Phụ trách kinh tế, nông nghiệp, xây dựng."),
        ]
    ):
        profile.leaders.add(
            Leader(
                name=name,
                title=title,
                duties=duties,
                phone=f"0294 3882 10{order}",
                photo=portrait(name, order),
                sort_order=order,
            )
        )
    profile.save()

    contact = ContactPage.objects.child_of(home).get()
    contact.office_name = f"Uỷ ban nhân dân {home.name_in_sentence}"
    contact.address = identity.address
    contact.phone = identity.phone
    contact.email = identity.email
    contact.working_hours = "Sáng 7 giờ – 11 giờ, chiều 13 giờ – 17 giờ, thứ Hai đến thứ Sáu"
    contact.contacts.add(ContactEntry(department="Bộ phận một cửa", person="Phạm Thị Dung", phone="0294 3882 200"))
    contact.contacts.add(
        ContactEntry(
            department="Văn phòng – Thống kê",
            person="Võ Văn Em",
            phone="0294 3882 201",
            email="vanphong@example.gov.vn",
        )
    )
    contact.procedures.add(ProcedureLink(title="Đăng ký khai sinh", url="https://dichvucong.gov.vn/", field="Hộ tịch"))
    contact.procedures.add(
        ProcedureLink(title="Chứng thực bản sao từ bản chính", url="https://dichvucong.gov.vn/", field="Chứng thực")
    )
    contact.save()

    home.intro = (
        "<p>Chào mừng bạn đến với trang thông tin điện tử của xã: tin tức, thông báo, "
        "văn bản và thủ tục hành chính.</p>"
    )
    home.save()


@pytest.fixture(scope="session")
def themed_sites(live_site):
    for theme, host in THEMES.items():
        code = f"from tests.browser.test_accessibility import seed_commune; seed_commune({host!r}, {theme!r})"
        result = live_site.manage("shell", "-c", code, check=False)
        assert result.returncode == 0, result.stderr
    return live_site


def _axe(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(
        page,
        options={
            "resultTypes": ["violations"],
            "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
        },
    )
    return results.response["violations"]


def _describe(violations):
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} → " + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in violations
    )


@pytest.mark.parametrize("theme", list(THEMES))
def test_pages_pass_axe_on_a_phone(themed_sites, phone, artifacts_dir, theme):
    host = THEMES[theme]
    report = {}
    for name, path in PAGES.items():
        response = phone.goto(themed_sites.url(host, path))
        assert response.status == 200, (name, response.status)
        phone.wait_for_load_state("load")
        stylesheet = phone.evaluate("[...document.styleSheets].map(s => s.href).join(' ')")
        assert f"/static/{theme}/css/site.css" in stylesheet
        phone.screenshot(path=str(artifacts_dir / f"a11y-{theme}-{name}-phone.png"), full_page=True)
        # Fits the phone: only the document table scrolls sideways, inside its own box.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, name
        assert phone.locator("h1").count() == 1, name
        violations = _axe(phone)
        report[name] = [f"{v['id']} ({v['impact']})" for v in violations]
        blocking = [v for v in violations if v["impact"] in BLOCKING]
        assert not blocking, f"{theme} {name}:\n{_describe(blocking)}"
    (artifacts_dir / f"a11y-{theme}-axe.json").write_text(json.dumps(report, ensure_ascii=False, indent=1))


@pytest.mark.parametrize("theme", list(THEMES))
def test_desktop_layout_and_text_at_200_percent(themed_sites, browser, artifacts_dir, theme):
    host = THEMES[theme]
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    try:
        for name in ("home", "news", "documents", "profile"):
            page.goto(themed_sites.url(host, PAGES[name]))
            page.screenshot(path=str(artifacts_dir / f"a11y-{theme}-{name}-desktop.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"], name
            # Text resized to 200 %: the layout is in rem, so nothing overflows or is cut off.
            page.evaluate("document.documentElement.style.fontSize = '200%'")
            assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"], name
            clipped = page.evaluate("""() => [...document.querySelectorAll('main *, header *, footer *')]
                .filter(e => {const s = getComputedStyle(e);
                  return (s.overflowY === 'hidden' || s.overflowY === 'clip') && e.scrollHeight > e.clientHeight + 2
                    && !e.classList.contains('visually-hidden') && e.clientHeight > 1;})
                .map(e => e.tagName + '.' + e.className)""")
            assert not clipped, (name, clipped)
        page.screenshot(path=str(artifacts_dir / f"a11y-{theme}-profile-desktop-200.png"), full_page=True)
        # Readers who ask for less motion get none.
        page.emulate_media(reduced_motion="reduce")
        page.goto(themed_sites.url(host, "/"))
        durations = page.evaluate("""() => [...document.querySelectorAll('a, button')]
            .map(e => getComputedStyle(e).transitionDuration.split(',').map(parseFloat)).flat()""")
        assert max(durations) < 0.01, durations
    finally:
        context.close()


@pytest.mark.parametrize("theme", list(THEMES))
def test_keyboard_focus_is_visible(themed_sites, phone, theme):
    phone.goto(themed_sites.url(THEMES[theme], "/"))
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip-link"
    # The skip link shows itself on focus and moves focus into the main content.
    box = phone.locator(".skip-link").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "main"
    for _ in range(4):
        phone.keyboard.press("Tab")
        style = phone.evaluate("""() => {const s = getComputedStyle(document.activeElement);
            return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), tag: document.activeElement.tagName}}""")
        assert style["style"] != "none" and style["width"] >= 2, style


def test_home_page_weighs_under_200_kb_before_images(themed_sites, phone):
    url = themed_sites.url(DEFAULT_HOST, "/")
    origin = urlsplit(url).netloc
    responses = []
    phone.on("response", lambda response: responses.append(response))
    phone.goto(url)
    phone.wait_for_load_state("networkidle")
    counted = {
        r.url: len(r.body())
        for r in responses
        if urlsplit(r.url).netloc == origin and r.request.resource_type in ("document", "stylesheet", "script")
    }
    assert any(u.endswith("/css/site.css") for u in counted), counted
    total = sum(counted.values())
    print(f"home page: {total} bytes of HTML+CSS+JS: {counted}")
    assert total < HOME_BUDGET, counted

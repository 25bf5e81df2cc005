"""No console error on any public page: every kind of public page of a commune and of a district
portal, opened in a real browser on a phone, logs no console error, throws no uncaught page error
and makes no request that fails or answers 4xx/5xx (stylesheets, scripts, the emblem, the
favicon, pictures, the audio player …).

The district of Cầu Ngang is seeded with the demo content (`manage.py seed_demo --district`) for
these tests and tests/browser/test_phone_layout.py: its portal and its first four communes. No
other browser test touches it. An emergency alert (with a long headline) is in force for the
first and third communes, a source item is pushed to the first two, and the third and fourth
use the high-contrast theme.
"""

import json
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

DISTRICT_CODE = "848"  # Huyện Cầu Ngang, Trà Vinh (2024 structure)
ALERT_SLUG = "canh-bao-trieu-cuong-va-sat-lo-bo-song-bo-bien-cau-ngang"
ITEM_SLUG = "lich-tiep-cong-dan-thang-nay-cau-ngang"
ALERT_TITLE = "Cảnh báo triều cường vượt báo động III và sạt lở bờ sông, bờ biển ở huyện Cầu Ngang"
ALERT_INSTRUCTION = (
    "Không neo đậu tàu thuyền ở khu vực sạt lở; gia cố nhà cửa, đê bao; di dời người và tài sản khỏi "
    "khu vực nguy hiểm khi có yêu cầu của chính quyền."
)


def seed_district():
    """Seed Cầu Ngang's alert, source item and themes; print the hosts and one URL of every kind
    of public page as JSON. Run through `manage.py shell` after `seed_demo`; idempotent."""
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from areas.models import AreaPage, CommuneHomePage, PortalHomePage, SiteIdentity
    from cms_pages.models import AnnouncementPage, ContactPage, LegalDocumentPage, NewsPage, ProfilePage
    from inquiries.models import AnsweredQuestionPage, QuestionIndexPage
    from sources.models import EmergencyAlertPage, SourceIndexPage, SourceItemPage

    district = AreaPage.objects.get(level="district", structure="2024", code=DISTRICT_CODE)
    portal = PortalHomePage.objects.child_of(district).get()
    communes = list(CommuneHomePage.objects.child_of(district).order_by("path")[:4])
    section = SourceIndexPage.objects.child_of(portal).get()
    user = get_user_model().objects.get(username="du-lieu-mau")  # the demo's owner: --reset removes these too
    now = timezone.now()

    def publish(page, communes):
        page.owner = user
        page.target_communes = communes
        section.add_child(instance=page)
        page.save_revision(user=user).publish()
        return page

    alert = EmergencyAlertPage.objects.child_of(section).filter(slug=ALERT_SLUG).first() or publish(
        EmergencyAlertPage(
            title=ALERT_TITLE,
            slug=ALERT_SLUG,
            event="Triều cường",
            category="Met",
            urgency="Expected",
            severity="Severe",
            certainty="Likely",
            summary="Triều cường đạt đỉnh vào chiều tối các ngày tới, mực nước cao hơn báo động III từ 0,2 đến "
            "0,3 m, nguy cơ ngập úng vùng trũng thấp và sạt lở bờ sông, bờ biển.",
            instruction=ALERT_INSTRUCTION,
            sender_name=f"Ban Chỉ huy PCTT và TKCN {district.name_in_sentence}",
            contact="Đường dây nóng 112",
            valid_from=now - datetime.timedelta(hours=2),
            valid_until=now + datetime.timedelta(days=30),
        ),
        [communes[0], communes[2]],
    )
    item = SourceItemPage.objects.child_of(section).filter(slug=ITEM_SLUG).first() or publish(
        SourceItemPage(
            title=f"Lịch tiếp công dân của Chủ tịch UBND {district.name_in_sentence} tháng này",
            slug=ITEM_SLUG,
            summary="Chủ tịch UBND huyện tiếp công dân định kỳ vào sáng thứ Năm tuần thứ hai và thứ tư của "
            "tháng tại Trụ sở tiếp công dân huyện.",
            date=timezone.localdate(),
            valid_from=now - datetime.timedelta(days=1),
            valid_until=now + datetime.timedelta(days=30),
        ),
        communes[:2],
    )
    for home in communes[2:]:
        identity = SiteIdentity.for_site(home.get_site())
        if identity.theme != "high_contrast":
            identity.theme = "high_contrast"
            identity.save()

    def first(model, home):
        page = model.objects.live().descendant_of(home).order_by("path").first()
        return page.url_path.removeprefix(home.url_path.rstrip("/")) if page else None

    def site_pages(home):
        sections = [s.url_path.removeprefix(home.url_path.rstrip("/")) for s in home.get_children().live()]
        return {
            "sections": sections,
            "news": first(NewsPage, home),
            "announcement": first(AnnouncementPage, home),
            "document": next(
                (
                    d.url_path.removeprefix(home.url_path.rstrip("/"))
                    for d in LegalDocumentPage.objects.live().descendant_of(home).order_by("path")
                    if d.files.exists()
                ),
                first(LegalDocumentPage, home),
            ),
            "profile": first(ProfilePage, home),
            "contact": first(ContactPage, home),
            "questions": first(QuestionIndexPage, home),
            "answer": first(AnsweredQuestionPage, home),
        }

    print(
        json.dumps(
            {
                "portal": {"host": portal.get_site().hostname, "title": portal.title, **site_pages(portal)},
                "communes": [
                    {"host": c.get_site().hostname, "title": c.title, "site_title": c.site_title, **site_pages(c)}
                    for c in communes
                ],
                "alert": alert.url_path.removeprefix(portal.url_path.rstrip("/")),
                "item": item.url_path.removeprefix(portal.url_path.rstrip("/")),
            }
        )
    )


@pytest.fixture(scope="session")
def cau_ngang(live_site):
    """Cầu Ngang seeded on the live server; the hosts and paths that seed_district printed."""
    live_site.manage("seed_demo", "--district", DISTRICT_CODE, "--communes", "4", "--no-progress")
    code = "from tests.browser.test_public_console import seed_district; seed_district()"
    result = live_site.manage("shell", "-c", code, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def fetch(page, url):
    """GET `url` from inside the page, as its scripts would (Playwright's own request client
    cannot resolve *.localhost): status, content type and the first bytes."""
    return page.evaluate(
        """async url => {
            const response = await fetch(url);
            const head = new Uint8Array(await response.arrayBuffer()).slice(0, 8);
            return {status: response.status, type: response.headers.get("content-type"), head: Array.from(head)};
        }""",
        url,
    )


def _public_pages(seeded):
    """(host, path) of every kind of public page: a commune with the alert (default theme), the
    district portal, and the home and documents of a high-contrast commune."""
    commune, portal, contrast = seeded["communes"][0], seeded["portal"], seeded["communes"][2]
    pages = []
    for site in (commune, portal):
        paths = ["/", *site["sections"]]
        paths += [site[kind] for kind in ("news", "announcement", "document", "profile", "contact", "answer")]
        if site["questions"]:
            paths += [site["questions"] + "gui/", site["questions"] + "tra-cuu/"]
        paths += ["/tim-kiem/?q=ke+hoach", "/so-do-trang/"]
        pages += [(site["host"], path) for path in paths if path]
    pages += [(portal["host"], seeded["item"]), (portal["host"], seeded["alert"])]
    pages += [(contrast["host"], "/"), (contrast["host"], "/van-ban/")]
    return pages


def test_no_console_error_on_any_public_page(live_site, cau_ngang, browser, artifacts_dir):
    pages = _public_pages(cau_ngang)
    kinds = {path.split("/")[1] for _, path in pages}
    assert {"", "tin-tuc", "thong-bao", "van-ban", "gioi-thieu", "lien-he", "hoi-dap", "thong-tin-nguon"} <= kinds
    assert {"tim-kiem", "so-do-trang"} <= {k.split("?")[0] for k in kinds}
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="vi-VN"
    )
    problems, print_links = [], set()
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text} ({m.location['url']})"))
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.status}: {r.url}"))
    try:
        for host, path in pages:
            response = page.goto(live_site.url(host, path))
            page.wait_for_load_state("networkidle")
            assert response.status == 200, (host, path, response.status)
            assert page.locator("h1").count() == 1, (host, path)
            print_links.update(page.locator(".page-tools a").evaluate_all("links => links.map(a => a.href)"))
            # The menu opens without an error either.
            page.get_by_role("button", name="Menu").click()
        page.screenshot(path=str(artifacts_dir / "console-last-page-phone.png"), full_page=True)
        # The print link's target: a PDF (a download, so fetched rather than opened).
        assert print_links
        for href in sorted(print_links)[:3]:
            page.goto(live_site.url(urlsplit(href).hostname, "/so-do-trang/"))  # same origin as the link
            response = fetch(page, href)
            assert response["status"] == 200 and bytes(response["head"]).startswith(b"%PDF"), href
    finally:
        context.close()
    assert not problems, "\n".join(problems)

"""A citizen asks on a commune site: the form, its limits and anti-spam, the receipt, the
look-up by code, the rating, and the public list of answered questions (through the site
search too). The admin side is in test_inquiry_admin.py."""

import io
import re

import pytest
from django.core import mail
from django.utils import timezone
from PIL import Image

from inquiries import captcha
from inquiries.handling import save_handling
from inquiries.models import AnsweredQuestionPage, Inquiry, InquiryEvent, QuestionIndexPage, Status

HOST = "an-truong.cang-long.tra-vinh.localhost:8000"
FORM = "/hoi-dap/gui/"


@pytest.fixture(autouse=True)
def _light_captcha(settings):
    settings.INQUIRY_POW_DIFFICULTY = 8  # the real default (16) is exercised by the browser test
    settings.TASKS_SYNC = True


def _hidden(html, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    return match.group(1) if match else ""


def fill(client, host=HOST, **overrides):
    """GET the form, solve its challenge, and return the POST data a browser would send."""
    html = client.get(FORM, HTTP_HOST=host).content.decode()
    token = _hidden(html, "pow_token")
    data = {
        "kind": "hoi_dap",
        "topic": "dat_dai",
        "title": "Hỏi về cấp đổi giấy chứng nhận quyền sử dụng đất",
        "body": "Gia đình tôi muốn cấp đổi sổ đỏ cũ sang mẫu mới thì cần những giấy tờ gì và nộp ở đâu?",
        "location": "",
        "name": "Nguyễn Văn Ba",
        "phone": "0912 345 678",
        "email": "ba@example.vn",
        "consent": "on",
        "website": "",
        "pow_token": token,
        "pow_nonce": captcha.solve(token, 8),
        "submission_key": _hidden(html, "submission_key"),
    }
    data.update(overrides)
    return data


def post(client, data, host=HOST, **extra):
    return client.post(FORM, data, HTTP_HOST=host, REMOTE_ADDR=extra.get("ip", "203.0.113.7"))


@pytest.mark.django_db
def test_commune_site_has_its_question_section(client):
    html = client.get("/hoi-dap/", HTTP_HOST=HOST).content.decode()
    assert "<h1>Hỏi đáp</h1>" in html
    assert 'href="/hoi-dap/gui/"' in html and 'href="/hoi-dap/tra-cuu/"' in html
    form = client.get(FORM, HTTP_HOST=HOST)
    assert form.status_code == 200
    assert "no-store" in form["Cache-Control"] or "no-cache" in form["Cache-Control"]
    body = form.content.decode()
    assert "Nghị định 13/2023/NĐ-CP" in body and 'data-pow-token="' in body


@pytest.mark.django_db
def test_submission_gives_a_code_a_deadline_and_a_receipt(client, commune):
    response = post(client, fill(client))
    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert response["Location"] == f"/hoi-dap/da-gui/{inquiry.code}/"
    assert inquiry.commune_id == commune.pk and inquiry.status == Status.RECEIVED
    assert inquiry.phone == "0912345678"  # normalised
    assert inquiry.deadline > timezone.localdate()
    receipt = client.get(response["Location"], HTTP_HOST=HOST).content.decode()
    assert inquiry.display_code in receipt and inquiry.deadline.strftime("%d/%m/%Y") in receipt
    assert InquiryEvent.objects.filter(inquiry=inquiry, action="received").count() == 1


@pytest.mark.django_db
def test_the_same_form_sent_twice_makes_one_record(client):
    data = fill(client)
    first = post(client, data)
    second = post(client, data)
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]
    assert Inquiry.objects.count() == 1


@pytest.mark.django_db
def test_a_challenge_cannot_be_reused_for_another_submission(client):
    data = fill(client)
    assert post(client, data).status_code == 303
    again = dict(data, submission_key="another-key-0123456789", title="Một câu hỏi khác hoàn toàn")
    response = post(client, again)
    assert response.status_code == 400
    assert "đã được gửi" in response.content.decode()
    assert Inquiry.objects.count() == 1


@pytest.mark.django_db
def test_missing_or_wrong_proof_of_work_is_refused(client):
    data = fill(client)
    bad = dict(data, pow_nonce="")
    response = post(client, bad)
    assert response.status_code == 400 and "xác minh chống spam" in response.content.decode()
    forged = dict(data, pow_token=data["pow_token"][:-2] + "xx")
    assert post(client, forged).status_code == 400
    assert Inquiry.objects.count() == 0
    # What was typed is still in the form.
    assert "Hỏi về cấp đổi giấy chứng nhận" in response.content.decode()


@pytest.mark.django_db
def test_honeypot_filled_by_a_bot_records_nothing(client):
    response = post(client, fill(client, website="http://spam.example"))
    assert response.status_code == 400
    assert Inquiry.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field,value,message",
    [
        ("title", "abc", "Tiêu đề quá ngắn"),
        ("title", "x" * 201, "Tiêu đề quá dài"),
        ("body", "ngắn quá", "Nội dung quá ngắn"),
        ("body", "y" * 5001, "Nội dung quá dài"),
        ("name", "", "Vui lòng nhập họ và tên"),
        ("phone", "12345", "Số điện thoại không hợp lệ"),
        ("email", "khong-phai-thu", "Địa chỉ thư điện tử không hợp lệ"),
        ("topic", "khong-co", "Lĩnh vực không hợp lệ"),
        ("consent", "", "Vui lòng đồng ý"),
        ("location", "z" * 256, "Địa điểm quá dài"),
    ],
)
def test_every_field_has_limits_with_a_clear_message(client, field, value, message):
    data = fill(client, **{field: value})
    if field == "consent":
        data.pop("consent")
    response = post(client, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Inquiry.objects.count() == 0


@pytest.mark.django_db
def test_phone_or_email_is_needed(client):
    response = post(client, fill(client, phone="", email=""))
    assert response.status_code == 400
    assert "số điện thoại hoặc thư điện tử" in response.content.decode()


@pytest.mark.django_db
def test_html_and_script_are_shown_as_text(client, commune, django_user_model):
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = post(client, fill(client, title=f"Câu hỏi {script}", body=f"Nội dung có mã độc {script} ở giữa."))
    inquiry = Inquiry.objects.get()
    lookup = client.get(f"/hoi-dap/tra-cuu/?ma={inquiry.code}", HTTP_HOST=HOST).content.decode()
    assert "<script>alert" not in lookup and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in lookup
    receipt = client.get(response["Location"], HTTP_HOST=HOST).content.decode()
    assert "<script>alert" not in receipt
    # Published: the question page shows it as text too.
    official = django_user_model.objects.create_user("canbo", email="cb@example.vn")
    answer(inquiry, official, "<p>Trả lời <b>an toàn</b>.</p>")
    page = AnsweredQuestionPage.objects.get()
    html = client.get(page.url_path[len(commune.url_path) - 1 :], HTTP_HOST=HOST).content.decode()
    assert "<script>alert" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def answer(inquiry, user, text, public=True):
    previous = {"status": inquiry.status, "deadline": inquiry.deadline}
    inquiry.answer = text
    inquiry.is_public = public
    save_handling(inquiry, user, {"answer", "is_public"}, previous)
    return inquiry


def _jpeg_with_gps():
    image = Image.new("RGB", (1200, 800), (30, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (9.0, 58.0, 30.0), "E", (106.0, 20.0, 15.0)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    out.name = "anh-hien-truong.jpg"
    out.seek(0)
    return out


@pytest.mark.django_db
def test_photos_are_kept_without_location_and_served_only_once_published(client, commune, django_user_model):
    photo = _jpeg_with_gps()
    assert b"Exif" in photo.getvalue()
    data = fill(
        client,
        kind="phan_anh",
        topic="moi_truong",
        location="Ấp Xóm Giữa, gần cầu",
        title="Phản ánh rác thải đổ trộm ven kênh",
        photos=photo,
    )
    response = post(client, data)
    assert response.status_code == 303, response.content.decode()[:2000]
    inquiry = Inquiry.objects.get()
    stored = inquiry.photos.get()
    with stored.image.open("rb") as handle:
        raw = handle.read()
    assert b"Exif" not in raw and Image.open(io.BytesIO(raw)).getexif() == {}
    # Not public yet: its URL under the commune's Hỏi đáp is a 404.
    assert client.get(f"/hoi-dap/anh/{stored.pk}/", HTTP_HOST=HOST).status_code == 404
    official = django_user_model.objects.create_user("canbo2")
    answer(inquiry, official, "<p>Đã cử tổ công tác thu gom.</p>")
    # Published, but its photos stay private until the handler chooses "Công khai ảnh kèm theo".
    assert not inquiry.publish_photos
    assert client.get(f"/hoi-dap/anh/{stored.pk}/", HTTP_HOST=HOST).status_code == 404
    inquiry.publish_photos = True
    answer(inquiry, official, "<p>Đã cử tổ công tác thu gom.</p>")
    served = client.get(f"/hoi-dap/anh/{stored.pk}/", HTTP_HOST=HOST)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    # Another commune's site does not serve it.
    other = "dong-hai.duyen-hai.tra-vinh.localhost:8000"
    assert client.get(f"/hoi-dap/anh/{stored.pk}/", HTTP_HOST=other).status_code == 404


@pytest.mark.django_db
def test_a_fake_image_is_refused_and_nothing_is_recorded(client):
    fake = io.BytesIO(b"<?php system($_GET['c']); ?>")
    fake.name = "anh.jpg"
    response = post(client, fill(client, photos=fake))
    assert response.status_code == 400
    assert "anh.jpg" in response.content.decode()
    assert Inquiry.objects.count() == 0


@pytest.mark.django_db
def test_rate_limit_per_address_and_per_phone(client, settings):
    settings.INQUIRY_RATE_PER_IP_HOUR = 2
    settings.INQUIRY_RATE_PER_PHONE_DAY = 3
    for n in range(2):
        assert post(client, fill(client, title=f"Câu hỏi số {n} về đất đai")).status_code == 303
    refused = post(client, fill(client, title="Câu hỏi thứ ba về đất đai"))
    assert refused.status_code == 429 and "một giờ" in refused.content.decode()
    # Another address, the same phone: the third of the day still passes, the fourth not.
    assert post(client, fill(client, title="Câu hỏi từ máy khác"), ip="198.51.100.1").status_code == 303
    refused = post(client, fill(client, title="Câu hỏi thứ tư trong ngày"), ip="198.51.100.2")
    assert refused.status_code == 429 and "Số điện thoại này" in refused.content.decode()
    assert Inquiry.objects.count() == 3
    # After a refusal the form can be sent again with its data (nothing typed is lost).
    assert "Câu hỏi thứ tư trong ngày" in refused.content.decode()


@pytest.mark.django_db
def test_look_up_by_code_in_any_form_and_clear_errors(client):
    post(client, fill(client))
    inquiry = Inquiry.objects.get()
    typed = inquiry.display_code.lower().replace("0", "o")
    found = client.get("/hoi-dap/tra-cuu/", {"ma": typed}, HTTP_HOST=HOST)
    assert found.status_code == 200
    html = found.content.decode()
    assert "Đã tiếp nhận" in html and inquiry.title in html
    assert "0912345678" not in html and "ba@example.vn" not in html  # never shown
    bad = client.get("/hoi-dap/tra-cuu/", {"ma": "123"}, HTTP_HOST=HOST)
    assert bad.status_code == 400 and "10 ký tự" in bad.content.decode()
    missing = client.get("/hoi-dap/tra-cuu/", {"ma": "ZZZZZ-ZZZZZ"}, HTTP_HOST=HOST)
    assert missing.status_code == 404 and "Không tìm thấy" in missing.content.decode()
    # The receipt's link, typed by hand: any case, and a clear page when the code is wrong.
    receipt = client.get(f"/hoi-dap/da-gui/{inquiry.code.lower()}/", HTTP_HOST=HOST)
    assert receipt.status_code == 200 and inquiry.display_code in receipt.content.decode()
    wrong = client.get("/hoi-dap/da-gui/ZZZZZZZZZZ/", HTTP_HOST=HOST)
    assert wrong.status_code == 404 and "Không tìm thấy câu hỏi, phản ánh nào có mã" in wrong.content.decode()


@pytest.mark.django_db
def test_a_rating_is_recorded_once_even_when_two_arrive_together(client, django_user_model):
    from inquiries.handling import rate

    post(client, fill(client))
    inquiry = Inquiry.objects.get()
    answer(inquiry, django_user_model.objects.create_user("canbo-danh-gia"), "<p>Đã xử lý.</p>")
    stale = Inquiry.objects.get(pk=inquiry.pk)  # a second request that read the row before the first wrote
    assert rate(inquiry, 5, "Tốt") is True
    assert rate(stale, 1, "Muộn") is False
    inquiry.refresh_from_db()
    assert (inquiry.rating, inquiry.rating_comment) == (5, "Tốt")
    assert inquiry.events.filter(action="rated").count() == 1


@pytest.mark.django_db
def test_answer_email_status_page_rating_and_public_listing(
    client, commune, django_user_model, django_capture_on_commit_callbacks
):
    post(client, fill(client))
    inquiry = Inquiry.objects.get()
    mail.outbox.clear()
    official = django_user_model.objects.create_user("canbo3")
    with django_capture_on_commit_callbacks(execute=True):
        answer(inquiry, official, "<p>Ông/bà mang <b>giấy chứng nhận cũ</b> đến bộ phận một cửa.</p>")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ba@example.vn"]
    assert inquiry.display_code in mail.outbox[0].subject and "giấy chứng nhận cũ" in mail.outbox[0].body
    # The answer on the status page, and a rating once.
    status = client.get("/hoi-dap/tra-cuu/", {"ma": inquiry.code}, HTTP_HOST=HOST).content.decode()
    assert "Đã trả lời" in status and "giấy chứng nhận cũ" in status and 'name="rating"' in status
    rated = client.post("/hoi-dap/tra-cuu/", {"ma": inquiry.code, "rating": "5", "comment": "Cảm ơn"}, HTTP_HOST=HOST)
    assert rated.status_code == 303
    inquiry.refresh_from_db()
    assert inquiry.rating == 5 and inquiry.rating_comment == "Cảm ơn"
    again = client.post("/hoi-dap/tra-cuu/", {"ma": inquiry.code, "rating": "1"}, HTTP_HOST=HOST)
    assert again.status_code == 400 and "đã được đánh giá" in again.content.decode()
    bad = client.post("/hoi-dap/tra-cuu/", {"ma": inquiry.code, "rating": "9"}, HTTP_HOST=HOST)
    assert bad.status_code == 400
    inquiry.refresh_from_db()
    assert inquiry.rating == 5
    # The public list by topic, with the name hidden (not allowed) and the answer on its page.
    listing = client.get("/hoi-dap/", HTTP_HOST=HOST).content.decode()
    assert inquiry.title in listing and "Đất đai" in listing
    assert inquiry.title not in client.get("/hoi-dap/?linh_vuc=y_te", HTTP_HOST=HOST).content.decode()
    page = AnsweredQuestionPage.objects.get()
    assert page.get_parent().specific.__class__ is QuestionIndexPage
    html = client.get(page.url_path[len(commune.url_path) - 1 :], HTTP_HOST=HOST).content.decode()
    assert "giấy chứng nhận cũ" in html and "Nguyễn Văn Ba" not in html and "0912345678" not in html


@pytest.mark.django_db
def test_answered_questions_are_found_by_the_site_search_without_diacritics(client, django_user_model):
    post(client, fill(client, title="Hỏi về thông báo tiêm chủng cho trẻ em"))
    inquiry = Inquiry.objects.get()
    answer(inquiry, django_user_model.objects.create_user("canbo4"), "<p>Lịch tiêm chủng vào thứ Năm.</p>")
    results = client.get("/tim-kiem/", {"q": "thong bao tiem chung"}, HTTP_HOST=HOST).content.decode()
    assert "Tìm thấy 1 kết quả" in results and "search-result-question" in results
    assert "Hỏi về thông báo tiêm chủng cho trẻ em" in re.sub(r"</?mark>", "", results)
    # Withdrawn from public: gone from the search too.
    previous = {"status": inquiry.status, "deadline": inquiry.deadline}
    inquiry.is_public = False
    save_handling(inquiry, None, {"is_public"}, previous)
    results = client.get("/tim-kiem/", {"q": "thong bao tiem chung"}, HTTP_HOST=HOST).content.decode()
    assert "search-result-question" not in results


@pytest.mark.django_db
def test_private_answer_reaches_the_citizen_but_not_the_public_list(client, django_user_model):
    post(client, fill(client))
    inquiry = Inquiry.objects.get()
    answer(inquiry, django_user_model.objects.create_user("canbo5"), "<p>Trả lời riêng.</p>", public=False)
    assert AnsweredQuestionPage.objects.count() == 0
    assert inquiry.title not in client.get("/hoi-dap/", HTTP_HOST=HOST).content.decode()
    assert "Trả lời riêng." in client.get("/hoi-dap/tra-cuu/", {"ma": inquiry.code}, HTTP_HOST=HOST).content.decode()


@pytest.mark.django_db
def test_the_communes_editors_are_told_of_a_new_question(
    client, commune, other_commune, django_user_model, django_capture_on_commit_callbacks
):
    ours = django_user_model.objects.create_user("bt-an-truong", email="bt@antruong.example.vn")
    ours.groups.add(commune.editors_group)
    theirs = django_user_model.objects.create_user("bt-dong-hai", email="bt@donghai.example.vn")
    theirs.groups.add(other_commune.editors_group)
    with django_capture_on_commit_callbacks(execute=True):
        post(client, fill(client))
    inquiry = Inquiry.objects.get()
    assert [m.to for m in mail.outbox] == [["bt@antruong.example.vn"]]
    assert inquiry.title in mail.outbox[0].subject and f"/admin/hoi-dap/edit/{inquiry.pk}/" in mail.outbox[0].body


@pytest.mark.django_db
def test_the_public_version_leaves_out_personal_details_and_photos(client, commune, django_user_model):
    data = fill(
        client,
        kind="phan_anh",
        topic="moi_truong",
        title="Phản ánh của ông Ba ở số nhà 12 ấp Xóm Giữa",
        body="Nhà tôi (số 12, ấp Xóm Giữa, ĐT 0912 345 678) bị nước thải của cơ sở bên cạnh tràn vào.",
        photos=_jpeg_with_gps(),
    )
    post(client, data)
    inquiry = Inquiry.objects.get()
    photo = inquiry.photos.get()
    inquiry.public_title = "Phản ánh nước thải tràn vào nhà dân ở ấp Xóm Giữa"
    inquiry.public_body = "Nhà một hộ dân ở ấp Xóm Giữa bị nước thải của cơ sở bên cạnh tràn vào."
    inquiry.publish_photos = False
    answer(
        inquiry, django_user_model.objects.create_user("canbo-luoc-bo"), "<p>Đã kiểm tra, yêu cầu cơ sở khắc phục.</p>"
    )
    page = AnsweredQuestionPage.objects.get()
    html = client.get(page.url_path[len(commune.url_path) - 1 :], HTTP_HOST=HOST).content.decode()
    assert "Phản ánh nước thải tràn vào nhà dân ở ấp Xóm Giữa" in html and "bị nước thải" in html
    assert "0912 345 678" not in html and "số 12" not in html and "ông Ba" not in html
    assert f"/hoi-dap/anh/{photo.pk}/" not in html
    assert client.get(f"/hoi-dap/anh/{photo.pk}/", HTTP_HOST=HOST).status_code == 404
    inquiry.refresh_from_db()
    assert "0912 345 678" in inquiry.body  # the citizen's own words are kept for the handlers
    found = client.get("/api/search", {"q": "so nha 12"}, HTTP_HOST=HOST).json()
    assert found["total"] == 0

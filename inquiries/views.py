"""The citizen's side of "Hỏi đáp" on a commune site: ask, receipt, look up and rate, photos.

Routes of QuestionIndexPage (inquiries/models.py). Never cached: each form carries
a CSRF token, a one-time anti-spam challenge and a one-time submission key.
"""

import hashlib
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_protect

from core.http import client_ip
from inquiries import captcha
from inquiries.forms import InquiryForm, LookupForm, RatingForm
from inquiries.handling import Refused, client_key, rate, submit
from inquiries.models import DONE_STATUSES, EventAction, Inquiry, InquiryPhoto, Status, normalise_code

# Event actions a citizen sees on the status page (no names of officials, no internal notes).
PUBLIC_EVENTS = {
    EventAction.RECEIVED: "Đã tiếp nhận",
    EventAction.ASSIGNED: "Đã giao cán bộ xử lý",
    EventAction.TRANSFERRED: "Đã chuyển đến đơn vị có thẩm quyền",
    EventAction.TAKEN_UP: "Cấp trên trực tiếp xử lý",
    EventAction.DEADLINE: "Điều chỉnh hạn trả lời",
    EventAction.ANSWERED: "Đã trả lời",
    EventAction.PUBLISHED: "Công khai trên trang hỏi đáp",
    EventAction.CLOSED: "Đã đóng",
    EventAction.REJECTED: "Từ chối",
    EventAction.REOPENED: "Mở lại để xử lý",
    EventAction.RATED: "Bạn đã đánh giá",
}


def _render(request, index, template, context, status=200):
    context = {"page": index, "self": index, "deadline_days": settings.INQUIRY_DEADLINE_WORKING_DAYS, **context}
    response = TemplateResponse(request, template, context, status=status)
    add_never_cache_headers(response)
    return response


def _route(request, index, name, *args):
    return index.get_url(request) + index.reverse_subpage(name, args=args)


def _fresh_form_context(form=None):
    challenge = captcha.new_challenge()
    initial = {"pow_token": challenge.token, "submission_key": secrets.token_urlsafe(24)}
    if form is None:
        form = InquiryForm(initial=initial)
    else:
        # Re-shown with errors: what was typed stays; a new challenge, the same submission key.
        data = form.data.copy()
        data["pow_token"] = challenge.token
        data["pow_nonce"] = ""
        form.data = data
    return {"form": form, "pow_difficulty": challenge.difficulty, "pow_token": challenge.token}


def _wait_for(submission_key, seconds=10.0):
    """The record another request is creating for the same form (a double click)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = Inquiry.objects.filter(submission_key=submission_key).first()
        if found is not None:
            return found
        time.sleep(0.1)
    return None


@csrf_protect
def ask(request, index):
    commune = index.commune
    if request.method not in ("GET", "HEAD", "POST"):
        return _render(
            request, index, "inquiries/inquiry_form.html", {"commune": commune, **_fresh_form_context()}, status=405
        )
    if request.method != "POST":
        return _render(request, index, "inquiries/inquiry_form.html", {"commune": commune, **_fresh_form_context()})

    form = InquiryForm(request.POST, request.FILES)
    if form.is_spam:
        return _render(
            request,
            index,
            "inquiries/inquiry_form.html",
            {
                "commune": commune,
                "refusal": "Không gửi được biểu mẫu. Vui lòng tải lại trang và thử lại.",
                **_fresh_form_context(),
            },
            status=400,
        )
    if not form.is_valid():
        return _render(
            request, index, "inquiries/inquiry_form.html", {"commune": commune, **_fresh_form_context(form)}, status=400
        )
    data = form.cleaned_data
    key = data["submission_key"]
    existing = Inquiry.objects.filter(submission_key=key).first()
    if existing is not None:  # sent twice: the first one's receipt
        return HttpResponseRedirect(_route(request, index, "receipt", existing.code), status=303)
    try:
        captcha.verify(data["pow_token"], data["pow_nonce"], consume=False)
    except captcha.CaptchaError as exc:
        return _render(
            request,
            index,
            "inquiries/inquiry_form.html",
            {"commune": commune, "refusal": exc.message, **_fresh_form_context(form)},
            status=400,
        )
    # One challenge, one submission: the first request to claim it owns it. A second request of
    # the same form (double click) waits for the first one's record instead of failing.
    claim = "pow-owner:" + hashlib.sha256(data["pow_token"].encode()).hexdigest()
    if not cache.add(claim, key, timeout=getattr(settings, "INQUIRY_POW_MAX_AGE", 7200)):
        if cache.get(claim) == key:
            found = _wait_for(key)
            if found is not None:
                return HttpResponseRedirect(_route(request, index, "receipt", found.code), status=303)
        return _render(
            request,
            index,
            "inquiries/inquiry_form.html",
            {
                "commune": commune,
                "refusal": "Biểu mẫu này đã được gửi; vui lòng kiểm tra mã tra cứu hoặc tải lại trang.",
                **_fresh_form_context(form),
            },
            status=400,
        )
    try:
        inquiry, _created = submit(
            commune, data, data.get("photos") or [], submission_key=key, key=client_key(client_ip(request))
        )
    except Refused as exc:
        cache.delete(claim)
        return _render(
            request,
            index,
            "inquiries/inquiry_form.html",
            {"commune": commune, "refusal": exc.message, **_fresh_form_context(form)},
            status=exc.status,
        )
    return HttpResponseRedirect(_route(request, index, "receipt", inquiry.code), status=303)


def receipt(request, index, code):
    inquiry = Inquiry.objects.filter(code=normalise_code(code) or code).select_related("commune").first()
    if inquiry is None:  # a mistyped link: the look-up form with the code and a clear message
        form = LookupForm({"ma": code})
        form.is_valid()
        return _render(
            request,
            index,
            "inquiries/inquiry_lookup.html",
            {"commune": index.commune, "lookup_url": _route(request, index, "lookup"), "form": form, "not_found": True},
            status=404,
        )
    return _render(
        request,
        index,
        "inquiries/inquiry_receipt.html",
        {"inquiry": inquiry, "commune": index.commune, "lookup_url": _route(request, index, "lookup")},
    )


@csrf_protect
def lookup(request, index):
    """Status by code (?ma=…), with the answer; POST rates an answered item once."""
    context = {"commune": index.commune, "lookup_url": _route(request, index, "lookup")}
    raw = request.POST.get("ma") if request.method == "POST" else request.GET.get("ma")
    if raw is None:
        return _render(request, index, "inquiries/inquiry_lookup.html", {**context, "form": LookupForm()})
    form = LookupForm({"ma": raw})
    context["form"] = form
    if not form.is_valid():
        return _render(request, index, "inquiries/inquiry_lookup.html", context, status=400)
    inquiry = (
        Inquiry.objects.select_related("commune", "taken_up_by", "public_page")
        .filter(code=form.cleaned_data["ma"])
        .first()
    )
    if inquiry is None:
        context["not_found"] = True
        return _render(request, index, "inquiries/inquiry_lookup.html", context, status=404)
    can_rate = inquiry.status in DONE_STATUSES and inquiry.answered_at is not None and inquiry.rating is None
    rating_form = None
    status = 200
    if request.method == "POST":
        rating_form = RatingForm(request.POST)
        if not can_rate:
            context["rating_error"] = (
                "Câu hỏi này đã được đánh giá." if inquiry.rating else "Chỉ đánh giá được khi đã có trả lời."
            )
            status = 400
        elif rating_form.is_valid():
            if rate(inquiry, rating_form.cleaned_data["rating"], rating_form.cleaned_data["comment"]):
                return HttpResponseRedirect(
                    f"{_route(request, index, 'lookup')}?ma={inquiry.code}&da_danh_gia=1", status=303
                )
            context["rating_error"] = "Câu hỏi này đã được đánh giá."  # another post got there first
            can_rate, status = False, 400
        else:
            status = 400
    elif can_rate:
        rating_form = RatingForm()
    events = [
        (e.at, PUBLIC_EVENTS.get(e.action, e.get_action_display()))
        for e in inquiry.events.all()
        if e.action in PUBLIC_EVENTS
    ]
    context.update(
        {
            "inquiry": inquiry,
            "events": events,
            "rating_form": rating_form if can_rate or status == 400 else None,
            "can_rate": can_rate,
            "just_rated": request.GET.get("da_danh_gia") == "1" and inquiry.rating,
            "public_url": inquiry.public_page.url if inquiry.public_page_id and inquiry.public_page.live else "",
            "is_answered": inquiry.answered_at is not None and inquiry.status != Status.REJECTED,
        }
    )
    return _render(request, index, "inquiries/inquiry_lookup.html", context, status=status)


def public_photo(request, index, photo_id):
    """A photo of a question published under this index; anything else is a 404."""
    photo = InquiryPhoto.objects.select_related("inquiry__public_page").filter(pk=photo_id).first()
    page = photo.inquiry.public_page if photo else None
    if (
        page is None
        or not page.live
        or not photo.inquiry.is_public
        or not photo.inquiry.publish_photos
        or page.path[: -page.steplen] != index.path
    ):
        raise Http404
    return photo_response(photo)


def photo_response(photo):
    try:
        handle = photo.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response

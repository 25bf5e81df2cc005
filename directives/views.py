"""The admin screens of directives ("Văn bản chỉ đạo"), registered in directives/wagtail_hooks.py.

Sender: "Đã gửi" (list), "Soạn văn bản" (compose, save as draft or send), a directive's tracking
page (who has seen, acknowledged, answered; late ones; reminders; extend the deadline), the
aggregate of a report request beside the indicators (and CSV). Recipient: "Văn bản đến" (list)
and a received directive (recorded as seen when opened; "Đã nhận"; answer with text and files).
Every object is fetched through directives/access.py: another unit's row is a 404 on every URL.
Bad input: the form again with a Vietnamese message, status 400, nothing saved.
"""

import io

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, F, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView, View
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from areas.widgets import area_headings
from cms_pages import printing
from directives import access, aggregate, files, tasks
from directives.forms import AnswerForm, ComposeForm, ExtendForm
from directives.models import STATE_LABELS, AnswerFile, Directive, DirectiveFile, DirectiveRecipient

MENU_TITLE = "Văn bản chỉ đạo"
SENT_TITLE = "Đã gửi"
INBOX_TITLE = "Văn bản đến"
SENT_URL = "directives_sent"
COMPOSE_URL = "directives_compose"
EDIT_URL = "directives_edit"
DETAIL_URL = "directives_detail"
AGGREGATE_URL = "directives_aggregate"
REMIND_URL = "directives_remind"
EXTEND_URL = "directives_extend"
DELETE_URL = "directives_delete"
INBOX_URL = "directives_inbox"
RECEIVED_URL = tasks.RECEIVED_URL
FILE_URL = "directives_file"
ANSWER_FILE_URL = "directives_answer_file"
NO_SENDER = "Chỉ cán bộ biên tập, kiểm duyệt của tỉnh hoặc huyện gửi được văn bản chỉ đạo."
NO_RECEIVER = "Chỉ cán bộ của xã hoặc sở, ngành, phòng ban nhận văn bản chỉ đạo."
STATE_COLOURS = {"answered": "#2e7d32", "acknowledged": "#1565c0", "seen": "#f9a825", "new": "#9e9e9e"}


def deadline_text(moment):
    return tasks.deadline_text(moment)


class AdminPage(WagtailAdminTemplateMixin):
    """A directives screen: breadcrumbs end with its title; `allowed` decides who reaches it
    (others get 403 with the reason)."""

    header_icon = "mail"
    refusal = NO_SENDER

    def allowed(self, user):
        return access.may_send(user)

    def get_page_title(self):
        return self.page_title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.get_page_title()}]

    def dispatch(self, request, *args, **kwargs):
        if not self.allowed(request.user):
            return TemplateResponse(
                request,
                "directives/forbidden.html",
                {"page_title": MENU_TITLE, "header_title": MENU_TITLE, "message": self.refusal},
                status=403,
            )
        return super().dispatch(request, *args, **kwargs)


def counts_of(recipients):
    counts = dict.fromkeys(STATE_LABELS, 0)
    late = 0
    for r in recipients:
        counts[r.state] += 1
        late += r.late
    total = sum(counts.values())
    return {
        "total": total,
        "late": late,
        "states": [
            {
                "key": key,
                "label": STATE_LABELS[key],
                "count": counts[key],
                "colour": STATE_COLOURS[key],
                "share": round(100 * counts[key] / total, 1) if total else 0,
            }
            for key in STATE_LABELS
        ],
        "answered": counts["answered"],
        "acknowledged": counts["answered"] + counts["acknowledged"],
    }


def bar(states, width=600, height=22):
    """Geometry of a stacked bar (inline SVG) of the recipients' states."""
    x, parts = 0.0, []
    for state in states:
        w = width * state["share"] / 100
        if w:
            parts.append({"x": round(x, 1), "width": round(w, 1), **state})
        x += w
    return {"width": width, "height": height, "parts": parts}


# --- Sender ------------------------------------------------------------------------------------


class SentView(AdminPage, TemplateView):
    template_name = "directives/sent.html"
    page_title = SENT_TITLE

    def get_context_data(self, **kwargs):
        rows = (
            access.sent_directives(self.request.user)
            .select_related("sender")
            .annotate(
                recipient_count=Count("recipients", distinct=True),
                answered_count=Count("recipients", filter=Q(recipients__answered_at__isnull=False), distinct=True),
            )
            .order_by(F("sent_at").desc(nulls_first=True), "-created_at")  # drafts first, on any database
        )
        now = timezone.now()
        return {
            **super().get_context_data(**kwargs),
            "rows": rows,
            "now": now,
            "compose_url": reverse(COMPOSE_URL),
            "header_action_url": reverse(COMPOSE_URL),
            "header_action_label": "Soạn văn bản",
        }


class ComposeView(AdminPage, TemplateView):
    """A new directive, or a draft edited (`pk`): "Lưu nháp" or "Gửi"."""

    template_name = "directives/compose.html"
    page_title = "Soạn văn bản chỉ đạo"

    def dispatch(self, request, *args, **kwargs):
        if "pk" in kwargs:  # a draft edited: anyone else's (or a sent one) is a 404
            self.get_directive()
        return super().dispatch(request, *args, **kwargs)

    def get_directive(self):
        pk = self.kwargs.get("pk")
        if pk is None:
            return None
        directive = access.sent_directive(self.request.user, pk)
        if directive.is_sent:
            raise Http404
        return directive

    def initial(self, directive):
        if directive is None:
            return {"issued_on": timezone.localdate()}
        return {
            "sender": directive.sender_id,
            "kind": directive.kind,
            "number": directive.number,
            "issued_on": directive.issued_on,
            "title": directive.title,
            "body": directive.body,
            "period_key": directive.period_key,
            "deadline": directive.deadline,
            "communes": [r.commune_id for r in directive.recipients.all() if r.commune_id],
            "departments": [r.department_id for r in directive.recipients.all() if r.department_id],
        }

    def render(self, form, directive, status=200):
        context = self.get_context_data(form=form, directive=directive, media=form.media)
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        directive = self.get_directive()
        return self.render(ComposeForm(initial=self.initial(directive), user=request.user), directive)

    def post(self, request, *args, **kwargs):
        directive = self.get_directive()
        sending = request.POST.get("action") == "send"
        form = ComposeForm(request.POST, request.FILES, user=request.user, sending=sending)
        if not form.is_valid():
            return self.render(form, directive, status=400)
        directive = save_directive(form, directive, request.user, sending)
        if sending:
            messages.success(request, f"Đã gửi “{directive.title}” tới {directive.recipients.count()} nơi nhận.")
        else:
            messages.success(request, f"Đã lưu nháp “{directive.title}”. Văn bản chưa được gửi.")
        return redirect(DETAIL_URL, directive.pk)


def save_directive(form, directive, user, sending):
    """The directive, its files and recipients, in one transaction; e-mails after the commit."""
    data = form.cleaned_data
    with files.removed_on_failure() as written, transaction.atomic():
        if directive is None:
            directive = Directive(created_by=user)
        for name in ("sender", "kind", "number", "issued_on", "title", "body", "period_key", "deadline"):
            setattr(directive, name, data[name])
        if directive.kind != "bao_cao":
            directive.period_key = ""
        if sending:
            directive.sent_at, directive.sent_by = timezone.now(), user
        directive.save()
        for content, kind, name, size in form.uploads:
            row = DirectiveFile.objects.create(directive=directive, file=content, name=name, kind=kind, size=size)
            written.append(row.file)
        directive.recipients.all().delete()  # a draft: its recipients are the ones chosen now
        DirectiveRecipient.objects.bulk_create(
            [DirectiveRecipient(directive=directive, commune=c) for c in data.get("recipient_communes", [])]
            + [DirectiveRecipient(directive=directive, department=d) for d in data.get("recipient_departments", [])]
        )
        if sending:
            tasks.after_commit("notify_sent", directive.pk)
    return directive


def tracking_rows(directive):
    """The recipients with their files and reminder counts; each with `place`, the district a
    commune lies in when that is not the sender itself (a province's list names "Phường 1"
    of several towns)."""
    rows = list(
        directive.recipients.select_related("commune", "department__area", "answered_by", "acknowledged_by")
        .prefetch_related("files")
        .annotate(reminder_count=Count("reminders", filter=Q(reminders__emails__gt=0)))  # e-mails that went
        .order_by(F("department_id").asc(nulls_first=True), "commune__path", "pk")  # communes, then departments
    )
    headings = area_headings([r.commune.path for r in rows if r.commune_id])
    for r in rows:
        area = headings.get(r.commune.path) if r.commune_id else None
        r.place = area.title if area is not None and area.pk != directive.sender_id else ""
    return rows


class DetailView(AdminPage, TemplateView):
    template_name = "directives/detail.html"

    def get_page_title(self):
        return self.directive.title

    def allowed(self, user):
        return True  # the directive is fetched through access: anyone else's is a 404

    def dispatch(self, request, *args, **kwargs):
        self.directive = access.sent_directive(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        directive = self.directive
        rows = tracking_rows(directive)
        counts = counts_of(rows)
        return {
            **super().get_context_data(**kwargs),
            "directive": directive,
            "rows": rows,
            "counts": counts,
            "bar": bar(counts["states"]),
            "deadline": deadline_text(directive.deadline),
            "past_deadline": directive.is_past_deadline(),
            "files": directive.files.all(),
            "extend_form": kwargs.get("extend_form") or ExtendForm(directive=directive),
        }


class SenderAction(AdminPage, View):
    """A POST on a directive of the sender's side (anyone else's: 404)."""

    def allowed(self, user):
        return True

    def post(self, request, pk):
        directive = access.sent_directive(request.user, pk)
        return self.act(request, directive)


class RemindView(SenderAction):
    def act(self, request, directive):
        if not directive.is_sent:
            raise Http404
        waiting = directive.recipients.filter(answered_at__isnull=True).count()
        if directive.is_report_request and directive.is_past_deadline():
            messages.warning(request, "Đã quá hạn: báo cáo sau hạn không được nhận. Hãy gia hạn trước khi nhắc.")
        elif not waiting:
            messages.warning(request, "Mọi nơi nhận đã trả lời: không cần nhắc.")
        else:
            tasks.after_commit("remind_now", directive.pk, request.user.pk)
            messages.success(request, f"Đang gửi thư nhắc tới {waiting} nơi chưa trả lời.")
        return redirect(DETAIL_URL, directive.pk)


class ExtendView(SenderAction):
    template_name = "directives/detail.html"

    def act(self, request, directive):
        if not directive.is_sent:
            raise Http404
        form = ExtendForm(request.POST, directive=directive)
        if not form.is_valid():
            view = DetailView()
            view.setup(request, pk=directive.pk)
            view.directive = directive
            return view.render_to_response(view.get_context_data(extend_form=form), status=400)
        Directive.objects.filter(pk=directive.pk).update(deadline=form.cleaned_data["deadline"])
        messages.success(request, f"Đã gia hạn trả lời đến {deadline_text(form.cleaned_data['deadline'])}.")
        return redirect(DETAIL_URL, directive.pk)


class DeleteView(SenderAction):
    def act(self, request, directive):
        if directive.is_sent:
            messages.error(request, "Văn bản đã gửi không xoá được.")
            return redirect(DETAIL_URL, directive.pk)
        with transaction.atomic():
            stored = [f.file.name for f in directive.files.all()]
            directive.delete()
            transaction.on_commit(lambda: [DirectiveFile.file.field.storage.delete(name) for name in stored])
        messages.success(request, "Đã xoá bản nháp.")
        return redirect(SENT_URL)


class AggregateView(AdminPage, TemplateView):
    template_name = "directives/aggregate.html"

    def get_page_title(self):
        return f"Tổng hợp: {self.directive.title}"

    def allowed(self, user):
        return True  # the directive is fetched through access: anyone else's is a 404

    def dispatch(self, request, *args, **kwargs):
        self.directive = access.sent_directive(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def result(self):
        recipients = [r for r in tracking_rows(self.directive) if r.commune_id]
        return aggregate.aggregate(self.directive, recipients)

    def get(self, request, *args, **kwargs):
        if request.GET.get("dinh_dang") == "csv":
            buffer = io.StringIO(newline="")
            aggregate.write_csv(buffer, self.directive, self.result())
            response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
            name = slugify(self.directive.number or "") or f"van-ban-{self.directive.pk}"
            response["Content-Disposition"] = f'attachment; filename="tong-hop-{name}.csv"'
            return response
        if request.GET.get("dinh_dang") == "pdf":
            result = self.result()
            pdf = aggregate.render_pdf(self.directive, result, counts_of([line.recipient for line in result.lines]))
            name = slugify(self.directive.number or "") or f"van-ban-{self.directive.pk}"
            return printing.pdf_response(pdf, f"tong-hop-{name}.pdf")
        if request.GET.get("dinh_dang"):
            return HttpResponse("Định dạng xuất không hỗ trợ: chọn csv hoặc pdf.", status=400)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        result = self.result()
        return {
            **super().get_context_data(**kwargs),
            "directive": self.directive,
            "result": result,
            "counts": counts_of([line.recipient for line in result.lines]),
        }


# --- Recipient ---------------------------------------------------------------------------------


class InboxView(AdminPage, TemplateView):
    template_name = "directives/inbox.html"
    page_title = INBOX_TITLE
    refusal = NO_RECEIVER

    def allowed(self, user):
        return access.may_receive(user)

    def get_context_data(self, **kwargs):
        rows = (
            access.inbox(self.request.user)
            .select_related("directive__sender", "commune", "department__area")
            # Not answered first: NULLs sort first in SQLite but last in PostgreSQL unless told.
            .order_by(F("answered_at").asc(nulls_first=True), "directive__deadline", "-pk")
        )
        return {**super().get_context_data(**kwargs), "rows": rows, "now": timezone.now()}


class ReceivedView(AdminPage, TemplateView):
    template_name = "directives/received.html"

    def allowed(self, user):
        return True  # the row is fetched through access: anyone else's is a 404

    def get_page_title(self):
        return self.recipient.directive.title

    def dispatch(self, request, *args, **kwargs):
        self.recipient = access.received(request.user, kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        recipient = self.recipient
        if recipient.seen_at is None and access.is_member(request.user, recipient):
            DirectiveRecipient.objects.filter(pk=recipient.pk, seen_at__isnull=True).update(
                seen_at=timezone.now(), seen_by=request.user
            )
            recipient.refresh_from_db()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        recipient = self.recipient
        directive = recipient.directive
        refused = directive.is_report_request and directive.is_past_deadline()
        form = kwargs.get("form") or AnswerForm(initial={"answer": recipient.answer})
        return {
            **super().get_context_data(**kwargs),
            "recipient": recipient,
            "directive": directive,
            "deadline": deadline_text(directive.deadline),
            "past_deadline": directive.is_past_deadline(),
            "closed": refused,
            "member": access.is_member(self.request.user, recipient),
            "form": form,
            "media": form.media,
            "files": directive.files.all(),
            "answer_files": recipient.files.all(),
        }

    def post(self, request, *args, **kwargs):
        recipient = self.recipient
        now = timezone.now()
        if not access.is_member(request.user, recipient):  # a superuser reads; the unit answers for itself
            return TemplateResponse(
                request,
                "directives/forbidden.html",
                {
                    "page_title": MENU_TITLE,
                    "header_title": MENU_TITLE,
                    "message": f"Chỉ cán bộ của {recipient.unit_name} xác nhận và trả lời được văn bản này.",
                },
                status=403,
            )
        if request.POST.get("action") == "acknowledge":
            if recipient.acknowledged_at is None:
                DirectiveRecipient.objects.filter(pk=recipient.pk).update(
                    acknowledged_at=now, acknowledged_by=request.user
                )
            messages.success(request, "Đã xác nhận đã nhận văn bản.")
            return redirect(RECEIVED_URL, recipient.pk)
        form = AnswerForm(request.POST, request.FILES)
        directive = recipient.directive
        if directive.is_past_deadline(now) and not directive.accepts_late_answers:
            form.is_valid()
            form.add_error(
                None,
                f"Đã quá hạn trả lời ({deadline_text(directive.deadline)}): báo cáo sau hạn không được nhận. "
                f"Hãy đề nghị {directive.sender.title} gia hạn. Chưa có gì được lưu.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=400)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        with files.removed_on_failure() as written, transaction.atomic():
            for content, kind, name, size in form.uploads:
                row = AnswerFile.objects.create(
                    recipient=recipient, file=content, name=name, kind=kind, size=size, uploaded_by=request.user
                )
                written.append(row.file)
            DirectiveRecipient.objects.filter(pk=recipient.pk).update(
                answer=form.cleaned_data["answer"],
                answered_at=now,
                answered_by=request.user,
                late=directive.is_past_deadline(now),
                acknowledged_at=recipient.acknowledged_at or now,
                acknowledged_by=recipient.acknowledged_by or request.user,
            )
        messages.success(request, f"Đã gửi trả lời tới {directive.sender.title}.")
        return redirect(RECEIVED_URL, recipient.pk)


# --- Files -------------------------------------------------------------------------------------


@require_safe
def directive_file(request, pk):
    row = get_object_or_404(DirectiveFile.objects.select_related("directive"), pk=pk)
    if not access.may_read_directive(request.user, row.directive):
        raise Http404
    return files.file_response(row)


@require_safe
def answer_file(request, pk):
    row = get_object_or_404(AnswerFile.objects.select_related("recipient"), pk=pk)
    if not access.may_read_answer(request.user, row.recipient):
        raise Http404
    return files.file_response(row)

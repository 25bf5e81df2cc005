"""The admin side of citizens' questions and feedback ("Hỏi đáp, phản ánh"), built on Wagtail's
ModelViewSet (registered in inquiries/wagtail_hooks.py).

Who sees what. A user's units are the AreaPage and CommuneHomePage rows whose editors or
moderators group is one of the user's groups. A user sees an inquiry when its commune lies in
one of their units (a commune sees its own queue, a district all its communes', the province
everything) and may change it when its handling unit (the commune, or the district or province
that took it up) lies in one of their units. Superusers see and change everything. The global
model permissions (view/change/delete_inquiry, granted by provisioning) say whether a user
may use the admin at all; the units say which rows. Not visible is a 404, visible but not
changeable a 403, on every URL of the viewset: edit, delete, history, usage, inspect, the
photos and the transfer / take-up actions.

Staff record a question that arrived by phone, in person or by letter ("Thêm câu hỏi/phản ánh",
the viewset's add view) for a commune in one of their units (add_inquiry, granted to every
unit's editors and moderators by provisioning); it is created by inquiries.handling.submit, like
the citizens' own, and the tracking code is shown on a receipt to print and hand over.

The queue lists overdue items first, then the other open ones by the nearest deadline, then the
handled ones; an overdue row is tinted and tagged "Quá hạn N ngày".

The handling itself (answered_at, events, the public AnsweredQuestionPage, e-mails) is in
inquiries/handling.py; the views here only call it.
"""

import functools
import secrets

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms.models import WagtailAdminModelForm
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn, Table, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import LogContext, LogFormatter, log
from wagtail.permission_policies import ModelPermissionPolicy

from areas.models import AreaPage, CommuneHomePage
from areas.scoping import under, unit_paths, user_units
from cms_pages import printing
from inquiries.forms import PhotosField, clean_text, normalise_phone
from inquiries.handling import save_handling, submit, take_up, transfer
from inquiries.models import (
    OPEN_STATUSES,
    STAFF_CHANNELS,
    Channel,
    Inquiry,
    InquiryKind,
    InquiryPhoto,
    QuestionIndexPage,
    Status,
    Topic,
)
from inquiries.views import photo_response

# Fields of the handling form, and the values save_handling() compares against.
HANDLING_FIELDS = [
    "status",
    "reject_reason",
    "assigned_to",
    "deadline",
    "answer",
    "is_public",
    "public_title",
    "public_body",
    "publish_photos",
]
LOG_TRANSFER = "tincoso.inquiry.transfer"
LOG_TAKE_UP = "tincoso.inquiry.take_up"
DASHBOARD_ITEMS = 5


# --- Who sees what ------------------------------------------------------------------------------


def _scoped(user, queryset, condition):
    """`queryset` (default: every inquiry) narrowed to `condition(paths of the user's units)`."""
    queryset = Inquiry.objects.all() if queryset is None else queryset
    if user.is_active and user.is_superuser:
        return queryset
    paths = unit_paths(user)
    if not paths:
        return queryset.none()
    return queryset.filter(condition(paths))


def visible_inquiries(user, queryset=None):
    """In the queue of a commune inside one of the user's units."""
    return _scoped(user, queryset, lambda paths: under("commune__path", paths))


def changeable_inquiries(user, queryset=None):
    """Handled (the commune, or the area that took it up) inside one of the user's units."""
    return _scoped(
        user,
        queryset,
        lambda paths: (Q(taken_up_by__isnull=True) & under("commune__path", paths)) | under("taken_up_by__path", paths),
    )


def can_view(user, inquiry):
    if user.is_active and user.is_superuser:
        return True
    return any(inquiry.commune.path.startswith(prefix) for prefix in unit_paths(user))


def can_change(user, inquiry):
    if user.is_active and user.is_superuser:
        return True
    unit_path = inquiry.handling_unit.path
    return any(unit_path.startswith(prefix) for prefix in unit_paths(user))


def visible_communes(user):
    """The communes whose queues the user sees (the choices of the listing's "Xã" filter, and of
    the commune a staff-recorded question is for)."""
    communes = CommuneHomePage.objects.order_by("title", "path")
    if user.is_active and user.is_superuser:
        return communes
    paths = unit_paths(user)
    return communes.filter(under("path", paths)) if paths else communes.none()


def upper_units(user, inquiry):
    """The district or province AreaPages from which the user may transfer the inquiry or take it
    up: their own area units that contain its commune (for a superuser, the commune's ancestors)."""
    commune_path = inquiry.commune.path
    if user.is_active and user.is_superuser:
        return list(
            AreaPage.objects.filter(
                path__in=[commune_path[:end] for end in range(AreaPage.steplen, len(commune_path), AreaPage.steplen)]
            ).order_by("depth")
        )
    return sorted(
        (unit for unit in user_units(user) if isinstance(unit, AreaPage) and commune_path.startswith(unit.path)),
        key=lambda unit: unit.depth,
    )


def may_act_upwards(user, inquiry):
    """Transfer and take-up: for district or province staff over the inquiry's commune, while
    the inquiry is theirs to change (not taken up by a unit above them)."""
    return bool(upper_units(user, inquiry)) and can_change(user, inquiry) and user.has_perm("inquiries.change_inquiry")


def transfer_targets(user, inquiry):
    """Other communes within the user's area units (all of them, not only the one over this commune)."""
    if user.is_active and user.is_superuser:
        areas = upper_units(user, inquiry)[:1]  # the province: any commune in it
    else:
        areas = [unit for unit in user_units(user) if isinstance(unit, AreaPage)]
    if not areas:
        return CommuneHomePage.objects.none()
    return (
        CommuneHomePage.objects.filter(under("path", [a.path for a in areas]))
        .exclude(pk=inquiry.commune_id)
        .order_by("path")
    )


def take_up_choices(user, inquiry):
    return [unit for unit in upper_units(user, inquiry) if unit.pk != inquiry.taken_up_by_id]


def user_name(user):
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class InquiryPermissionPolicy(ModelPermissionPolicy):
    """Model permissions from Django's auth (granted to unit groups by provisioning), narrowed
    to the user's units per instance. Adding is recording a question received by phone, in person
    or by letter: for the staff of a unit (the communes in it), never for a user without one."""

    def user_has_permission(self, user, action):
        if action == "add":
            return super().user_has_permission(user, action) and (user.is_superuser or bool(user_units(user)))
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        if action == "add":
            return instance.commune_id is not None and can_view(user, instance)
        if action == "view":
            return can_view(user, instance)
        return can_change(user, instance)

    def instances_user_has_any_permission_for(self, user, actions):
        actions = [action for action in actions if self.user_has_permission(user, action)]
        if not actions:
            return Inquiry.objects.none()
        if "view" in actions:
            return visible_inquiries(user)
        return changeable_inquiries(user)


policy = InquiryPermissionPolicy(Inquiry)


def forbidden(request):
    """A real 403 page. Wagtail's admin turns PermissionDenied into a redirect to the dashboard
    with a flash message; the queue answers 403 instead, as for any other refusal of a visible item."""
    return TemplateResponse(
        request,
        "tincoso_admin/inquiry/forbidden.html",
        {
            "page_title": _("Không có quyền"),
            "header_title": _("Không có quyền"),
            "header_icon": "warning",
            "breadcrumbs_items": [],
        },
        status=403,
    )


def forbidden_as_403(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied:
            return forbidden(request)

    return wrapped


class InquiryObjectMixin:
    """Finds the inquiry of an object view: 404 when the user may not see it, 403 when the
    view changes something (`object_action`) and the inquiry is not theirs to change."""

    object_action = "change"

    def get_inquiry(self, pk):
        queryset = Inquiry.objects.select_related("commune", "taken_up_by", "assigned_to", "public_page")
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise Http404 from None
        inquiry = get_object_or_404(visible_inquiries(self.request.user, queryset), pk=pk)
        if self.object_action != "view" and not can_change(self.request.user, inquiry):
            raise PermissionDenied
        return inquiry


# --- Listing --------------------------------------------------------------------------------------


class InquiryFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Trạng thái"),
        choices=Status.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    overdue = django_filters.ChoiceFilter(
        label=_("Quá hạn"),
        method="filter_overdue",
        choices=(("1", _("Chỉ các mục quá hạn")),),
        empty_label=_("Tất cả"),
        widget=forms.RadioSelect,
    )
    kind = django_filters.ChoiceFilter(
        label=_("Loại"),
        choices=InquiryKind.choices,
        empty_label=_("Tất cả"),
        widget=forms.RadioSelect,
    )
    topic = django_filters.ChoiceFilter(label=_("Lĩnh vực"), choices=Topic.choices, empty_label=_("Tất cả"))
    commune = django_filters.ModelChoiceFilter(
        label=_("Xã"),
        queryset=lambda request: visible_communes(request.user),
        empty_label=_("Tất cả"),
    )

    class Meta:
        model = Inquiry
        fields = []

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value == "1" else queryset


class DeadlineColumn(Column):
    cell_template_name = "tincoso_admin/inquiry/deadline_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["overdue_days"] = instance.overdue_days if instance.is_overdue else 0
        return context


class QueueTable(Table):
    """The queue's table: an overdue row is tinted (and its deadline cell tagged)."""

    def get_row_classname(self, instance):
        return "tincoso-overdue-row" if instance.is_overdue else ""


QUEUE_ORDERING = "queue"  # overdue first, then the nearest deadline (InquiryQuerySet.queue_order)


class InquiryIndexView(generic.IndexView):
    default_ordering = QUEUE_ORDERING
    table_class = QueueTable
    template_name = "tincoso_admin/inquiry/index.html"
    add_item_label = _("Thêm câu hỏi/phản ánh")

    def get_base_queryset(self):
        return visible_inquiries(self.request.user, super().get_base_queryset()).select_related(
            "commune", "taken_up_by", "assigned_to"
        )

    def get_valid_orderings(self):
        return [QUEUE_ORDERING, *super().get_valid_orderings()]

    def order_queryset(self, queryset):
        if self.ordering == QUEUE_ORDERING:
            return queryset.queue_order()
        return super().order_queryset(queryset)

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        query = self.search_query.strip()
        code = "".join(ch for ch in query.upper() if ch.isalnum())
        condition = Q(title__icontains=query)
        if code:
            condition |= Q(code__icontains=code)
        return queryset.filter(condition)

    @cached_property
    def columns(self):
        title_column_class = self._get_title_column_class(TitleColumn)
        return [
            Column("display_code", label=_("Mã"), sort_key="code", classname="w-whitespace-nowrap"),
            title_column_class("title", label=_("Tiêu đề"), sort_key="title", get_url=self.get_row_url),
            Column("commune", label=_("Xã"), accessor=lambda inquiry: inquiry.commune.title, sort_key="commune__title"),
            Column("kind", label=_("Loại"), accessor="get_kind_display", sort_key="kind"),
            Column("topic", label=_("Lĩnh vực"), accessor="get_topic_display", sort_key="topic"),
            StatusTagColumn(
                "status",
                label=_("Trạng thái"),
                accessor="get_status_display",
                sort_key="status",
                primary=lambda inquiry: inquiry.status in OPEN_STATUSES,
            ),
            DeadlineColumn("deadline", label=_("Hạn trả lời"), sort_key="deadline"),
            Column("assigned_to", label=_("Cán bộ xử lý"), accessor=lambda inquiry: user_name(inquiry.assigned_to)),
            DateColumn("received_at", label=_("Ngày tiếp nhận"), sort_key="received_at"),
        ]

    def get_row_url(self, instance):
        return self.get_edit_url(instance) or self.get_inspect_url(instance)

    def get_edit_url(self, instance):
        if self.user_has_permission("change") and can_change(self.request.user, instance):
            return reverse(self.edit_url_name, args=(quote(instance.pk),))

    def get_delete_url(self, instance):
        if self.user_has_permission("delete") and can_change(self.request.user, instance):
            return reverse(self.delete_url_name, args=(quote(instance.pk),))


# --- Edit ("Xử lý") -------------------------------------------------------------------------------


def has_text(html):
    return bool(strip_tags(html or "").strip())


class HandlingForm(WagtailAdminModelForm):
    """The handling fields of an inquiry, checked together."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "assigned_to" in self.fields:
            field = self.fields["assigned_to"]
            field.queryset = assignable_users(self.instance)
            field.label_from_instance = user_name
            field.empty_label = _("(chưa giao)")
        if "deadline" in self.fields:
            # The admin's date picker writes WAGTAIL_DATE_FORMAT (dd/mm/yyyy), which Django's
            # input formats for "vi" do not include: read it first, so 03/12 is 3 December.
            self.fields["deadline"].input_formats = ["%d/%m/%Y", "%Y-%m-%d"]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status", self.instance.status)
        answer = cleaned.get("answer", "")
        if status == Status.REJECTED and not (cleaned.get("reject_reason") or "").strip():
            self.add_error("reject_reason", _("Cần ghi lý do từ chối."))
        if status in (Status.ANSWERED, Status.CLOSED) and not has_text(answer):
            self.add_error("answer", _("Cần có nội dung trả lời khi chọn trạng thái “Đã trả lời” hoặc “Đã đóng”."))
        if cleaned.get("is_public"):
            if not has_text(answer):
                self.add_error("is_public", _("Chỉ công khai được khi đã có nội dung trả lời."))
            elif status == Status.REJECTED:
                self.add_error("is_public", _("Không công khai câu hỏi, phản ánh đã bị từ chối."))
        deadline = cleaned.get("deadline")
        received_on = timezone.localdate(self.instance.received_at)
        if deadline and deadline < received_on:
            self.add_error(
                "deadline",
                _("Hạn trả lời không được trước ngày tiếp nhận (%(date)s).")
                % {"date": received_on.strftime("%d/%m/%Y")},
            )
        return cleaned


def assignable_users(inquiry):
    """Active people of the handling unit: its editors and moderators."""

    User = get_user_model()
    unit = inquiry.handling_unit if inquiry.commune_id else None
    groups = [g for g in (getattr(unit, "editors_group_id", None), getattr(unit, "moderators_group_id", None)) if g]
    if not groups:
        return User.objects.none()
    return (
        User.objects.filter(is_active=True, groups__in=groups)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def handling_values(inquiry):
    return {name: getattr(inquiry, name) for name in HANDLING_FIELDS}


def changed_fields(inquiry, previous):
    changed = []
    for name in HANDLING_FIELDS:
        before, after = previous[name], getattr(inquiry, name)
        if name == "assigned_to":
            before, after = getattr(before, "pk", None), getattr(after, "pk", None)
        elif name in ("answer", "reject_reason"):
            before, after = (before or "").strip(), (after or "").strip()
        if before != after:
            changed.append(name)
    return changed


class InquiryEditView(InquiryObjectMixin, generic.EditView):
    template_name = "tincoso_admin/inquiry/edit.html"
    page_title = _("Xử lý")
    success_message = _("Đã lưu “%(object)s”.")
    error_message = _("Chưa lưu được: vui lòng sửa các lỗi được đánh dấu bên dưới.")
    submit_button_label = _("Lưu")
    submit_button_active_label = _("Đang lưu…")
    transfer_url_name = None
    take_up_url_name = None
    photo_url_name = None

    def get_object(self, queryset=None):
        inquiry = self.get_inquiry(self.object_pk)
        self.previous = handling_values(inquiry)
        return inquiry

    def save_instance(self):

        instance = super().save_instance()  # the form's fields, and Wagtail's "wagtail.edit" log entry
        save_handling(instance, self.request.user, changed_fields(instance, self.previous), self.previous)
        return instance

    def get_success_url(self):
        return reverse(self.edit_url_name, args=(quote(self.object.pk),))

    def get_success_buttons(self):
        return [messages.button(reverse(self.index_url_name), _("Về danh sách"))]

    @cached_property
    def header_buttons(self):
        return action_buttons(self.request.user, self.object, self.transfer_url_name, self.take_up_url_name)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(inquiry_context(self.object, self.photo_url_name))
        return context


def action_buttons(user, inquiry, transfer_url_name, take_up_url_name):
    if not may_act_upwards(user, inquiry):
        return []
    buttons = [
        HeaderButton(
            _("Chuyển xã khác"), url=reverse(transfer_url_name, args=[inquiry.pk]), icon_name="arrow-right", priority=10
        )
    ]
    if take_up_choices(user, inquiry):
        buttons.append(
            HeaderButton(
                _("Cấp trên tiếp nhận xử lý"),
                url=reverse(take_up_url_name, args=[inquiry.pk]),
                icon_name="arrow-up",
                priority=20,
            )
        )
    return buttons


def inquiry_context(inquiry, photo_url_name):
    """What the read-only part of the edit and inspect views shows: the question, the photos, the history."""
    photos = [(photo, reverse(photo_url_name, args=[photo.pk])) for photo in inquiry.photos.all()]
    events = list(inquiry.events.select_related("actor"))
    for event in events:
        event.actor_name = user_name(event.actor) if event.actor_id else ""
    return {
        "inquiry": inquiry,
        "photos": photos,
        "events": events,
        "handling_unit": inquiry.handling_unit,
        "public_page": inquiry.public_page if inquiry.public_page_id and inquiry.public_page.live else None,
    }


class InquiryInspectView(InquiryObjectMixin, generic.InspectView):
    """Read-only: for those who see an inquiry but may not change it (their commune's item taken
    up by the district, a district's item taken up by the province)."""

    object_action = "view"
    template_name = "tincoso_admin/inquiry/inspect.html"
    page_title = _("Xem")
    transfer_url_name = None
    take_up_url_name = None
    photo_url_name = None

    def get_object(self, queryset=None):
        return self.get_inquiry(self.pk)

    def get_fields(self):
        return []

    def get_edit_url(self):
        if self.user_has_permission("change") and can_change(self.request.user, self.object):
            return reverse(self.edit_url_name, args=(quote(self.object.pk),))

    def get_delete_url(self):
        if self.user_has_permission("delete") and can_change(self.request.user, self.object):
            return reverse(self.delete_url_name, args=(quote(self.object.pk),))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(inquiry_context(self.object, self.photo_url_name))
        return context


# --- Recording a question received by phone, in person or by letter ------------------------------


class RecordForm(WagtailAdminModelForm):
    """What a staff member types in when a citizen phones, comes in or writes: the same facts
    and limits as the citizens' form on the site (inquiries/forms.py), the commune among the
    user's own, the channel, and the citizen's consent to the handling of their personal data."""

    photos = PhotosField(
        label=_("Ảnh kèm theo (nếu có)"),
        required=False,
        help_text=_("Tối đa 3 ảnh JPEG, PNG hoặc WebP, mỗi ảnh đến 5 MB; thông tin vị trí trong ảnh được xoá."),
    )
    consent = forms.BooleanField(
        label=_("Người dân đã đồng ý cho Ủy ban nhân dân xử lý thông tin cá nhân trên để trả lời"),
        help_text=_("Theo Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân; hỏi người dân trước khi ghi."),
        error_messages={"required": _("Cần hỏi và ghi nhận sự đồng ý của người dân trước khi lưu.")},
    )
    # One random key per rendered form: a double click or a resent POST finds the first record.
    submission_key = forms.CharField(
        widget=forms.HiddenInput,
        min_length=16,
        max_length=64,
        error_messages={
            key: _("Biểu mẫu không hợp lệ, vui lòng tải lại trang.") for key in ("required", "min_length", "max_length")
        },
    )

    LIMITS = {"title": (5, 200), "body": (20, 5000), "name": (2, 100)}

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("submission_key", secrets.token_urlsafe(24))
        communes = visible_communes(for_user) if for_user is not None else CommuneHomePage.objects.none()
        field = self.fields["commune"]
        field.queryset = communes
        field.label_from_instance = lambda commune: commune.title
        field.widget = forms.Select()  # the user's communes, not a chooser over the whole tree
        field.widget.choices = field.choices
        field.empty_label = _("— Chọn xã —")
        if not self.is_bound and communes.count() == 1:
            self.initial["commune"] = communes.first().pk
        channel = self.fields["channel"]
        channel.choices = [(value, label) for value, label in Channel.choices if value in STAFF_CHANNELS]
        channel.initial = Channel.PHONE
        self.fields["phone"].widget.attrs.update({"type": "tel", "autocomplete": "off", "inputmode": "tel"})
        self.fields["topic"].choices = [("", _("— Chọn lĩnh vực —"))] + list(Topic.choices)
        self.fields["topic"].required = True
        messages_ = {
            "commune": _("Vui lòng chọn xã tiếp nhận."),
            "topic": _("Vui lòng chọn lĩnh vực."),
            "title": _("Vui lòng nhập tiêu đề."),
            "body": _("Vui lòng nhập nội dung."),
            "name": _("Vui lòng nhập họ và tên người gửi."),
        }
        for name, message in messages_.items():
            self.fields[name].error_messages.update({"required": message, "invalid_choice": message})
        self.fields["email"].error_messages.update({"invalid": _("Địa chỉ thư điện tử không hợp lệ.")})

    def _text(self, name, one_line=False):
        value = clean_text(self.cleaned_data.get(name, ""))
        if one_line:
            value = value.replace("\n", " ")
        low, high = self.LIMITS.get(name, (0, None))
        label = self.fields[name].label
        if value and len(value) < low:
            raise forms.ValidationError(
                _("%(label)s quá ngắn (ít nhất %(low)d ký tự).") % {"label": capfirst(label), "low": low}
            )
        if high and len(value) > high:
            raise forms.ValidationError(
                _("%(label)s quá dài (tối đa %(high)d ký tự).") % {"label": capfirst(label), "high": high}
            )
        if not value and self.fields[name].required:
            raise forms.ValidationError(self.fields[name].error_messages["required"])
        return value

    def clean_title(self):
        return self._text("title", one_line=True)

    def clean_body(self):
        return self._text("body")

    def clean_name(self):
        return self._text("name", one_line=True)

    def clean_location(self):
        return self._text("location", one_line=True)

    def clean_phone(self):
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw:
            return ""
        phone = normalise_phone(raw)
        if not phone:
            raise forms.ValidationError(_("Số điện thoại không hợp lệ (ví dụ: 0912 345 678)."))
        return phone


class InquiryCreateView(generic.CreateView):
    """ "Thêm câu hỏi/phản ánh": a question received by phone, in person or by letter, created by
    inquiries.handling.submit like a citizen's own; then its receipt with the tracking code."""

    page_title = _("Thêm câu hỏi/phản ánh")
    submit_button_label = _("Lưu và lấy mã tra cứu")
    submit_button_active_label = _("Đang lưu…")
    error_message = _("Chưa lưu được: vui lòng sửa các lỗi được đánh dấu bên dưới.")
    receipt_url_name = None

    def get_page_subtitle(self):
        return self.page_title

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": Inquiry._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": self.page_title},
        ]

    def save_instance(self):
        data = self.form.cleaned_data
        inquiry, created = submit(
            data["commune"],
            data,
            data.get("photos") or [],
            submission_key=data["submission_key"],
            key="",
            channel=data["channel"],
            recorded_by=self.request.user,
        )
        if created:
            log(instance=inquiry, action="wagtail.create", user=self.request.user)
        return inquiry

    def get_success_message(self, instance):
        return _("Đã ghi nhận “%(title)s”. Mã tra cứu: %(code)s.") % {
            "title": instance.title,
            "code": instance.display_code,
        }

    def get_success_url(self):
        return reverse(self.receipt_url_name, args=[self.object.pk])


def lookup_url(inquiry, request=None):
    """Where the citizen looks the code up: the commune's "Hỏi đáp" look-up, with the code."""
    index = QuestionIndexPage.objects.child_of(inquiry.commune).live().first()
    if index is None:
        return ""
    return f"{index.get_full_url(request)}{index.reverse_subpage('lookup')}?ma={inquiry.code}"


def receipt_context(inquiry, request):
    commune = inquiry.commune
    agency = f"Ủy ban nhân dân {commune.name_in_sentence}"
    url = lookup_url(inquiry, request)
    received_on = timezone.localdate(inquiry.received_at)
    return {
        "inquiry": inquiry,
        "agency_lines": printing.agency_lines(agency),
        "nation": printing.NATION,
        "motto": printing.MOTTO,
        "date_line": f"{commune.short_name}, {printing.vietnamese_date(received_on)}",
        "lookup_url": url,
        "qr": printing.qr_svg_data_uri(url) if url else "",
        "recorded_by": user_name(inquiry.recorded_by) if inquiry.recorded_by_id else "",
    }


class InquiryReceiptView(InquiryObjectMixin, WagtailAdminTemplateMixin, TemplateView):
    """After recording: the tracking code to give the citizen, and the receipt to print."""

    object_action = "view"
    template_name = "tincoso_admin/inquiry/receipt.html"
    page_title = _("Phiếu tiếp nhận")
    header_icon = "help"
    index_url_name = None
    edit_url_name = None
    add_url_name = None
    print_url_name = None

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = self.get_inquiry(kwargs["pk"])

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": Inquiry._meta.verbose_name_plural.capitalize()},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(receipt_context(self.object, self.request))
        user = self.request.user
        context.update(
            {
                "print_url": reverse(self.print_url_name, args=[self.object.pk]),
                "edit_url": reverse(self.edit_url_name, args=[self.object.pk])
                if policy.user_has_permission_for_instance(user, "change", self.object)
                else "",
                "add_url": reverse(self.add_url_name) if policy.user_has_permission(user, "add") else "",
            }
        )
        return context


class InquiryReceiptPrintView(InquiryObjectMixin, TemplateView):
    """The receipt alone, on one A5 sheet, to print and hand to the citizen (or post back)."""

    object_action = "view"
    template_name = "tincoso_admin/inquiry/receipt_print.html"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = self.get_inquiry(kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(receipt_context(self.object, self.request))
        return context


class InquiryDeleteView(InquiryObjectMixin, generic.DeleteView):
    def get_object(self, queryset=None):
        if getattr(self, "object", None):
            return self.object
        return self.get_inquiry(self.kwargs[self.pk_url_kwarg])

    def delete_action(self):

        inquiry = self.object
        page = inquiry.public_page
        files = [photo.image.name for photo in inquiry.photos.all()]
        storage = InquiryPhoto._meta.get_field("image").storage
        with transaction.atomic():
            if page is not None and page.live:
                # Withdrawn from the site with the inquiry; done without the page permission check
                # (the page belongs to the queue), logged under the user.
                with LogContext(user=self.request.user):
                    page.unpublish(log_action=True)
            super().delete_action()
        # Personal data: the photos go with the record.
        transaction.on_commit(lambda: [storage.delete(name) for name in files])


class InquiryHistoryView(InquiryObjectMixin, history.HistoryView):
    def get_object(self):
        return self.get_inquiry(self.pk)


class InquiryUsageView(InquiryObjectMixin, usage.UsageView):
    def get_object(self):
        return self.get_inquiry(self.pk)


# --- Transfer and take-up -------------------------------------------------------------------------


class TransferForm(forms.Form):
    commune = forms.ModelChoiceField(
        label=_("Chuyển đến xã"), queryset=CommuneHomePage.objects.none(), empty_label=_("— Chọn xã —")
    )
    note = forms.CharField(
        label=_("Ghi chú"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, communes, **kwargs):
        super().__init__(*args, **kwargs)
        communes = list(communes)
        parents = {
            area.path: area.title for area in AreaPage.objects.filter(path__in={c.path[: -c.steplen] for c in communes})
        }
        self.fields["commune"].queryset = CommuneHomePage.objects.filter(pk__in=[c.pk for c in communes]).order_by(
            "path"
        )
        self.fields["commune"].label_from_instance = lambda commune: (
            f"{commune.title} ({parents[commune.path[: -commune.steplen]]})"
            if commune.path[: -commune.steplen] in parents
            else commune.title
        )


class TakeUpForm(forms.Form):
    area = forms.ModelChoiceField(label=_("Đơn vị tiếp nhận xử lý"), queryset=AreaPage.objects.none(), empty_label=None)
    note = forms.CharField(
        label=_("Ghi chú"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, areas, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = AreaPage.objects.filter(pk__in=[a.pk for a in areas]).order_by("depth")
        self.fields["area"].label_from_instance = lambda area: area.title


class InquiryActionView(InquiryObjectMixin, WagtailAdminTemplateMixin, View):
    """An action on one inquiry by district or province staff: a small form, then a confirmation."""

    model = Inquiry
    template_name = "tincoso_admin/inquiry/action.html"
    index_url_name = None
    edit_url_name = None
    inspect_url_name = None
    header_icon = "arrow-right"
    confirm_label = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.object = self.get_inquiry(kwargs["pk"])
        if not may_act_upwards(request.user, self.object):
            raise PermissionDenied

    def get_page_subtitle(self):
        return str(self.object)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": Inquiry._meta.verbose_name_plural.capitalize()},
            {"url": reverse(self.edit_url_name, args=[self.object.pk]), "label": str(self.object)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get(self, request, *args, **kwargs):
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render(form)
        if request.POST.get("confirm") != "1":
            return self.render(form, confirming=True)
        with transaction.atomic():
            message = self.perform(form.cleaned_data)
        messages.success(request, message)
        if can_change(request.user, self.object):
            return redirect(self.edit_url_name, self.object.pk)
        return redirect(self.index_url_name)

    def render(self, form, confirming=False):
        context = self.get_context_data(
            form=form,
            confirming=confirming,
            object=self.object,
            confirmation=self.confirmation(form.cleaned_data) if confirming else "",
            confirm_label=self.confirm_label,
            cancel_url=reverse(self.edit_url_name, args=[self.object.pk]),
        )
        return TemplateResponse(self.request, self.template_name, context)


class TransferView(InquiryActionView):
    page_title = _("Chuyển xã khác")
    confirm_label = _("Xác nhận chuyển")

    def get_form(self, data=None):
        return TransferForm(data, communes=transfer_targets(self.request.user, self.object))

    def confirmation(self, data):
        return _(
            "Chuyển “%(title)s” từ %(old)s sang %(new)s? %(new)s sẽ xử lý và trả lời; cán bộ được giao "
            "hiện nay thôi phụ trách."
        ) % {"title": self.object.title, "old": self.object.commune.title, "new": data["commune"].title}

    def perform(self, data):

        old = self.object.commune
        transfer(self.object, data["commune"], self.request.user, data["note"])
        log(
            instance=self.object,
            action=LOG_TRANSFER,
            user=self.request.user,
            data={"from": old.title, "to": data["commune"].title, "note": data["note"]},
        )
        return _("Đã chuyển “%(title)s” sang %(commune)s.") % {
            "title": self.object.title,
            "commune": data["commune"].title,
        }


class TakeUpView(InquiryActionView):
    page_title = _("Cấp trên tiếp nhận xử lý")
    confirm_label = _("Xác nhận tiếp nhận")
    header_icon = "arrow-up"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.areas = take_up_choices(request.user, self.object)
        if not self.areas:
            raise PermissionDenied

    def get_form(self, data=None):
        return TakeUpForm(data, areas=self.areas)

    def confirmation(self, data):
        return _(
            "%(area)s tiếp nhận xử lý “%(title)s” thay %(commune)s? Cán bộ %(commune)s vẫn xem được "
            "nhưng không sửa được nữa."
        ) % {"area": data["area"].title, "title": self.object.title, "commune": self.object.commune.title}

    def perform(self, data):

        take_up(self.object, data["area"], self.request.user, data["note"])
        log(
            instance=self.object,
            action=LOG_TAKE_UP,
            user=self.request.user,
            data={"area": data["area"].title, "note": data["note"]},
        )
        return _("%(area)s đã tiếp nhận xử lý “%(title)s”.") % {"area": data["area"].title, "title": self.object.title}


class PhotoView(InquiryObjectMixin, View):
    """A photo of an inquiry, for those who see the inquiry."""

    object_action = "view"

    def get(self, request, photo_id):

        photo = get_object_or_404(InquiryPhoto.objects.only("pk", "inquiry_id", "image"), pk=photo_id)
        if not policy.user_has_permission(request.user, "view"):
            raise PermissionDenied
        self.get_inquiry(photo.inquiry_id)
        return photo_response(photo)


# --- The viewset ----------------------------------------------------------------------------------


class InquiryMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        return policy.user_has_any_permission(user, ["view", "change", "delete"]) and (
            user.is_superuser or bool(user_units(user))
        )


class RecordMenuItem(MenuItem):
    def is_shown(self, request):
        return policy.user_has_permission(request.user, "add")


class InquiryViewSet(ModelViewSet):
    model = Inquiry
    name = "inquiries"
    url_prefix = "hoi-dap"
    icon = "help"
    menu_label = _("Hỏi đáp, phản ánh")
    menu_name = "hoi-dap-phan-anh"
    menu_order = 150
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_per_page = 30
    ordering = QUEUE_ORDERING
    search_fields = ["title", "code"]
    filterset_class = InquiryFilterSet

    index_view_class = InquiryIndexView
    add_view_class = InquiryCreateView
    edit_view_class = InquiryEditView
    inspect_view_class = InquiryInspectView
    delete_view_class = InquiryDeleteView
    history_view_class = InquiryHistoryView
    usage_view_class = InquiryUsageView

    panels = [
        FieldPanel("status"),
        FieldPanel("reject_reason"),
        FieldPanel("assigned_to"),
        FieldPanel("deadline"),
        FieldPanel("answer"),
        FieldPanel("is_public", heading=_("Công khai câu hỏi và trả lời")),
        MultiFieldPanel(
            [FieldPanel("public_title"), FieldPanel("public_body"), FieldPanel("publish_photos")],
            heading=_("Bản công khai (lược bỏ thông tin cá nhân)"),
        ),
    ]

    # "Thêm câu hỏi/phản ánh": a question received by phone, in person or by letter.
    record_panels = [
        FieldRowPanel([FieldPanel("commune"), FieldPanel("channel")], heading=_("Tiếp nhận")),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("topic")], heading=_("Loại và lĩnh vực")),
        FieldPanel("title"),
        FieldPanel("body"),
        FieldPanel("location"),
        FieldPanel("photos"),
        MultiFieldPanel(
            [
                HelpPanel(
                    content=_(
                        "Số điện thoại hoặc thư điện tử để báo khi có trả lời (không bắt buộc). Người dân "
                        "tra cứu được bằng mã trên phiếu tiếp nhận."
                    )
                ),
                FieldPanel("name"),
                FieldRowPanel([FieldPanel("phone"), FieldPanel("email")]),
                FieldPanel("show_name"),
                FieldPanel("consent"),
            ],
            heading=_("Người gửi"),
        ),
    ]

    def construct_view(self, view_class, **kwargs):
        return forbidden_as_403(super().construct_view(view_class, **kwargs))

    def get_edit_handler(self):
        return ObjectList(self.panels, base_form_class=HandlingForm).bind_to_model(self.model)

    @cached_property
    def record_handler(self):
        return ObjectList(self.record_panels, base_form_class=RecordForm).bind_to_model(self.model)

    def get_add_view_kwargs(self, **kwargs):
        return super().get_add_view_kwargs(
            panel=self.record_handler,
            form_class=self.record_handler.get_form_class(),
            receipt_url_name=self.get_url_name("receipt"),
            **kwargs,
        )

    def _action_urls(self):
        return {
            "transfer_url_name": self.get_url_name("transfer"),
            "take_up_url_name": self.get_url_name("take_up"),
            "photo_url_name": self.get_url_name("photo"),
        }

    def get_edit_view_kwargs(self, **kwargs):
        return super().get_edit_view_kwargs(**self._action_urls(), **kwargs)

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(**self._action_urls(), **kwargs)

    def action_view(self, view_class):
        return forbidden_as_403(
            view_class.as_view(
                index_url_name=self.get_url_name("index"),
                edit_url_name=self.get_url_name("edit"),
                inspect_url_name=self.get_url_name("inspect"),
            )
        )

    def get_urlpatterns(self):
        receipt = InquiryReceiptView.as_view(
            index_url_name=self.get_url_name("index"),
            edit_url_name=self.get_url_name("edit"),
            add_url_name=self.get_url_name("add"),
            print_url_name=self.get_url_name("receipt_print"),
        )
        return super().get_urlpatterns() + [
            path("transfer/<int:pk>/", self.action_view(TransferView), name="transfer"),
            path("take-up/<int:pk>/", self.action_view(TakeUpView), name="take_up"),
            path("photo/<int:photo_id>/", forbidden_as_403(PhotoView.as_view()), name="photo"),
            path("receipt/<int:pk>/", forbidden_as_403(receipt), name="receipt"),
            path(
                "receipt/<int:pk>/print/",
                forbidden_as_403(InquiryReceiptPrintView.as_view()),
                name="receipt_print",
            ),
        ]

    def get_menu_item(self, order=None):
        index = reverse(self.get_url_name("index"))
        open_query = urlencode([("status", s) for s in OPEN_STATUSES])
        return SubmenuMenuItem(
            label=self.menu_label,
            menu=Menu(
                items=[
                    InquiryMenuItem(_("Tất cả"), index, name="hoi-dap-tat-ca", icon_name="list-ul", order=1),
                    InquiryMenuItem(
                        _("Đang chờ xử lý"),
                        f"{index}?{open_query}",
                        name="hoi-dap-cho-xu-ly",
                        icon_name="time",
                        order=2,
                    ),
                    InquiryMenuItem(
                        _("Quá hạn"), f"{index}?overdue=1", name="hoi-dap-qua-han", icon_name="warning", order=3
                    ),
                    RecordMenuItem(
                        _("Thêm câu hỏi/phản ánh"),
                        reverse(self.get_url_name("add")),
                        name="hoi-dap-them",
                        icon_name="plus",
                        order=4,
                    ),
                ]
            ),
            name=self.menu_name,
            icon_name=self.icon,
            order=self.get_menu_item_order(order),
        )


# --- Audit log ------------------------------------------------------------------------------------


class TransferLogFormatter(LogFormatter):
    label = _("Chuyển xã")

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return _("Chuyển từ %(from)s sang %(to)s") % {"from": data.get("from", "?"), "to": data.get("to", "?")}

    def format_comment(self, log_entry):
        return (log_entry.data or {}).get("note", "")


class TakeUpLogFormatter(LogFormatter):
    label = _("Cấp trên tiếp nhận")

    def format_message(self, log_entry):
        return _("%(area)s tiếp nhận xử lý") % {"area": (log_entry.data or {}).get("area", "?")}

    def format_comment(self, log_entry):
        return (log_entry.data or {}).get("note", "")


def register_log_actions(actions):
    actions.register_action(LOG_TRANSFER)(TransferLogFormatter)
    actions.register_action(LOG_TAKE_UP)(TakeUpLogFormatter)


# --- Dashboard ------------------------------------------------------------------------------------


class InquiryDashboardPanel(Component):
    """On the admin home: the user's overdue items, then the newest open items still in time
    (each item listed once), with counts."""

    name = "inquiries"
    template_name = "tincoso_admin/inquiry/dashboard_panel.html"
    order = 50

    def render_html(self, parent_context=None):
        user = parent_context["request"].user
        if not policy.user_has_any_permission(user, ["view", "change"]):
            return ""
        if not (user.is_superuser or user_units(user)):
            return ""
        return super().render_html(parent_context)

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        items = visible_inquiries(request.user).select_related("commune", "assigned_to", "taken_up_by")
        today = timezone.localdate()
        overdue = items.overdue(today)
        waiting = items.open()
        index = reverse("inquiries:index")

        def with_urls(inquiries):
            return [
                (
                    inquiry,
                    reverse(
                        "inquiries:edit" if can_change(request.user, inquiry) else "inquiries:inspect",
                        args=[inquiry.pk],
                    ),
                )
                for inquiry in inquiries
            ]

        return {
            "overdue_count": overdue.count(),
            "open_count": waiting.count(),
            "overdue": with_urls(overdue.order_by("deadline", "received_at")[:DASHBOARD_ITEMS]),
            # Each item once: the overdue ones are listed above, not again among the newest.
            "newest": with_urls(waiting.exclude(deadline__lt=today).order_by("-received_at", "-pk")[:DASHBOARD_ITEMS]),
            "overdue_url": f"{index}?overdue=1",
            "open_url": f"{index}?{urlencode([('status', s) for s in OPEN_STATUSES])}",
        }

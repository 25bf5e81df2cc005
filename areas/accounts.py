"""The staff's accounts and the e-mails they (and citizens) receive: names, links, recipients.

**"Tạo tài khoản cho xã"** (/admin/tai-khoan-xa/, menu item and URL in areas/wagtail_hooks.py):
a superuser, or an editor or moderator of a province or district, picks a commune inside their
own units (areas/scoping.py), a role (biên tập → the commune's editors_group, kiểm duyệt → its
moderators_group, both made by provisioning), the person's full name and e-mail. The account is
created with a username derived from the e-mail (folded, unique), put in that one group and
recorded in Wagtail's audit log ("Tạo tài khoản cho xã"); after the commit the worker e-mails the
person, in Vietnamese, a link to set their password (Django's password-reset token, Wagtail's
confirm view) on their commune's own host. The password it starts with is random and never
shown: the link sets the real one, and "Quên mật khẩu" works later (Django's reset skips
accounts without a usable password). Duplicates and bad input: a Vietnamese message on the
form, status 400, nothing created.

**"Tạo tài khoản cho sở, ngành"** (/admin/tai-khoan-so-nganh/): the same, for the departments
(sở, ngành, phòng: areas/departments.py) of the official's province and districts; the person
goes into the department's editors or moderators group, and the e-mail's links are on the host
of the department's area portal.

**Names.** A Vietnamese full name, "Trần Văn Minh", is kept as first_name "Trần Văn" (family
and middle names) and last_name "Minh" (given name): Django's and Wagtail's get_full_name()
(first + last) then shows it in Vietnamese order everywhere (the admin's user lists, the audit
log, "Cán bộ xử lý"), and ordering by last_name sorts by given name as Vietnamese lists do.
The tests of the questions' queue store names the same way. People are addressed with their one
full name: "Kính gửi ông/bà Trần Văn Minh".

**Links.** Every link in an e-mail goes to the host of the site its subject belongs to: a
commune's own Site, an area's portal (unit_root_url), with the port and scheme written into the
Site by provisioning (settings.SITE_PORT: 443 gives https://). The admin is served on every
host, so a commune's editors open their queue on their commune's host, where they log in.
WAGTAILADMIN_BASE_URL is only the last resort (no Site at all).
"""

import re
import secrets
import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.generic import FormView
from django_q.tasks import async_task
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.log_actions import log
from wagtail.models import Page, Site

from areas.models import AreaPage, CommuneHomePage, Department, PortalHomePage
from areas.scoping import departments_for, under, user_units
from areas.widgets import GroupedRadioSelect
from core.text import fold

TITLE = "Tạo tài khoản cho xã"
URL_NAME = "tincoso_commune_account"
LOG_ACTION = "tincoso.commune_account"
EDITORS, MODERATORS = "editors", "moderators"
ROLES = {EDITORS: "biên tập viên", MODERATORS: "kiểm duyệt viên"}
ROLE_CHOICES = [
    (EDITORS, "Biên tập viên: viết và gửi duyệt tin, thông báo, văn bản; xử lý câu hỏi của người dân"),
    (MODERATORS, "Kiểm duyệt viên: duyệt và xuất bản nội dung của xã, như biên tập viên"),
]
NO_RIGHT = (
    "Chỉ cán bộ biên tập, kiểm duyệt của huyện hoặc tỉnh (và quản trị viên) tạo được tài khoản cho xã. "
    "Nếu xã của bạn cần thêm người, hãy đề nghị huyện hoặc tỉnh tạo."
)
_USERNAME_JUNK = re.compile(r"[^a-z0-9._-]+")
_NAME_CHARACTERS = re.compile(r"^[^\W\d_]+(?:['’.-][^\W\d_]+)*\.?$")


# --- Names ---------------------------------------------------------------------------------------


def split_full_name(text):
    """'Trần  Văn Minh' → ('Trần Văn', 'Minh'): (first_name, last_name) as stored (module doc)."""
    words = unicodedata.normalize("NFC", text).split()
    return " ".join(words[:-1]), words[-1] if words else ""


def full_name(user):
    """The person's one full name in Vietnamese order ('Trần Văn Minh'), '' if none was given."""
    return " ".join(user.get_full_name().split()) if user is not None else ""


# --- Links ---------------------------------------------------------------------------------------


def unit_home(page):
    """The page that is the Site root of `page`'s unit: a commune home itself, an area's portal
    home (an AreaPage is a container, never a Site)."""
    if page is None:
        return None
    if issubclass(page.specific_class or Page, AreaPage):
        return PortalHomePage.objects.child_of(page).first()
    return page


def unit_root_url(page):
    """'http://an-truong.cang-long.tra-vinh.localhost:8000': where the unit's own site is served
    (the default Site, then WAGTAILADMIN_BASE_URL, when it has none)."""
    home = unit_home(page)
    site = Site.objects.filter(root_page_id=home.pk).first() if home is not None else None
    if site is None:
        site = Site.objects.filter(is_default_site=True).first()
    if site is not None:
        return site.root_url
    return (getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "").rstrip("/")


def unit_admin_url(page, url_name, *args):
    """An admin URL on the unit's own host: the admin is served on every host, and a commune's
    staff log in on their commune's."""
    return unit_root_url(page) + reverse(url_name, args=args)


# --- Staff e-mails -------------------------------------------------------------------------------


def unit_staff(unit):
    """The active users with an e-mail address in the unit's editors or moderators group, one per
    address, in a stable order."""
    groups = [g for g in (getattr(unit, "editors_group_id", None), getattr(unit, "moderators_group_id", None)) if g]
    if not groups:
        return []
    users = (
        get_user_model()
        .objects.filter(groups__in=groups, is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("email", "pk")
    )
    seen, found = set(), []
    for user in users:
        if user.email.lower() not in seen:
            seen.add(user.email.lower())
            found.append(user)
    return found


def send_to_staff(users, subject, template, context):
    """One e-mail per person, addressed by name (`recipient_name`, '' if the account has none);
    returns how many were sent."""
    messages_out = [
        EmailMessage(
            subject, render_to_string(template, {**context, "recipient_name": full_name(user)}), None, [user.email]
        )
        for user in users
    ]
    if messages_out:
        get_connection().send_messages(messages_out)
    return len(messages_out)


# --- Who may create accounts for which communes ---------------------------------------------------


def area_units(user):
    """The provinces and districts (AreaPage) the user is staff of."""
    return [unit for unit in user_units(user) if isinstance(unit, AreaPage)]


def may_create_accounts(user):
    return bool(getattr(user, "is_authenticated", False) and user.is_active and (user.is_superuser or area_units(user)))


def communes_for(user):
    """The communes `user` may create accounts for: inside their provinces and districts."""
    communes = CommuneHomePage.objects.order_by("path")
    if not may_create_accounts(user):
        return communes.none()
    if user.is_superuser:
        return communes
    return communes.filter(under("path", [unit.path for unit in area_units(user)]))


# --- Creating an account -------------------------------------------------------------------------


def username_candidates(email, name):
    """'Trần.Minh@…' → 'tran.minh', 'tran.minh2', …: folded, lower case, [a-z0-9._-]."""
    base = _USERNAME_JUNK.sub(".", fold(email.partition("@")[0]).lower()).strip("._-")[:30]
    if not base:
        base = _USERNAME_JUNK.sub(".", fold(name).lower()).strip("._-")[:30] or "canbo"
    yield base
    for number in range(2, 10_000):
        yield f"{base}{number}"


class CommuneAccountForm(forms.Form):
    commune = forms.ModelChoiceField(
        label="Xã",
        queryset=CommuneHomePage.objects.none(),
        widget=GroupedRadioSelect,
        error_messages={
            "required": "Chọn xã của người dùng.",
            "invalid_choice": "Xã này không thuộc địa bàn của bạn. Hãy chọn một xã trong danh sách.",
        },
    )
    role = forms.ChoiceField(
        label="Vai trò",
        choices=ROLE_CHOICES,
        initial=EDITORS,
        widget=forms.RadioSelect,
        error_messages={"required": "Chọn vai trò.", "invalid_choice": "Vai trò không hợp lệ."},
    )
    name = forms.CharField(
        label="Họ và tên",
        max_length=150,
        help_text="Đủ họ, tên đệm và tên, ví dụ Trần Văn Minh.",
        error_messages={"required": "Nhập họ và tên.", "max_length": "Họ và tên dài quá (tối đa 150 ký tự)."},
    )
    email = forms.EmailField(
        label="Thư điện tử",
        max_length=254,
        help_text="Thư để đặt mật khẩu sẽ gửi tới địa chỉ này.",
        error_messages={"required": "Nhập địa chỉ thư điện tử.", "invalid": "Địa chỉ thư điện tử không hợp lệ."},
    )

    def __init__(self, *args, official, **kwargs):
        super().__init__(*args, **kwargs)
        self.official = official
        field = self.fields["commune"]
        field.queryset = communes_for(official)
        field.label_from_instance = lambda commune: commune.title
        if field.queryset.count() == 1:
            field.initial = field.queryset.first().pk

    def clean_name(self):
        name = " ".join(unicodedata.normalize("NFC", self.cleaned_data["name"]).split())
        words = name.split()
        if len(words) < 2:
            raise forms.ValidationError("Nhập đủ họ và tên (ít nhất hai chữ), ví dụ Trần Văn Minh.")
        if not all(_NAME_CHARACTERS.match(word) for word in words):
            raise forms.ValidationError("Họ và tên chỉ gồm chữ cái, ví dụ Trần Văn Minh.")
        return name

    def clean_email(self):
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"].strip())
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "Đã có tài khoản dùng địa chỉ thư điện tử này. Nếu người này chuyển công tác, "
                "hãy nhờ quản trị viên đổi nhóm của tài khoản đó thay vì tạo tài khoản mới."
            )
        return email

    def clean(self):
        data = super().clean()
        commune, role = data.get("commune"), data.get("role")
        if commune is not None and role in ROLES and getattr(commune, f"{role}_group_id") is None:
            self.add_error(
                "commune",
                f"{commune.title} chưa có nhóm {ROLES[role]}: hãy đề nghị quản trị viên chạy lại "
                "“manage.py provision” cho tỉnh.",
            )
        return data


def new_user(email, name):
    """A new user with the first free username for `email` (username_candidates) and a random
    password, never shown: the person sets their own through the e-mailed link."""
    first_name, last_name = split_full_name(name)
    User = get_user_model()
    for candidate in username_candidates(email, name):
        if User.objects.filter(username__iexact=candidate).exists():
            continue
        try:
            with transaction.atomic():
                user = User(username=candidate, email=email, first_name=first_name, last_name=last_name)
                user.set_password(secrets.token_urlsafe(32))
                user.save()
        except IntegrityError:  # taken a moment ago by another request: the next one
            continue
        return user
    raise IntegrityError(f"Không còn tên đăng nhập trống cho {email}.")


def create_account(official, commune, role, name, email):
    """The new user, in the commune's group for `role`, logged; the e-mail leaves after commit."""
    where = {"commune_id": commune.pk, "commune": commune.title}
    return _create_in_group(official, commune, role, name, email, LOG_ACTION, where, "send_set_password_email")


def _create_in_group(official, unit, role, name, email, action, where, mail_task):
    """The account made in `unit`'s group for `role` (a commune or a department), recorded as
    `action` with the unit's `where`; the worker's `mail_task` e-mails the set-password link
    after commit."""
    group = getattr(unit, f"{role}_group")
    with transaction.atomic():
        user = new_user(email, name)
        user.groups.add(group)
        data = {"name": name, "email": email, "username": user.username, "role": role, "role_label": ROLES[role]}
        log(instance=user, action=action, user=official, data={**data, **where})
        transaction.on_commit(
            lambda: async_task(
                f"areas.accounts.{mail_task}",
                user.pk,
                unit.pk,
                role,
                official.pk,
                sync=getattr(settings, "TASKS_SYNC", False),
            )
        )
    return user


def set_password_url(user, commune):
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return unit_admin_url(commune, "wagtailadmin_password_reset_confirm", uidb64, token)


def send_set_password_email(user_id, commune_id, role, official_id=None):
    """Run by the worker: the Vietnamese e-mail with the set-password link on the commune's host."""
    User = get_user_model()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    commune = CommuneHomePage.objects.filter(pk=commune_id).first()
    if user is None or commune is None or not user.email:
        return 0
    official = User.objects.filter(pk=official_id).first() if official_id else None
    context = {
        "recipient_name": full_name(user),
        "username": user.get_username(),
        "role_label": ROLES.get(role, ""),
        "commune": commune,
        "official_name": full_name(official) or (official.get_username() if official else ""),
        "set_password_url": set_password_url(user, commune),
        "login_url": unit_admin_url(commune, "wagtailadmin_login"),
        "days": max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400)),
    }
    EmailMessage(
        f"Tài khoản {ROLES.get(role, '')} trang thông tin điện tử {commune.name_in_sentence}",
        render_to_string("areas/email/set_password.txt", context),
        None,
        [user.email],
    ).send()
    return 1


# --- The admin view ------------------------------------------------------------------------------


class CommuneAccountView(WagtailAdminTemplateMixin, FormView):
    template_name = "areas/accounts/create.html"
    forbidden_template_name = "areas/accounts/forbidden.html"
    form_class = CommuneAccountForm
    page_title = TITLE
    header_icon = "user"
    no_right = NO_RIGHT  # the 403 page's message to someone who may not create these accounts

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def dispatch(self, request, *args, **kwargs):
        if not may_create_accounts(request.user):
            context = {
                "page_title": self.page_title,
                "header_title": self.page_title,
                "header_icon": self.header_icon,
                "message": self.no_right,
                "breadcrumbs_items": self.get_breadcrumbs_items(),
            }
            return TemplateResponse(request, self.forbidden_template_name, context, status=403)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "official": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context.update(
            {
                "action_url": reverse(URL_NAME),
                "submit_button_label": "Tạo tài khoản và gửi thư",
                "submit_button_active_label": "Đang tạo…",
                "media": form.media,
                "has_communes": form.fields["commune"].queryset.exists(),
            }
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        user = create_account(self.request.user, data["commune"], data["role"], data["name"], data["email"])
        messages.success(
            self.request,
            f"Đã tạo tài khoản “{user.get_username()}” ({data['name']}, {ROLES[data['role']]} "
            f"{data['commune'].title}). Thư để đặt mật khẩu đang được gửi tới {data['email']}.",
        )
        return redirect(URL_NAME)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Accounts for departments' staff ("Tạo tài khoản cho sở, ngành") ---------------------------

DEPARTMENT_TITLE = "Tạo tài khoản cho sở, ngành"
DEPARTMENT_URL_NAME = "tincoso_department_account"
DEPARTMENT_LOG_ACTION = "tincoso.department_account"
DEPARTMENT_ROLE_CHOICES = [
    (EDITORS, "Biên tập viên: viết thông tin nguồn, cảnh báo, chương trình của cơ quan và gửi duyệt"),
    (MODERATORS, "Kiểm duyệt viên: duyệt và xuất bản thông tin của cơ quan, như biên tập viên"),
]


def departments_open_to(user):
    """The active departments `user` may create accounts for: those of their provinces and
    districts (areas.scoping.departments_for), that have their groups."""
    return departments_for(user).filter(is_active=True).select_related("area").order_by("area__path", "name")


class DepartmentAccountForm(CommuneAccountForm):
    """ "Tạo tài khoản cho xã" with a department in place of the commune (same checks)."""

    field_order = ["department", "role", "name", "email"]

    def __init__(self, *args, official, **kwargs):
        super().__init__(*args, official=official, **kwargs)
        del self.fields["commune"]
        self.fields["department"] = forms.ModelChoiceField(
            label="Sở, ngành, phòng ban",
            queryset=departments_open_to(official),
            error_messages={
                "required": "Chọn cơ quan của người dùng.",
                "invalid_choice": "Cơ quan này không thuộc địa bàn của bạn. Hãy chọn một cơ quan trong danh sách.",
            },
        )
        field = self.fields["department"]
        field.label_from_instance = lambda department: department.full_name
        if field.queryset.count() == 1:
            field.initial = field.queryset.first().pk
        self.fields["role"].choices = DEPARTMENT_ROLE_CHOICES
        self.order_fields(self.field_order)

    def clean(self):
        data = forms.Form.clean(self)
        department, role = data.get("department"), data.get("role")
        if department is not None and role in ROLES and getattr(department, f"{role}_group_id") is None:
            self.add_error(
                "department",
                f"{department.full_name} chưa có nhóm {ROLES[role]}: hãy mở cơ quan ở “Sở, ngành, phòng ban” và lưu lại.",
            )
        return data


def create_department_account(official, department, role, name, email):
    """The new user, in the department's group for `role`, logged; the e-mail leaves after commit."""
    where = {"department_id": department.pk, "department": department.full_name}
    return _create_in_group(
        official, department, role, name, email, DEPARTMENT_LOG_ACTION, where, "send_department_password_email"
    )


def send_department_password_email(user_id, department_id, role, official_id=None):
    """Run by the worker: the Vietnamese e-mail with the set-password link on the host of the
    department's area portal."""
    User = get_user_model()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    department = Department.objects.filter(pk=department_id).select_related("area").first()
    if user is None or department is None or not user.email:
        return 0
    official = User.objects.filter(pk=official_id).first() if official_id else None
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    context = {
        "recipient_name": full_name(user),
        "username": user.get_username(),
        "role_label": ROLES.get(role, ""),
        "department": department,
        "official_name": full_name(official) or (official.get_username() if official else ""),
        "set_password_url": unit_admin_url(department.area, "wagtailadmin_password_reset_confirm", uidb64, token),
        "login_url": unit_admin_url(department.area, "wagtailadmin_login"),
        "days": max(1, round(settings.PASSWORD_RESET_TIMEOUT / 86400)),
    }
    EmailMessage(
        f"Tài khoản {ROLES.get(role, '')} thông tin nguồn · {department.full_name}",
        render_to_string("areas/email/department_password.txt", context),
        None,
        [user.email],
    ).send()
    return 1


class DepartmentAccountView(CommuneAccountView):
    """ "Tạo tài khoản cho sở, ngành": for the staff of a province or district with departments."""

    template_name = "areas/accounts/create_department.html"
    form_class = DepartmentAccountForm
    page_title = DEPARTMENT_TITLE
    no_right = (
        "Chỉ cán bộ biên tập, kiểm duyệt của tỉnh hoặc huyện (và quản trị viên) tạo được tài khoản "
        "cho sở, ngành, phòng ban của địa bàn mình."
    )

    def get_context_data(self, **kwargs):
        context = super(CommuneAccountView, self).get_context_data(**kwargs)
        form = context["form"]
        context.update(
            {
                "action_url": reverse(DEPARTMENT_URL_NAME),
                "submit_button_label": "Tạo tài khoản và gửi thư",
                "submit_button_active_label": "Đang tạo…",
                "media": form.media,
                "has_departments": form.fields["department"].queryset.exists(),
                "departments_url": reverse("departments:index"),
            }
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        department = data["department"]
        user = create_department_account(self.request.user, department, data["role"], data["name"], data["email"])
        messages.success(
            self.request,
            f"Đã tạo tài khoản “{user.get_username()}” ({data['name']}, {ROLES[data['role']]} "
            f"{department.full_name}). Thư để đặt mật khẩu đang được gửi tới {data['email']}.",
        )
        return redirect(DEPARTMENT_URL_NAME)

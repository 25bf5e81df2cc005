"""Source information and emergency alerts in the admin (hooks in sources/wagtail_hooks.py):

("Nơi nhận" and "Thông tin nguồn đã gửi", which read the boards' playlists and proof of play,
are the boards app's: boards/source_delivery.py, under the URL names defined here.)
- "Nhập cảnh báo CAP": a CAP 1.2 file into a portal's "Thông tin nguồn" section;
- "Nguồn cảnh báo CAP": CAP feeds polled on a schedule (a ViewSet scoped to the user's units).
"""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.admin.panels import ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.models import Page

from areas.models import AreaPage
from areas.scoping import OwnedForm, ScopedViewSet
from sources import cap
from sources.cap_import import import_alert, poll_feed
from sources.models import CapFeed, DepartmentSectionPage, SourceIndexPage, area_of_section

DELIVERY_URL = "tincoso_source_delivery"
SENT_URL = "tincoso_sources_sent"
IMPORT_URL = "tincoso_cap_import"


# --- CAP import -------------------------------------------------------------------------------------


def sections_for(user):
    """The "Thông tin nguồn" sections, and departments' sections, where `user` may add an alert."""
    sections = Page.objects.type(SourceIndexPage, DepartmentSectionPage).order_by("path").specific()
    return [s for s in sections if user.is_superuser or s.permissions_for_user(user).can_add_subpage()]


def section_label(section):
    """The portal's name for an area's section; "Sở Y tế – Tỉnh Trà Vinh" for a department's."""
    if isinstance(section, DepartmentSectionPage):
        area = area_of_section(section)
        return f"{section.title} – {area.title}" if area else section.title
    return section.get_parent().title


class CapImportForm(forms.Form):
    file = forms.FileField(label=_("Tệp CAP 1.2 (XML)"), required=False)
    text = forms.CharField(
        label=_("hoặc dán nội dung XML"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )
    section = forms.ChoiceField(label=_("Đăng vào"))
    publish = forms.BooleanField(label=_("Xuất bản ngay (cảnh báo lên trang và bảng ngay)"), required=False)

    def __init__(self, *args, sections=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.sections = {str(s.pk): s for s in sections}
        self.fields["section"].choices = [(str(s.pk), section_label(s)) for s in sections]

    def clean(self):
        data = super().clean()
        upload, text = data.get("file"), (data.get("text") or "").strip()
        if upload is None and not text:
            raise ValidationError(_("Chọn một tệp CAP hoặc dán nội dung XML."))
        if upload is not None:
            if upload.size > cap.MAX_BYTES:
                raise ValidationError(_("Tệp quá lớn (tối đa 1 MiB)."))
            data["xml"] = upload.read()
        else:
            data["xml"] = text.encode("utf-8")
        data["section_page"] = self.sections.get(data.get("section"))
        return data


class CapImportView(WagtailAdminTemplateMixin, FormView):
    template_name = "tincoso_admin/sources/cap_import.html"
    page_title = _("Nhập cảnh báo CAP")
    header_icon = "warning"
    form_class = CapImportForm

    def dispatch(self, request, *args, **kwargs):
        self.sections = sections_for(request.user)
        if not self.sections:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": self.page_title}]

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "sections": self.sections}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            result = import_alert(data["xml"], data["section_page"], user=self.request.user, publish=data["publish"])
        except (cap.CapError, PermissionDenied) as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        labels = {
            "created": _("Đã tạo cảnh báo"),
            "updated": _("Đã cập nhật cảnh báo"),
            "withdrawn": _("Đã thu hồi cảnh báo"),
            "unchanged": _("Cảnh báo đã có, không thay đổi"),
        }
        for page in result.pages:
            messages.success(self.request, f"{labels[result.action]}: {page.title}")
        for note in result.notes:
            messages.warning(self.request, note)
        page = result.pages[0]
        return redirect(
            reverse(DELIVERY_URL, args=[page.pk])
            if result.action == "withdrawn"
            else reverse("wagtailadmin_pages:edit", args=[page.pk])
        )


# --- CAP feeds (ViewSet) ---------------------------------------------------------------------------


class CapFeedForm(OwnedForm):
    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        field = self.fields.get("owner")
        if field is not None:
            field.queryset = AreaPage.objects.filter(pk__in=field.queryset.values("pk")).order_by("path")
            field.widget.choices = field.choices


class CapFeedViewSet(ScopedViewSet):
    model = CapFeed
    edit_handler = ObjectList(CapFeed.panels, base_form_class=CapFeedForm)
    icon = "warning"
    menu_label = _("Nguồn cảnh báo CAP")
    url_prefix = "nguon-canh-bao-cap"
    name = "cap_feeds"
    add_to_admin_menu = False

    @property
    def list_display(self):
        return [
            TitleColumn("name", label=_("Nguồn"), url_name=self.get_url_name("edit")),
            Column("owner", label=_("Địa bàn"), accessor=lambda f: f.owner.title),
            Column("url", label=_("Địa chỉ")),
            Column(
                "last_polled_at",
                label=_("Đọc lần cuối"),
                accessor=lambda f: (
                    timezone.localtime(f.last_polled_at).strftime("%H:%M %d/%m/%Y") if f.last_polled_at else "—"
                ),
            ),
            Column("last_error", label=_("Lỗi"), accessor=lambda f: f.last_error[:160] or "—"),
            TitleColumn(
                "poll", label=_("Đọc ngay"), accessor=lambda f: _("Đọc ngay"), url_name=self.get_url_name("poll")
            ),
        ]

    def get_urlpatterns(self):

        return super().get_urlpatterns() + [path("doc-ngay/<int:pk>/", self.poll_view, name="poll")]

    def poll_view(self, request, pk):
        feed = get_object_or_404(CapFeed.objects.select_related("owner"), pk=pk)
        if not self.permission_policy.user_has_permission_for_instance(request.user, "change", feed):
            raise Http404
        imported, errors = poll_feed(feed)
        if errors:
            for error in errors[:5]:
                messages.error(request, error)
        else:
            messages.success(
                request,
                _("Đã đọc %(name)s: %(n)s bản tin mới hoặc thay đổi.")
                % {"name": feed.name, "n": sum(r.action != "unchanged" for r in imported)},
            )
        return redirect(self.get_url_name("index"))


class SourcesGroup(ViewSetGroup):
    menu_label = _("Thông tin nguồn")
    menu_icon = "site"
    menu_order = 260
    items = (CapFeedViewSet,)


def admin_urls():

    return [
        path("thong-tin-nguon/nhap-cap/", CapImportView.as_view(), name=IMPORT_URL),
    ]

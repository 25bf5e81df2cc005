"""“Chỉ tiêu thông tin cơ sở” in the admin's Reports menu (registered in indicators/wagtail_hooks.py).

/admin/chi-tieu-thong-tin-co-so/?don_vi=<area id>&ky=<period>: the national plan's indicators of
a province or district for a month, quarter or year (the current month by default), a table per
district (a province with districts) or per commune, a table per commune type, trend charts as
inline SVG, with the ministry's numbered indicators, their targets and Đạt / Chưa đạt first
(indicators/numbered.py); …/csv/, …/csv-chi-tieu-bo/ (the numbered indicators) and …/pdf/ with
the same parameters download the table (UTF-8 with BOM) and
the periodic report (WeasyPrint, laid out as an administrative document); …/nguoi-ky/?don_vi=
sets who signs the area's report and to whom it goes (indicators/models.py ReportSigning).

Who sees what: the areas (provinces, districts) whose editors or moderators group the user is
in, and the districts inside such a province; a superuser, every province and district. A
commune's staff have no indicators page (403 with a message: their own figures are in
"Thống kê hỏi đáp" and the board monitoring). Bad input never gives a 500: an area that does
not exist → 404, an area outside the user's units → 403, a period that cannot be parsed or has
not started → 400, each with a Vietnamese message on the page.
"""

import io
import re
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from areas.models import AreaPage
from areas.scoping import labelled_in_order, request_units, units_for_user
from core import periods
from indicators import report as presentation
from indicators.compute import PeriodError, as_of_moment, compute, subtree_q
from indicators.models import ReportSigning
from indicators.numbered import numbered
from inquiries.report import period_choices

URL_NAME = "tincoso_indicators"
CSV_URL_NAME = "tincoso_indicators_csv"
NUMBERED_CSV_URL_NAME = "tincoso_indicators_numbered_csv"
PDF_URL_NAME = "tincoso_indicators_pdf"
SIGNING_URL_NAME = "tincoso_indicators_signing"
TITLE = presentation.TITLE
AREA_PARAM = "don_vi"
PERIOD_PARAM = "ky"
LEVEL_ORDER = {"province": 0, "district": 1}
NO_AREAS = (
    "Bạn chưa thuộc nhóm biên tập hoặc kiểm duyệt của huyện hay tỉnh nào nên không xem được chỉ tiêu thông tin cơ sở."
)


# --- Areas -------------------------------------------------------------------------------------


def areas_for_user(user, units=None):
    """The provinces and districts whose indicators `user` may see, each with `indicators_label`,
    in tree-and-name order: their own areas (areas.scoping.units_for_user, or `units`
    when already known) and the districts inside their provinces."""

    units = units_for_user(user) if units is None else units
    own = [u for u in units if isinstance(u, AreaPage) and u.level in LEVEL_ORDER]
    if not own:
        return []
    found = {a.pk: a for a in own}
    if not user.is_superuser:
        for area in [a for a in own if a.level == "province"]:
            for district in AreaPage.objects.filter(subtree_q("path", area), level="district"):
                found.setdefault(district.pk, district)
    return labelled_in_order(list(found.values()), "indicators_label")


def request_areas(request):
    """Areas of the request's user, computed once per request (the menu asks on every page)."""
    if not hasattr(request, "_tincoso_indicator_areas"):
        request._tincoso_indicator_areas = areas_for_user(request.user, units=request_units(request))
    return request._tincoso_indicator_areas


class AreaRefused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


def chosen_area(areas, wanted, action="xem chỉ tiêu"):
    """The area asked for by id (`wanted`, "" for the first of `areas`); AreaRefused with 404
    when there is none such, 403 when it is not one of the user's."""
    wanted = (wanted or "").strip()
    if not wanted:
        return areas[0]
    area = next((a for a in areas if str(a.pk) == wanted), None)
    if area is not None:
        return area
    numeric = wanted.isascii() and wanted.isdigit() and len(wanted) <= 12
    existing = AreaPage.objects.filter(pk=int(wanted)).first() if numeric else None
    if existing is None:
        raise AreaRefused(404, f"Không có địa bàn “{wanted[:40]}”. Hãy chọn một địa bàn trong danh sách.")
    raise AreaRefused(403, f"Bạn không có quyền {action} của {existing.title}: địa bàn này không thuộc đơn vị của bạn.")


# --- The view ----------------------------------------------------------------------------------


class IndicatorsView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "indicators/dashboard.html"
    forbidden_template_name = "indicators/forbidden.html"
    page_title = TITLE
    header_icon = "tasks"
    output = "html"  # or "csv", "pdf"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [{"url": "", "label": TITLE}]

    def get(self, request, *args, **kwargs):

        self.areas = request_areas(request)
        if not self.areas:
            return self.forbidden(NO_AREAS)
        self.now = timezone.now()
        self.today = periods.local_date(self.now)
        self.area = self.areas[0]
        self.period = None
        self.report = None

        try:
            self.area = chosen_area(self.areas, request.GET.get(AREA_PARAM, ""))
        except AreaRefused as refused:
            return self.problem(refused.status, refused.message)

        text = request.GET.get(PERIOD_PARAM, "").strip()
        try:
            self.period = periods.Period.parse(text) if text else periods.Period.current_month(self.today)
            as_of_moment(self.period, self.now)
        except (ValueError, PeriodError) as exc:
            self.period = None
            return self.problem(400, str(exc))

        self.report = compute(self.area, self.period, now=self.now)
        if self.output == "csv":
            return self.csv_response()
        self.numbered = numbered(self.area, self.period, report=self.report)
        if self.output == "numbered_csv":
            return self.numbered_csv_response()
        if self.output == "pdf":
            return self.pdf_response()
        return super().get(request, *args, **kwargs)

    def forbidden(self, message):
        context = {
            "page_title": TITLE,
            "header_title": TITLE,
            "header_icon": self.header_icon,
            "message": message,
            "breadcrumbs_items": self.get_breadcrumbs_items(),
            "header_buttons": [],
        }
        return TemplateResponse(self.request, self.forbidden_template_name, context, status=403)

    def problem(self, status, message):
        """The page with its choosers and the message, no figures, with a 4xx status."""
        self.error = message
        return self.render_to_response(self.get_context_data(), status=status)

    # Downloads

    def csv_response(self):
        buffer = io.StringIO(newline="")
        presentation.write_csv(buffer, self.report)
        response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{presentation.filename(self.report, "csv")}"'
        return response

    def numbered_csv_response(self):
        buffer = io.StringIO(newline="")
        presentation.write_numbered_csv(buffer, self.numbered)
        response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
        filename = presentation.numbered_filename(self.report, "csv")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response

    def pdf_response(self):
        pdf = presentation.render_pdf(self.report, issued_on=self.today, result=self.numbered)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{presentation.filename(self.report, "pdf")}"'
        response["X-Robots-Tag"] = "noindex"
        return response

    def _url(self, name):
        params = {AREA_PARAM: self.area.pk, PERIOD_PARAM: self.period.key if self.period else ""}
        return f"{reverse(name)}?{urlencode(params)}"

    # Page

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "areas": self.areas,
                "area": self.area,
                "period": self.period,
                "period_groups": period_choices(self.today, self.period),
                "area_param": AREA_PARAM,
                "period_param": PERIOD_PARAM,
                "form_action": reverse(URL_NAME),
                "error": getattr(self, "error", ""),
                "report": self.report,
            }
        )
        if self.report is not None:
            context.update(presentation.context(self.report, self.numbered))
            context["csv_url"] = self._url(CSV_URL_NAME)
            context["numbered_csv_url"] = self._url(NUMBERED_CSV_URL_NAME)
            context["targets_url"] = reverse("indicator_targets:index")
            context["centres_url"] = reverse("communication_centres:index")
            context["pdf_url"] = self._url(PDF_URL_NAME)
            context["signing_url"] = f"{reverse(SIGNING_URL_NAME)}?{urlencode({AREA_PARAM: self.area.pk})}"
        return context


# --- Who signs the report, to whom it goes --------------------------------------------------------

SYMBOL_RE = re.compile(r"^[0-9A-Za-zĐđ]+(-[0-9A-Za-zĐđ]+)*$")


class SigningForm(forms.ModelForm):
    class Meta:
        model = ReportSigning
        fields = ["symbol", "authority", "delegation", "signer_title", "signer_name", "recipients"]
        widgets = {"recipients": forms.Textarea(attrs={"rows": 6})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["symbol"].error_messages["required"] = "Vui lòng nhập ký hiệu văn bản, ví dụ BC-UBND."
        self.fields["signer_title"].error_messages["required"] = "Vui lòng nhập chức vụ người ký, ví dụ PHÓ CHỦ TỊCH."
        for field in self.fields.values():
            if getattr(field, "max_length", None):
                field.error_messages["max_length"] = (
                    f"{field.label[:1].upper()}{field.label[1:]} quá dài (tối đa %(limit_value)d ký tự)."
                )

    def clean_symbol(self):
        symbol = self.cleaned_data["symbol"].strip().lstrip("/")
        if not SYMBOL_RE.match(symbol):
            raise forms.ValidationError("Ký hiệu gồm chữ và số nối bằng dấu gạch ngang, ví dụ BC-UBND hoặc BC-VHTT.")
        return symbol

    def clean(self):
        data = super().clean()
        for name in ("authority", "delegation", "signer_title", "signer_name"):
            if name in data:
                data[name] = " ".join(data[name].split())
        return data


class SigningView(WagtailAdminTemplateMixin, TemplateView):
    """The signature block and the recipients of an area's report, for the staff who see its
    indicators (the same areas, the same 403 and 404)."""

    template_name = "indicators/signing.html"
    page_title = "Người ký, nơi nhận của báo cáo"
    header_icon = "edit"

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(URL_NAME), "label": TITLE},
            {"url": "", "label": self.page_title},
        ]

    def dispatch(self, request, *args, **kwargs):
        self.request = request
        self.areas = request_areas(request)
        if not self.areas:
            return self.refuse(403, NO_AREAS)
        try:
            self.area = chosen_area(self.areas, request.GET.get(AREA_PARAM, ""), "sửa người ký, nơi nhận")
        except AreaRefused as refused:
            return self.refuse(refused.status, refused.message)
        self.instance = ReportSigning.for_area(self.area)
        return super().dispatch(request, *args, **kwargs)

    def refuse(self, status, message):
        context = {
            "page_title": self.page_title,
            "header_title": self.page_title,
            "header_icon": self.header_icon,
            "message": message,
            "breadcrumbs_items": self.get_breadcrumbs_items(),
            "header_buttons": [],
        }
        return TemplateResponse(self.request, "indicators/forbidden.html", context, status=status)

    def get_page_subtitle(self):
        return self.area.title

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=SigningForm(instance=self.instance)))

    def post(self, request, *args, **kwargs):
        form = SigningForm(request.POST, instance=self.instance)
        if not form.is_valid():
            messages.error(request, "Chưa lưu được: vui lòng sửa các lỗi được đánh dấu bên dưới.")
            return self.render_to_response(self.get_context_data(form=form), status=400)
        values = {name: form.cleaned_data[name] for name in SigningForm.Meta.fields}
        ReportSigning.objects.update_or_create(
            area=self.area, defaults={**values, "updated_at": timezone.now(), "updated_by": request.user}
        )
        messages.success(request, f"Đã lưu người ký, nơi nhận báo cáo của {self.area.title}.")
        return HttpResponseRedirect(f"{reverse(URL_NAME)}?{urlencode({AREA_PARAM: self.area.pk})}")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update({"area": self.area, "areas": self.areas, "area_param": AREA_PARAM, "signing": self.instance})
        return context

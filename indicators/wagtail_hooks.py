"""Admin hooks of the indicators: the dashboard's URLs (with the report's signature and recipients)
and its item in the Reports menu."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from indicators.views import (
    CSV_URL_NAME,
    PDF_URL_NAME,
    SIGNING_URL_NAME,
    TITLE,
    URL_NAME,
    IndicatorsView,
    SigningView,
    request_areas,
)


class IndicatorsMenuItem(MenuItem):
    """Shown to superusers and to the staff of a province or district."""

    def is_shown(self, request):
        return bool(request_areas(request))


@hooks.register("register_admin_urls")
def register_indicator_urls():
    return [
        path("chi-tieu-thong-tin-co-so/", IndicatorsView.as_view(), name=URL_NAME),
        path("chi-tieu-thong-tin-co-so/csv/", IndicatorsView.as_view(output="csv"), name=CSV_URL_NAME),
        path("chi-tieu-thong-tin-co-so/pdf/", IndicatorsView.as_view(output="pdf"), name=PDF_URL_NAME),
        path("chi-tieu-thong-tin-co-so/nguoi-ky/", SigningView.as_view(), name=SIGNING_URL_NAME),
    ]


@hooks.register("register_reports_menu_item")
def register_indicators_menu_item():
    return IndicatorsMenuItem(TITLE, reverse(URL_NAME), name="indicators", icon_name="tasks", order=670)

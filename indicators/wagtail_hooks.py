"""Admin hooks of the indicators: the dashboard's URLs (with the report's signature and recipients)
and its item in the Reports menu."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from indicators.views import (
    CSV_URL_NAME,
    NUMBERED_CSV_URL_NAME,
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
        path(
            "chi-tieu-thong-tin-co-so/csv-chi-tieu-bo/",
            IndicatorsView.as_view(output="numbered_csv"),
            name=NUMBERED_CSV_URL_NAME,
        ),
        path("chi-tieu-thong-tin-co-so/pdf/", IndicatorsView.as_view(output="pdf"), name=PDF_URL_NAME),
        path("chi-tieu-thong-tin-co-so/nguoi-ky/", SigningView.as_view(), name=SIGNING_URL_NAME),
    ]


@hooks.register("register_reports_menu_item")
def register_indicators_menu_item():
    return IndicatorsMenuItem(TITLE, reverse(URL_NAME), name="indicators", icon_name="tasks", order=670)


# --- The ministry's indicators: targets and the district communication centres ---------------------

from wagtail.permissions import register_permission_policy  # noqa: E402

from areas.scoping import UnitScopedPolicy  # noqa: E402
from indicators.admin_views import CentreViewSet, TargetPolicy, TargetViewSet  # noqa: E402
from indicators.models import CommunicationCentre, IndicatorTarget  # noqa: E402

register_permission_policy(IndicatorTarget, TargetPolicy())
register_permission_policy(CommunicationCentre, UnitScopedPolicy(CommunicationCentre))
target_viewset = TargetViewSet()
centre_viewset = CentreViewSet()


@hooks.register("register_admin_viewset")
def register_indicator_viewsets():
    return [target_viewset, centre_viewset]


@hooks.register("register_reports_menu_item")
def register_targets_menu_item():
    return IndicatorsMenuItem(
        "Chỉ tiêu kế hoạch",
        reverse(target_viewset.get_url_name("index")),
        name="indicator-targets",
        icon_name="tasks",
        order=671,
    )


@hooks.register("register_reports_menu_item")
def register_centres_menu_item():
    return IndicatorsMenuItem(
        "Trung tâm truyền thông cấp huyện",
        reverse(centre_viewset.get_url_name("index")),
        name="communication-centres",
        icon_name="group",
        order=672,
    )

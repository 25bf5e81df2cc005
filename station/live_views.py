"""“Phát trực tiếp” (/admin/dai-truyen-thanh/phat-truc-tiep/): an official speaks into the
browser's microphone and the chosen clusters air it within seconds (station/live.py, the
ingest in station/ingest.py, the page's script station/static/station/js/live.js).

    GET  …/phat-truc-tiep/      the page: the user's clusters by unit, the priority, the button
    POST …/phat-truc-tiep/ve/   clusters + priority → {"ticket", "ingest_url"} (60 s, used once),
                                or {"error": {"code", "message"}} with 400/403/404

Registered in station/wagtail_hooks.py."""

from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from areas.scoping import UnitStaffView
from boards import channel
from station import live
from station.log_views import URL_NAME as LOG_URL

URL_NAME = "station_live"
TICKET_URL_NAME = "station_live_ticket"
TITLE = "Phát trực tiếp"


class LiveView(UnitStaffView, WagtailAdminTemplateMixin, TemplateView):  # staff of no unit: 403
    template_name = "station/live.html"
    page_title = TITLE
    header_icon = "media"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groups = []
        for board in live.my_clusters(self.request.user):
            if not groups or groups[-1]["owner"].pk != board.owner_id:
                groups.append({"owner": board.owner, "clusters": []})
            board.online = board.channel_state == "online"
            groups[-1]["clusters"].append(board)
        context.update(
            {
                "groups": groups,
                "count": sum(len(g["clusters"]) for g in groups),
                "priorities": list(live.PRIORITIES.items()),
                "channel_enabled": channel.enabled(),
                "ticket_url": reverse(TICKET_URL_NAME),
                "log_url": reverse(LOG_URL),
            }
        )
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        # The page's script opens a WebSocket to the ingest, on another port or host: the admin's
        # Content-Security-Policy (core/security.py) lets this page, and only it, connect there
        # (django-csp adds `_csp_update` to the policy, as its csp_update decorator does).
        response._csp_update = {"connect-src": [live.ingest_url(self.request)]}
        return response


@require_POST
def ticket_view(request):
    """A ticket for the clusters and priority chosen: the ingest checks it and the rights again."""
    try:
        plan = live.check(request.user, request.POST.getlist("clusters"), request.POST.get("priority", "normal"))
    except live.LiveRefused as exc:
        return JsonResponse({"error": {"code": exc.code, "message": exc.message}}, status=exc.status)
    return JsonResponse(
        {
            "ticket": live.issue_ticket(request.user, plan),
            "ingest_url": live.ingest_url(request),
            "unit": plan.unit.title,
            "clusters": [{"id": board.pk, "name": board.name, "unit": board.owner.title} for board in plan.clusters],
        }
    )

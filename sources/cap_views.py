"""Public CAP 1.2 endpoints: one alert as CAP XML, and an Atom feed of an area's alerts in force
(the common way CAP is published: each entry links to its message)."""

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from sources import cap
from sources.models import EmergencyAlertPage


def alert_cap_response(request, page):
    # A test or exercise reaches here only for its editors (TargetedPage.serve): its own status goes out with it.
    if not page.live:
        raise Http404
    response = HttpResponse(cap.to_xml(cap.alert_from_page(page)), content_type=cap.CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{page.slug}.cap.xml"'
    return response


def alerts_atom_response(request, section):

    alerts = (
        EmergencyAlertPage.objects.descendant_of(section).for_public().valid_at(timezone.now()).order_by("-valid_from")
    )
    feed = Atom1Feed(
        title=f"Cảnh báo khẩn cấp · {section.get_parent().title}",
        link=section.get_full_url(request),
        description="Cảnh báo khẩn cấp đang có hiệu lực (CAP 1.2)",
        language="vi",
        feed_url=request.build_absolute_uri(),
    )
    for alert in alerts:
        url = alert.get_full_url(request)
        feed.add_item(
            title=alert.title,
            link=url + "cap/",
            description=alert.summary,
            unique_id=alert.cap_identifier,
            updateddate=alert.last_published_at or alert.valid_from,
            pubdate=alert.valid_from,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    return response

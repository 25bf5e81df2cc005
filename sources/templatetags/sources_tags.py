"""`{% emergency_banner %}`: the red banner of the emergency alerts in force for the request's
site, on top of every public page (themes/*/templates/base.html). Empty when there are none."""

from django import template

from areas.models import CommuneHomePage, PortalHomePage
from sources.models import active_alerts_for

register = template.Library()


def alerts_for_home(home):
    """Emergency alerts in force for a site whose root is `home`."""
    if isinstance(home, CommuneHomePage):
        return active_alerts_for(home)
    if isinstance(home, PortalHomePage):
        return active_alerts_for(home.area)
    return []


@register.inclusion_tag("sources/includes/emergency_banner.html", takes_context=True)
def emergency_banner(context):
    chrome = context.get("chrome")
    return {"alerts": alerts_for_home(chrome.home) if chrome is not None else []}

"""What every public page's header and footer needs, computed once per request and only
when a template asks for it."""

from django.utils.functional import SimpleLazyObject
from wagtail.models import Site

from areas.models import AreaPage, CommuneHomePage, PortalHomePage, SiteIdentity


class SiteChrome:
    def __init__(self, request):

        self.site = Site.find_for_request(request)
        self.home = self.site.root_page.specific if self.site else None
        self.identity = SiteIdentity.for_site(self.site) if self.site else None
        self.name = (
            self.identity.display_name
            if self.identity and self.identity.display_name
            else (self.home.title if self.home else "")
        )
        self.theme = self.identity.theme if self.identity else "default"
        self.sections = list(self.home.get_children().live().in_menu()) if self.home else []
        self.up_links = []
        if isinstance(self.home, (CommuneHomePage, PortalHomePage)):
            area = self.home.get_parent().specific
            # A commune links up to its district's (or, in 2025, province's) portal; a district
            # portal links up to the province portal.
            start = area if isinstance(self.home, CommuneHomePage) else area.get_parent().specific
            for ancestor in [start, *start.get_ancestors().specific().reverse()]:
                if isinstance(ancestor, AreaPage) and ancestor.portal and ancestor.portal.pk != self.home.pk:
                    self.up_links.append(ancestor.portal)
        self.is_commune = isinstance(self.home, CommuneHomePage)
        agency_default = ""
        if self.home is not None and hasattr(self.home, "name_in_sentence"):
            agency_default = f"Uỷ ban nhân dân {self.home.name_in_sentence}"
        elif isinstance(self.home, PortalHomePage):
            agency_default = f"Uỷ ban nhân dân {self.home.area.name_in_sentence}"
        self.agency = self.identity.agency if self.identity and self.identity.agency else agency_default


def site_chrome(request):
    return {"chrome": SimpleLazyObject(lambda: _chrome(request))}


def _chrome(request):
    chrome = getattr(request, "_tincoso_chrome", None)
    if chrome is None:
        chrome = request._tincoso_chrome = SiteChrome(request)
    return chrome

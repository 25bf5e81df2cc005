"""Security headers of every response: the Content-Security-Policy (through django-csp) and the
Permissions-Policy, one pair for the public sites and one for the admin (docs/architecture.md,
"Security headers").

The two policies are settings (site/tincoso/settings.py, "Security"): CONTENT_SECURITY_POLICY is
django-csp's own and serves the public sites, the Player API and everything outside the admin;
CONTENT_SECURITY_POLICY_ADMIN serves every path under the admin's prefix (/admin/).
PERMISSIONS_POLICY and PERMISSIONS_POLICY_ADMIN likewise. A page's preview keeps the public policy,
framed by the admin (frame-ancestors 'self').

The admin's img-src also allows the host of the map tiles (settings.MAP_TILE_URL, read at each
request: `tile_origin`), for the admin's maps (boards/map_views.py).

A view may still widen its own response's policy the way django-csp's decorators do, by setting
``response._csp_update = {"connect-src": [...]}`` (the live broadcast page adds the ingest's
WebSocket address, known only per request: station/live_views.py).
"""

from functools import cache
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings
from django.urls import reverse

PERMISSIONS_POLICY_HEADER = "Permissions-Policy"


@cache
def admin_prefix():
    return reverse("wagtailadmin_home")


def is_admin(request):
    return request.path_info.startswith(admin_prefix())


def permissions_policy(features):
    """{"camera": [], "microphone": ["self"]} → 'camera=(), microphone=(self)'."""
    return ", ".join(f"{name}=({' '.join(allow)})" for name, allow in features.items())


def tile_origin(url):
    """The origin of a map tile address template, as an img-src source: "https://tile.example.vn"
    for "https://tile.example.vn/{z}/{x}/{y}.png"; "https://*.tile.example.vn" when the host
    holds "{s}" (Leaflet's a/b/c subdomains). None for a path (tiles from the site itself)."""
    parts = urlsplit(url or "")
    if not parts.scheme or not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]
    if "{" in host:
        host = "*." + host.split(".", 1)[-1] if "." in host else "*"
    return f"{parts.scheme}://{host}"


class SecurityHeadersMiddleware(CSPMiddleware):
    """django-csp's middleware choosing the admin's policy for admin paths, and the
    Permissions-Policy header beside it. Place it right after SecurityMiddleware."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only or parts.config is not None:
            return parts
        if getattr(request, "is_preview", False):
            # Wagtail's preview runs the page's own request (its public path) through the
            # middleware, then frames it in the admin: the public policy, framed by the admin.
            return PolicyParts(
                None, parts.update, {**(parts.replace or {}), "frame-ancestors": ["'self'"]}, parts.nonce
            )
        if not is_admin(request):
            return parts
        admin = getattr(settings, "CONTENT_SECURITY_POLICY_ADMIN", None)
        if not admin:
            return parts
        directives = admin["DIRECTIVES"]
        tiles = tile_origin(getattr(settings, "MAP_TILE_URL", ""))
        if tiles and tiles not in directives.get("img-src", []):
            directives = {**directives, "img-src": [*directives.get("img-src", []), tiles]}
        return PolicyParts(default_config(directives), parts.update, parts.replace, parts.nonce)

    def process_response(self, request, response):
        response = super().process_response(request, response)
        setting = "PERMISSIONS_POLICY_ADMIN" if is_admin(request) else "PERMISSIONS_POLICY"
        features = getattr(settings, setting, None)
        if features and PERMISSIONS_POLICY_HEADER not in response:
            response[PERMISSIONS_POLICY_HEADER] = permissions_policy(features)
        return response

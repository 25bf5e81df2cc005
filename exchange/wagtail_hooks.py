"""Wagtail hooks of exchange: the "Liên thông" menu (exchange/admin_views.py)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem
from wagtail.permissions import register_permission_policy

from exchange import admin_views
from exchange.models import Peer

# Before the viewset is registered (it would otherwise create a plain model-permission policy).
register_permission_policy(Peer, admin_views.PeerPolicy(Peer))
PEERS = admin_views.PeerViewSet()


class ExchangeItem(MenuItem):
    """Shown to superusers and to the staff of a province or district."""

    def is_shown(self, request):
        return admin_views.may_use(request.user)


class PeersItem(MenuItem):
    """Shown to superusers and to the moderators of a province or district (pairing)."""

    def is_shown(self, request):
        return admin_views.may_pair(request.user)


@hooks.register("register_admin_viewset")
def register_peer_viewset():
    return PEERS


@hooks.register("register_admin_urls")
def register_exchange_urls():
    return admin_views.admin_urls()


@hooks.register("register_admin_menu_item")
def register_exchange_menu():
    return SubmenuMenuItem(
        _("Liên thông"),
        Menu(
            items=[
                PeersItem(_("Hệ thống liên thông"), reverse(PEERS.get_url_name("index")), icon_name="link", order=100),
                ExchangeItem(_("Bản tin gửi đi"), reverse(admin_views.OUTBOX_URL), icon_name="mail", order=200),
                ExchangeItem(_("Nhật ký nhận"), reverse(admin_views.INBOX_URL), icon_name="list-ul", order=300),
                ExchangeItem(
                    _("Số liệu nhận từ các tỉnh"), reverse(admin_views.REPORTS_URL), icon_name="table", order=400
                ),
            ]
        ),
        icon_name="link",
        name="lien-thong",
        order=270,
    )

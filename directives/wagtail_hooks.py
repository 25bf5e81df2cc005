"""The "Văn bản chỉ đạo" menu and URLs (directives/views.py): "Đã gửi" for the staff of a province
or district, "Văn bản đến" with the number not yet answered for a commune's or department's staff."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import Menu, MenuItem, SubmenuMenuItem

from directives import access, views


class SenderItem(MenuItem):
    def is_shown(self, request):
        return access.may_send(request.user)


class InboxItem(MenuItem):
    """ "Văn bản đến (3)": the count of directives not yet answered, as a badge in the label."""

    def is_shown(self, request):
        return access.may_receive(request.user)

    def render_component(self, request):
        component = super().render_component(request)
        waiting = access.unanswered_count(request.user)
        if waiting:
            component.label = f"{self.label} ({waiting})"
        return component


class DirectivesMenu(SubmenuMenuItem):
    def is_shown(self, request):
        return access.may_send(request.user) or access.may_receive(request.user)


@hooks.register("register_admin_urls")
def register_urls():
    prefix = "van-ban-chi-dao/"
    return [
        path(prefix + "da-gui/", views.SentView.as_view(), name=views.SENT_URL),
        path(prefix + "soan/", views.ComposeView.as_view(), name=views.COMPOSE_URL),
        path(prefix + "<int:pk>/", views.DetailView.as_view(), name=views.DETAIL_URL),
        path(prefix + "<int:pk>/sua/", views.ComposeView.as_view(), name=views.EDIT_URL),
        path(prefix + "<int:pk>/tong-hop/", views.AggregateView.as_view(), name=views.AGGREGATE_URL),
        path(prefix + "<int:pk>/nhac/", views.RemindView.as_view(), name=views.REMIND_URL),
        path(prefix + "<int:pk>/gia-han/", views.ExtendView.as_view(), name=views.EXTEND_URL),
        path(prefix + "<int:pk>/xoa/", views.DeleteView.as_view(), name=views.DELETE_URL),
        path(prefix + "tep/<int:pk>/", views.directive_file, name=views.FILE_URL),
        path(prefix + "den/", views.InboxView.as_view(), name=views.INBOX_URL),
        path(prefix + "den/<int:pk>/", views.ReceivedView.as_view(), name=views.RECEIVED_URL),
        path(prefix + "den/tep/<int:pk>/", views.answer_file, name=views.ANSWER_FILE_URL),
    ]


@hooks.register("register_admin_menu_item")
def register_menu():
    return DirectivesMenu(
        views.MENU_TITLE,
        Menu(
            items=[
                SenderItem(
                    views.SENT_TITLE, reverse(views.SENT_URL), name="van-ban-da-gui", icon_name="upload", order=1
                ),
                SenderItem("Soạn văn bản", reverse(views.COMPOSE_URL), name="van-ban-soan", icon_name="edit", order=2),
                InboxItem(views.INBOX_TITLE, reverse(views.INBOX_URL), name="van-ban-den", icon_name="mail", order=3),
            ]
        ),
        name="van-ban-chi-dao",
        icon_name="mail",
        order=640,
    )

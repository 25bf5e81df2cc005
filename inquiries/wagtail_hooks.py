"""Wagtail hooks of the questions and feedback: the "Hỏi đáp, phản ánh" queue (a ViewSet with
its own permission policy), its log actions and dashboard panel, its figures (inquiries/report.py
registers its own URL and Reports menu item), and the communes' "Hỏi đáp" section."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.rich_text import get_text_for_indexing

from areas.provisioning import COMMUNE, EDITORS, MODERATORS, Section
from inquiries import admin_views, report  # noqa: F401  (report registers its URL and menu item)
from inquiries.models import Inquiry, QuestionIndexPage

# Before the viewset is registered (it would otherwise create a plain model-permission policy).
register_permission_policy(Inquiry, admin_views.policy)


@hooks.register("register_admin_viewset")
def register_inquiry_viewset():
    return admin_views.InquiryViewSet()


@hooks.register("register_log_actions")
def register_inquiry_log_actions(actions):
    admin_views.register_log_actions(actions)


@hooks.register("construct_homepage_panels")
def add_inquiry_dashboard_panel(request, panels):
    panels.append(admin_views.InquiryDashboardPanel())


@hooks.register("register_site_sections")
def question_sections():
    return [Section(QuestionIndexPage, "hoi-dap", "Hỏi đáp", order=60, on=(COMMUNE,))]


@hooks.register("register_unit_permissions")
def queue_permissions():
    # The "Hỏi đáp, phản ánh" queue; which questions a user sees and handles follows their units.
    editors = [("inquiries", "view_inquiry"), ("inquiries", "change_inquiry")]
    return {EDITORS: editors, MODERATORS: editors + [("inquiries", "delete_inquiry")]}


@hooks.register("register_search_kinds")
def question_search_kind():
    # The site search (search/engine.py, beside this app) finds published answers as "Hỏi đáp".
    def extract(page):
        return {
            "title": page.title,
            "date": page.answered_on,
            "body": f"{page.question}\n{get_text_for_indexing(page.answer or '')}",
            "issuer": page.answered_by_unit,
            "subtype": page.kind,  # "phan_anh": what the type word "phản ánh" prefers
        }

    return [("question", "Hỏi đáp", ["inquiries.AnsweredQuestionPage"], extract)]


@hooks.register("register_unit_permissions")
def record_permissions():
    # "Thêm câu hỏi/phản ánh": staff record a question received by phone, in person or by letter,
    # for the communes of their units (inquiries/admin_views.py InquiryPermissionPolicy).
    add = [("inquiries", "add_inquiry")]
    return {EDITORS: add, MODERATORS: add}

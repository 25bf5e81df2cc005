"""`{% listen_button page %}`: the "Nghe thông báo" player of a page (boards/listen.py)."""

from django import template

from boards.listen import listen_context

register = template.Library()


@register.inclusion_tag("cms_pages/includes/listen.html", takes_context=True)
def listen_button(context, page):

    return listen_context(context.get("request"), page)

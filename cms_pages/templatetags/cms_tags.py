from django import template

register = template.Library()


@register.filter
def within(page, section):
    """True if page sits inside section (not the section itself)."""
    return bool(page and section) and page.path.startswith(section.path) and page.pk != section.pk


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters changed (for pagination and filters)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"

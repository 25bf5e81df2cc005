"""Template filters of the boards' admin pages."""

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime

register = template.Library()


@register.filter
def local_moment(value):
    """A playlist item's ISO time ("2027-01-04T14:37:00+07:00") as "14:37 04/01/2027", local time."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return value
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")

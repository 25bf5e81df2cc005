"""Template tags of the admin's own templates (core/templates/wagtailadmin/, wagtailusers/):
the installation's name for the branding, and Vietnamese labels for permissions, whose names
Django stores in English when it creates them ("Can add group")."""

from django import template
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext
from wagtail.models import PAGE_PERMISSION_TYPES, Page

register = template.Library()

ACTIONS = {"add": "Thêm", "change": "Sửa", "delete": "Xoá", "view": "Xem"}
PAGE_ACTIONS = {identifier: long_label for identifier, _short, long_label in PAGE_PERMISSION_TYPES}


@register.simple_tag
def admin_site_name():
    return settings.WAGTAIL_SITE_NAME


@register.filter
def permission_label(permission):
    """'Can add group' → 'Thêm nhóm'; a page permission by Wagtail's own description; any other
    through the catalogue (Wagtail's custom permissions are in it)."""
    model = ContentType.objects.get_for_id(permission.content_type_id).model_class()
    if model is not None:
        name = model._meta.model_name
        action = permission.codename.removesuffix("_" + name)
        if issubclass(model, Page) and action in PAGE_ACTIONS:
            return str(PAGE_ACTIONS[action])
        if action in ACTIONS and permission.codename == f"{action}_{name}":
            return f"{ACTIONS[action]} {model._meta.verbose_name}"
    return gettext(permission.name)


@register.filter
def with_translated_label(text, label):
    """A column's sort title ("Sắp xếp theo 'Port' tăng dần.") with the label itself translated,
    for the columns Wagtail labels with a bare field name (column_header.html)."""
    if not text:
        return text
    translated = gettext(str(label))
    return text.replace(str(label), translated) if translated != str(label) else text

"""Choosing among a province's units in the admin: checkboxes (or radio buttons) grouped under
the district they belong to, with a search box that folds like the site search.

A province's source item offers 104 communes, 117 boards and 104 board groups; a plain list is
a column 4,000 px tall. GroupedCheckboxSelectMultiple puts a heading per district (the unit's
parent area: a commune's district; a board's or board group's owner's district, or the owner
itself when it is a district or the province), "Chọn tất cả huyện này" / "Bỏ chọn" per
heading, a count of what is chosen, and columns on wide screens. Typing in the search box
("an truong") hides what does not match, folded as core.text.fold does (no marks needed,
đ = d); the buttons then act on what is shown. Without JavaScript it is still a plain list of
checkboxes, grouped. GroupedRadioSelect does the same for one choice (no buttons).

The script and the style are static files (areas/static/areas/) in the widget's Media.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from areas.models import AreaPage, UnitType
from core.text import fold_key, name_key

# Fewer options than this: no search box (a short list is read at a glance).
SEARCH_FROM = 13


def _prefixes(path, steplen, inclusive):
    end = len(path) if inclusive else len(path) - steplen
    return [path[:stop] for stop in range(steplen, end + 1, steplen)]


def area_headings(paths, inclusive=False):
    """{path: the deepest AreaPage above it (or at it, when `inclusive`) or None}, in one query.

    A commune's heading is its district (2024) or province (2025); with `inclusive`, a district's
    own path gives the district (a board it owns), a commune's still its district."""

    steplen = AreaPage.steplen
    wanted = {prefix for path in paths for prefix in _prefixes(path, steplen, inclusive)}
    areas = {
        area.path: area
        for area in AreaPage.objects.filter(path__in=wanted).only("path", "depth", "title", "short_name", "unit_type")
    }
    found = {}
    for path in paths:
        found[path] = next(
            (areas[p] for p in reversed(_prefixes(path, steplen, inclusive)) if p in areas),
            None,
        )
    return found


class GroupedChoicesMixin:
    """Regroups a ModelChoiceField's options under their unit's area (see the module's doc).

    owner: the name of the foreign key to the unit page a row belongs to (a board's "owner");
    None when the rows are unit pages themselves (communes, areas)."""

    template_name = "areas/widgets/grouped_choices.html"

    class Media:
        js = ["areas/js/grouped-choices.js"]
        css = {"all": ["areas/css/grouped-choices.css"]}

    def __init__(self, attrs=None, choices=(), *, owner=None):
        super().__init__(attrs, choices)
        self.owner = owner

    def _unit_paths(self, instances):
        """{instance pk: the tree path of its unit}."""
        if self.owner is None:
            return {obj.pk: obj.path for obj in instances}
        owner_ids = {getattr(obj, f"{self.owner}_id") for obj in instances}
        paths = dict(Page.objects.filter(pk__in=owner_ids).values_list("pk", "path"))
        return {obj.pk: paths.get(getattr(obj, f"{self.owner}_id"), "") for obj in instances}

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        options = [
            option for _group, group_options, _index in context["widget"]["optgroups"] for option in group_options
        ]
        instances = [getattr(option["value"], "instance", None) for option in options]
        paths = self._unit_paths([obj for obj in instances if obj is not None])
        headings = area_headings(set(paths.values()) - {""}, inclusive=self.owner is not None)

        groups = {}
        for option, obj in zip(options, instances, strict=True):
            area = headings.get(paths.get(obj.pk, "")) if obj is not None else None
            key = area.path if area is not None else ""
            group = groups.get(key)
            if group is None:
                group = groups[key] = {
                    "area": area,
                    "heading": area.title if area is not None else "",
                    "unit_word": UnitType(area.unit_type).label.lower() if area is not None else "",
                    "search": fold_key(area.title) if area is not None else "",
                    "options": [],
                }
            option["search"] = fold_key(str(option["label"]))
            option["sort_key"] = name_key(getattr(obj, "short_name", "") or str(option["label"]))
            group["options"].append(option)
        ordered = sorted(
            groups.values(),
            key=lambda g: (
                g["area"] is not None,
                g["area"].depth if g["area"] else 0,
                name_key(g["area"].short_name) if g["area"] else [],
                g["heading"],
            ),
        )
        for group in ordered:
            # By name within a heading, as the portal lists its communes ("An Trường" before
            # "An Trường A"); units by their name without the type word.
            group["options"].sort(key=lambda option: option["sort_key"])
            group["chosen"] = sum(1 for option in group["options"] if option["selected"])
        context["widget"].update(
            {
                "groups": ordered,
                "total": len(options),
                "chosen": sum(1 for option in options if option["selected"]),
                "searchable": len(options) >= SEARCH_FROM,
                "multiple": self.allow_multiple_selected,
                "search_label": _("Tìm theo tên (gõ không dấu cũng được)"),
            }
        )
        return context


class GroupedCheckboxSelectMultiple(GroupedChoicesMixin, forms.CheckboxSelectMultiple):
    pass


class GroupedRadioSelect(GroupedChoicesMixin, forms.RadioSelect):
    pass

"""Subtree queries that use the index on every database.

Wagtail selects a page's descendants with `path LIKE 'prefix%'`. SQLite never uses an index
for LIKE, and PostgreSQL only with the C collation, so on a province with tens of thousands
of pages each "news of this commune" or "portal of this district" query scans the whole
page table. treebeard's paths are fixed-width base-36 steps, so the same set is the range
[path, next sibling's path), which a B-tree index answers directly under any collation that
orders digits before letters.
"""

from django.db.models import Q
from wagtail.query import TreeQuerySet

_wagtail_descendant_of_q = None


def next_path(path, alphabet):
    """The smallest path of the same length that is greater than every descendant of path:
    '0001' → '0002', '000Z' → '0010'. None when there is none ('ZZZZ')."""
    chars = list(path)
    for i in range(len(chars) - 1, -1, -1):
        position = alphabet.index(chars[i])
        if position + 1 < len(alphabet):
            chars[i] = alphabet[position + 1]
            return "".join(chars)
        chars[i] = alphabet[0]
    return None


def descendant_of_q(self, other, inclusive=False):
    upper = next_path(other.path, self.model.alphabet)
    if upper is None:
        return _wagtail_descendant_of_q(self, other, inclusive)
    q = Q(path__gte=other.path) & Q(path__lt=upper) & Q(depth__gte=other.depth)
    if not inclusive:
        q &= ~Q(pk=other.pk)
    return q


def install():
    """Replace TreeQuerySet.descendant_of_q (child_of_q builds on it); from AppConfig.ready()."""
    global _wagtail_descendant_of_q

    if _wagtail_descendant_of_q is None:
        _wagtail_descendant_of_q = TreeQuerySet.descendant_of_q
        TreeQuerySet.descendant_of_q = descendant_of_q

"""Subtree queries by path range select exactly what Wagtail's LIKE selects."""

import pytest
from wagtail.models import Page

from core import tree_queries

ALPHABET = Page.alphabet


def test_next_path():
    assert tree_queries.next_path("0001", ALPHABET) == "0002"
    assert tree_queries.next_path("000Z", ALPHABET) == "0010"
    assert tree_queries.next_path("00010009", ALPHABET) == "0001000A"
    assert tree_queries.next_path("ZZZZ", ALPHABET) is None


@pytest.mark.django_db
def test_descendants_and_children_match_wagtail_for_every_page():
    original = tree_queries._wagtail_descendant_of_q
    pages = list(Page.objects.all())
    ids = {}
    for page in pages:
        qs = Page.objects.all()
        ours = set(qs.descendant_of(page).values_list("pk", flat=True))
        stock = set(qs.filter(original(qs, page)).values_list("pk", flat=True))
        assert ours == stock, page.url_path
        assert set(qs.descendant_of(page, inclusive=True).values_list("pk", flat=True)) == stock | {page.pk}
        ids[page.pk] = ours
    # Sanity: the province holds everything but the root; a commune holds its five sections.
    province = Page.objects.get(depth=2)
    assert len(ids[province.pk]) == len(pages) - 2


@pytest.mark.django_db
def test_range_query_uses_no_like(commune):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        list(Page.objects.child_of(commune))
    assert "LIKE" not in queries[0]["sql"].upper()

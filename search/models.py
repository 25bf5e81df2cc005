"""The site search index: one row per live searchable page (search/engine.py fills and
queries it), and where else a page appears (SearchPlacement).

Every text the database matches on is stored already folded in Python (`fold_key`, then cut
into `[a-z0-9]+` words), so SQLite and PostgreSQL see the same words and give the same
matches. The full-text indexes over those columns are created by migration 0002_fulltext outside the
ORM: on SQLite an FTS5 table `search_searchentry_fts` (external content, kept in step by
triggers); on PostgreSQL generated `tsvector` columns (`search_vector`, `title_vector`,
`exact_vector`) through the `tincoso_vi` text-search configuration, each with a GIN index.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchEntry(models.Model):
    page = models.OneToOneField("wagtailcore.Page", primary_key=True, on_delete=models.CASCADE, related_name="+")
    # Copy of the page's treebeard path: scopes are path ranges (see core/tree_queries.py).
    path = models.CharField(max_length=255, db_index=True)
    # The commune or portal home the page belongs to, and its title at indexing time.
    home = models.ForeignKey("wagtailcore.Page", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source_title = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=20, db_index=True)  # a key of search.engine.kinds()
    # Within the kind: a document's doc_type ("ke_hoach"), an answered question's kind
    # ("phan_anh"); what a type word of the query prefers (search/vocabulary.py). Nullable so
    # that SQLite adds the column with ALTER TABLE instead of rebuilding the table, which would
    # drop the full-text triggers of migration 0002; so in the database it comes last, after
    # the long columns, and ranking reads it only when a type word asks for it.
    subtype = models.CharField(max_length=20, null=True, blank=True)
    date = models.DateField(db_index=True)
    year = models.PositiveSmallIntegerField(db_index=True)
    # Original text, for display and highlighting.
    title = models.CharField(max_length=255)
    number_symbol = models.CharField(max_length=60, blank=True)
    issuer = models.CharField(max_length=200, blank=True)
    # Folded words ("thong bao tiem chung"), the only columns the full-text indexes read.
    title_folded = models.TextField()
    number_key = models.TextField(blank=True)
    # The long columns last: SQLite reads a row's columns in order, and ranking reads only
    # the ones above.
    body = models.TextField(blank=True)
    body_folded = models.TextField(blank=True)  # issuer + summary + body
    # Words that carry marks, coded with their marks and tone ("bán" → "ban1", "Hoà"/"Hòa" →
    # "hoa2", "đông" → "d9o6ng"): what makes an exact match rank above a folded one.
    exact_terms = models.TextField(blank=True)
    indexed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("mục chỉ mục tìm kiếm")
        verbose_name_plural = _("chỉ mục tìm kiếm")
        # Covers what the candidate queries read for each match (the rows themselves are
        # wide): found by page id from the full-text match, sorted by date, filtered by scope.
        indexes = [models.Index(fields=["page", "date", "path", "kind", "year"], name="cms_search_cover")]

    def __str__(self):
        return self.title


class SearchPlacement(models.Model):
    """A site other than its own on which an indexed page appears, and for how long: an item
    a district or province pushes down appears on each targeted commune's site while it is
    valid, an emergency alert also on the portals of the areas it targets. A search scoped to
    that site (or to an area around it) finds the page during that window; the page's own site
    finds it by its path as any other page. Deleted with the entry (unpublished, withdrawn,
    deleted), rewritten when the page is published again."""

    entry = models.ForeignKey(SearchEntry, on_delete=models.CASCADE, related_name="placements")
    # The commune or portal home of the site, and a copy of its path (scopes are path ranges).
    home = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=255)
    starts = models.DateTimeField(null=True, blank=True)  # None: since it was published
    ends = models.DateTimeField(null=True, blank=True)  # None: until it is unpublished

    class Meta:
        verbose_name = _("nơi hiện của mục tìm kiếm")
        verbose_name_plural = _("nơi hiện của mục tìm kiếm")
        indexes = [models.Index(fields=["path", "entry"], name="search_placement_path")]
        constraints = [models.UniqueConstraint(fields=["entry", "home"], name="search_placement_unique")]

    def __str__(self):
        return f"{self.entry_id} → {self.path}"

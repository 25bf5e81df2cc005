"""Site search that understands Vietnamese: one commune, or a whole district or province.

    text       query and page text → folded words and exact codes (pure)
    indexing   a live page → its SearchEntry row; kept current from Wagtail's signals
    querying   parsed query + scope → ranked page ids (SQLite FTS5 or PostgreSQL tsvector)
    highlight  the matching passage of the original text, HTML-escaped, matches in <mark>
    views      /tim-kiem/ (HTML) and /api/search (JSON)

Both databases match on the same folded words (`fold_key`, then `[a-z0-9]+`), computed
here in Python, so they find the same pages. They never rank: each gives the most recent
matches of a few fixed kinds (anywhere, in the title, in the number and symbol, with the
query's marks), and the union is ranked here, identically on both:

    number and symbol match  >  exact (marked) match  >  phrase in the title  >  phrase
    anywhere  >  words in the title  >  words in the issuer  >  newer  >  higher page id

Every query word reaches the database as a quoted `[a-z0-9]+` word, so no user syntax
(quotes, `*`, `NEAR(`, `AND`/`OR`, `:`, `&`, `!`) ever reaches FTS5 or to_tsquery.
Beyond one database, the same SearchEntry rows can be shipped to OpenSearch (README).
"""

import datetime
import functools
import html
import logging
import re
import unicodedata
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.html import escape
from wagtail import hooks
from wagtail.models import Page, Site
from wagtail.rich_text import get_text_for_indexing

from areas.models import AreaPage, CommuneHomePage, PortalHomePage
from core.text import fold, fold_key
from core.tree_queries import next_path
from search.models import SearchEntry

MAX_QUERY_CHARS = 500
MAX_TOKENS = 12
MAX_BODY_TOKENS = 10_000  # also keeps every position under PostgreSQL's 16,383
MAX_BODY_CHARS = 100_000
MAX_HIGHLIGHT_CHARS = 20_000  # a passage is looked for in the first 20,000 characters
RECENT_CANDIDATES = 400  # most recent matches anywhere
FOCUSED_CANDIDATES = 200  # most recent matches in the title / with the query's marks / in the number
PER_PAGE = 10
API_MAX_PER_PAGE = 50

_WORD = re.compile(r"[a-z0-9]+")
# A word of original text: letters and digits with their combining marks (NFC or NFD).
_ORIGINAL_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")

# --- Text ------------------------------------------------------------------------------------

# Vietnamese tones (dấu thanh) and letter marks, coded as in VNI typing.
_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}
_LETTER_MARKS = {"\u0302": "6", "\u031b": "7", "\u0306": "8"}


def folded_words(text):
    """'Thông báo 35/KH-UBND' → ['thong', 'bao', '35', 'kh', 'ubnd']."""
    return _WORD.findall(fold_key(text))


@functools.lru_cache(maxsize=65536)
def exact_code(word):
    """The word with its marks, as a code independent of where the tone sits and of NFC/NFD:
    'bán' → 'ban1', 'Hòa' and 'Hoà' → 'hoa2', 'Thủy'/'Thuỷ' → 'thuy3', 'đông' → 'd9o6ng'.
    None for a word without marks (its folded form says everything) or one that does not
    fold to a single word."""
    folded = folded_words(word)
    if len(folded) != 1:
        return None
    out, tones = [], []
    for ch in unicodedata.normalize("NFD", word.casefold()):
        if ch in _TONES:
            tones.append(_TONES[ch])
        elif ch in _LETTER_MARKS:
            out.append(_LETTER_MARKS[ch])
        elif ch == "đ":
            out.append("d9")
        elif unicodedata.category(ch) == "Mn":
            continue
        else:
            out.append(ch)
    code = "".join(out) + "".join(sorted(set(tones)))
    if not _WORD.fullmatch(code) or code == folded[0]:
        return None
    return code


def exact_terms(text):
    """The distinct exact codes of the marked words of text, in order of appearance."""
    seen = {}
    for word in _ORIGINAL_WORD.findall(unicodedata.normalize("NFC", text)):
        code = exact_code(word)
        if code:
            seen.setdefault(code, None)
    return " ".join(seen)


def clean_text(text):
    """NFC, control and invisible characters to spaces."""
    return _CONTROL.sub(" ", unicodedata.normalize("NFC", text or ""))


# --- Queries ---------------------------------------------------------------------------------


class QueryError(ValueError):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # as shown back to the reader (cleaned)
    words: tuple  # folded words in order, duplicates kept (phrase)
    exact: tuple  # exact codes of the marked words, distinct
    marked: tuple = ()  # the folded word of each exact code, in the same order

    @property
    def distinct(self):
        return tuple(dict.fromkeys(self.words))

    @property
    def unmarked(self):
        """Folded words not covered by an exact code."""
        return tuple(w for w in self.distinct if w not in self.marked)


def parse_query(raw):
    """Clean, fold and cut a reader's query; QueryError for what cannot be searched."""
    if raw is None:
        raw = ""
    if len(raw) > MAX_QUERY_CHARS:
        raise QueryError("query_too_long", f"Từ khoá quá dài (tối đa {MAX_QUERY_CHARS} ký tự).")
    text = " ".join(clean_text(raw).split())
    if not text:
        raise QueryError("empty_query", "Hãy nhập từ khoá cần tìm.")
    words, exact = [], {}
    for original in _ORIGINAL_WORD.findall(text):
        folded = folded_words(original)
        words.extend(folded)
        code = exact_code(original)
        if code:
            exact.setdefault(code, folded[0])
    if not words:
        raise QueryError("no_words", "Từ khoá không có chữ hoặc số để tìm.")
    words = words[:MAX_TOKENS]
    kept = set(words)
    pairs = [(code, word) for code, word in exact.items() if word in kept]
    return ParsedQuery(
        text=text, words=tuple(words), exact=tuple(c for c, _w in pairs), marked=tuple(w for _c, w in pairs)
    )


# --- Content kinds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexedText:
    title: str
    date: datetime.date
    body: str = ""
    number_symbol: str = ""
    issuer: str = ""


@dataclass(frozen=True)
class ContentKind:
    key: str
    label: str  # Vietnamese, for the filter and the results
    models: tuple  # "app_label.ModelName"
    extract: object  # page → IndexedText, or None to leave the page out


_KINDS = {}
_hooks_read = False


def register_kind(key, label, models, extract):
    """Make pages of models searchable as `key`."""
    _KINDS[key] = ContentKind(key, label, tuple(m.lower() for m in models), extract)


def kinds():
    """Every searchable kind, by key: the content pages' (registered below) and those of the apps
    beside this one (the answered questions, source items …), which cannot import this module:
    each returns (key, label, ["app_label.Model"], extract) from the Wagtail hook
    "register_search_kinds", `extract(page)` giving a dict of IndexedText's fields or None."""
    global _hooks_read
    if not _hooks_read:
        for hook in hooks.get_hooks("register_search_kinds"):
            for key, label, models, extract in hook():
                register_kind(key, label, models, _from_dict(extract))
        _hooks_read = True
    return _KINDS


def _from_dict(extract):
    def indexed(page):
        fields = extract(page)
        return IndexedText(**fields) if fields is not None else None

    return indexed


def kind_of(page):
    label = page._meta.label_lower
    for kind in kinds().values():
        if label in kind.models:
            return kind
    return None


def searchable_model_labels():
    return [label for kind in kinds().values() for label in kind.models]


def _stream_text(value):

    if not value:
        return ""
    parts = value.stream_block.get_searchable_content(value)
    return " ".join(get_text_for_indexing(str(p)) for p in parts if p)


def _rich_text(value):

    return get_text_for_indexing(value or "")


def _published_date(page):
    moment = page.last_published_at or page.first_published_at or timezone.now()
    return timezone.localdate(moment) if timezone.is_aware(moment) else moment.date()


def _news(page):
    return IndexedText(page.title, page.date, f"{page.summary}\n{_stream_text(page.body)}")


def _announcement(page):
    return IndexedText(page.title, page.date, f"{page.summary}\n{_stream_text(page.body)}")


def _document(page):
    return IndexedText(
        page.title,
        page.issue_date,
        f"{page.summary}\n{page.signer}",
        number_symbol=page.number_symbol,
        issuer=page.issuer,
    )


def _standard(page):
    return IndexedText(page.title, _published_date(page), _stream_text(page.body))


def _profile(page):
    parts = [_rich_text(page.intro)] + [_rich_text(value) for _label, value in page.parts()]
    parts += [f"{leader.name} {leader.title} {leader.duties}" for leader in page.leaders.all()]
    body = "\n".join(p for p in parts if p.strip())
    if not body.strip():
        return None  # the empty "Giới thiệu" every commune starts with
    return IndexedText(page.title, _published_date(page), body)


register_kind("news", "Tin tức", ["cms_pages.NewsPage"], _news)
register_kind("announcement", "Thông báo", ["cms_pages.AnnouncementPage"], _announcement)
register_kind("document", "Văn bản", ["cms_pages.LegalDocumentPage"], _document)
register_kind(
    "page",
    "Trang giới thiệu",
    ["cms_pages.StandardPage", "cms_pages.ProfilePage"],
    lambda page: _profile(page) if page._meta.model_name == "profilepage" else _standard(page),
)


# --- Indexing ------------------------------------------------------------------------------------


def _home_of(page):

    home = page.get_ancestors(inclusive=False).type(CommuneHomePage, PortalHomePage).order_by("-depth").first()
    return home


def entry_fields(page, home=None):
    """The SearchEntry fields of a live page, or None when it is not searchable."""
    kind = kind_of(page)
    if kind is None or not page.live or page.get_view_restrictions().exists():
        return None  # not searchable, not published, or private (password, login, groups)
    text = kind.extract(page)
    if text is None:
        return None
    title = clean_text(text.title)
    body = clean_text(text.body)[:MAX_BODY_CHARS]
    issuer = clean_text(text.issuer)
    number = clean_text(text.number_symbol)
    home = home if home is not None else _home_of(page)
    return {
        "path": page.path,
        "home_id": home.pk if home else None,
        "source_title": home.title if home else "",
        "kind": kind.key,
        "date": text.date,
        "year": text.date.year,
        "title": title[:255],
        "number_symbol": number[:60],
        "issuer": issuer[:200],
        "body": body,
        "title_folded": " ".join(folded_words(title)),
        "number_key": " ".join(folded_words(number)),
        "body_folded": " ".join((folded_words(issuer) + folded_words(body))[:MAX_BODY_TOKENS]),
        "exact_terms": exact_terms(f"{title}\n{issuer}\n{body}"),
    }


def index_page(page):
    """Add, refresh or drop the entry of one page (any class; specific or not)."""

    page = page.specific
    fields = entry_fields(page)
    if fields is None:
        SearchEntry.objects.filter(page_id=page.pk).delete()
        return False
    SearchEntry.objects.update_or_create(page_id=page.pk, defaults=fields)
    return True


def unindex_page(page):

    SearchEntry.objects.filter(page_id=page.pk).delete()


def reindex_subtree(page):
    """After a move: the page and its descendants have new paths (and maybe a new home)."""

    page = Page.objects.get(pk=page.pk)  # the path after the move
    models = [label.split(".")[1] for label in searchable_model_labels()]
    for item in Page.objects.descendant_of(page, inclusive=True).filter(content_type__model__in=models):
        index_page(item)


def _guarded(function, page):
    # Indexing must never fail a publish: a savepoint, and a logged error at worst.

    try:
        with transaction.atomic():
            function(page)
    except Exception:  # pragma: no cover - logged, the operator rebuilds
        logging.getLogger(__name__).exception("search index: could not update page %s", page.pk)


def on_page_published(sender, instance, **kwargs):

    if isinstance(instance, (CommuneHomePage, PortalHomePage)):
        SearchEntry.objects.filter(home_id=instance.pk).update(source_title=instance.title)
    elif kind_of(instance) is not None:
        _guarded(index_page, instance)


def on_page_unpublished(sender, instance, **kwargs):
    _guarded(unindex_page, instance)


def on_page_moved(sender, instance, **kwargs):
    _guarded(reindex_subtree, instance)


def on_view_restriction_changed(sender, instance, **kwargs):
    """A page made private (or public again) takes its subtree out of (or back into) search."""

    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        _guarded(reindex_subtree, page)


# --- Scopes --------------------------------------------------------------------------------------

SCOPE_KEYS = ("xa", "huyen", "tinh")


@dataclass(frozen=True)
class Scope:
    key: str
    label: str
    root: object  # the Page whose subtree is searched; None: everything

    def bounds(self):

        if self.root is None:
            return None, None
        return self.root.path, next_path(self.root.path, Page.alphabet)


def scope_choices(home):
    """[(key, Scope)] offered on the site whose home is `home`, the default first."""

    if isinstance(home, CommuneHomePage):
        area = home.get_parent().specific
        province = _province_of(area)
        choices = [("xa", Scope("xa", f"Trong {home.name_in_sentence}", home))]
        if area.level == "district":
            choices.append(("huyen", Scope("huyen", f"Cả {area.name_in_sentence}", area)))
            choices.append(("tinh", Scope("tinh", f"Cả {province.name_in_sentence}", province)))
        else:
            choices.append(("huyen", Scope("huyen", f"Cả {area.name_in_sentence}", area)))
            choices.append(("tinh", Scope("tinh", f"Cả {area.name_in_sentence}", area)))
        return choices
    if isinstance(home, PortalHomePage):
        area = home.get_parent().specific
        if not isinstance(area, AreaPage):
            return [("tinh", Scope("tinh", "Toàn bộ", None))]
        province = _province_of(area)
        own = Scope("xa", f"Chỉ trang của cổng {area.name_in_sentence}", home)
        whole_area = Scope("huyen", f"Cả {area.name_in_sentence}", area)
        whole_province = Scope("tinh", f"Cả {province.name_in_sentence}", province)
        if area.level == "district":
            return [("huyen", whole_area), ("tinh", whole_province), ("xa", own)]
        return [("tinh", whole_province), ("huyen", Scope("huyen", whole_province.label, province)), ("xa", own)]
    return [("tinh", Scope("tinh", "Toàn bộ", None))]


def _province_of(area):

    if getattr(area, "level", None) == "province":
        return area
    found = AreaPage.objects.ancestor_of(area).filter(level="province").first()
    return found or area


def resolve_scope(home, key):
    """The Scope for `key` on this site (the default when key is empty); QueryError if unknown."""
    choices = scope_choices(home)
    if not key:
        return choices[0][1]
    for choice_key, scope in choices:
        if choice_key == key:
            return scope
    raise QueryError("invalid_scope", "Phạm vi tìm kiếm không hợp lệ (dùng xa, huyen hoặc tinh).")


# --- Querying ------------------------------------------------------------------------------------


@dataclass
class Filters:
    lower: str = None  # path range [lower, upper)
    upper: str = None
    kind: str = None
    year: int = None


@dataclass
class Hit:
    page_id: int
    title: str
    kind: str
    date: datetime.date
    source_title: str
    number_symbol: str = ""
    body: str = ""
    issuer: str = ""
    url: str = None
    title_html: str = ""
    snippet_html: str = ""

    @property
    def kind_label(self):
        kind = kinds().get(self.kind)
        return kind.label if kind else self.kind


@dataclass
class Results:
    query: ParsedQuery
    total: int  # every match
    ranked: list = field(default_factory=list)  # page ids, best first (at most the candidates)

    def page_ids(self, number, per_page=PER_PAGE):
        start = (number - 1) * per_page
        return self.ranked[start : start + per_page]

    def num_pages(self, per_page=PER_PAGE):
        return max(1, -(-len(self.ranked) // per_page))


class _Backend:
    table = "search_searchentry"

    def __init__(self, cursor):
        self.cursor = cursor

    def _filters(self, filters, alias="e"):
        sql, params = [], []
        if filters.lower is not None:
            sql.append(f"{alias}.path >= %s")
            params.append(filters.lower)
        if filters.upper is not None:
            sql.append(f"{alias}.path < %s")
            params.append(filters.upper)
        if filters.kind:
            sql.append(f"{alias}.kind = %s")
            params.append(filters.kind)
        if filters.year:
            sql.append(f"{alias}.year = %s")
            params.append(filters.year)
        return sql, params

    def recent(self, match, filters, limit):
        """(page ids of the `limit` most recent matches, number of all matches): one pass."""
        where, params = self._where(match, filters)
        self.cursor.execute(
            f"SELECT e.page_id, COUNT(*) OVER () FROM {self._from()} WHERE {where} "
            f"ORDER BY e.date DESC, e.page_id DESC LIMIT %s",
            [*params, limit],
        )
        rows = self.cursor.fetchall()
        return [row[0] for row in rows], (rows[0][1] if rows else 0)

    def within(self, match, page_ids):
        """The page ids among page_ids that match (candidates are filtered already)."""
        if not page_ids:
            return set()
        found = set()
        for start in range(0, len(page_ids), 500):
            chunk = list(page_ids[start : start + 500])
            sql, params = self._within(match, chunk)
            self.cursor.execute(sql, params)
            found.update(row[0] for row in self.cursor.fetchall())
        return found


def _quote_fts5(words):
    return " AND ".join(f'"{w}"' for w in words)  # words are [a-z0-9]+: nothing to escape


class _SQLite(_Backend):
    TEXT_COLUMNS = "{title_folded number_key body_folded}"

    def _from(self):
        return f"{self.table}_fts f JOIN {self.table} e ON e.page_id = f.rowid"

    def _expression(self, match):
        kind, words, extra = match
        if kind == "all":
            return f"{self.TEXT_COLUMNS} : ({_quote_fts5(words)})"
        if kind == "title":
            return f"title_folded : ({_quote_fts5(words)})"
        if kind == "number":
            return f"number_key : ({_quote_fts5(words)})"
        if kind == "exact":
            expression = f"exact_terms : ({_quote_fts5(words)})"
            if extra:
                expression += f" AND {self.TEXT_COLUMNS} : ({_quote_fts5(extra)})"
            return expression
        if kind == "phrase":
            return f'{self.TEXT_COLUMNS} : "{" ".join(words)}"'
        raise ValueError(kind)

    def _where(self, match, filters):
        sql, params = self._filters(filters)
        return " AND ".join([f"{self.table}_fts MATCH %s", *sql]), [self._expression(match), *params]

    def within(self, match, page_ids):
        # FTS5 would run the whole match again for each rowid of an IN list; reading the
        # match once and intersecting is far cheaper.
        if not page_ids:
            return set()
        self.cursor.execute(
            f"SELECT rowid FROM {self.table}_fts WHERE {self.table}_fts MATCH %s", [self._expression(match)]
        )
        return set(page_ids).intersection(row[0] for row in self.cursor.fetchall())


def _tsquery(words, weight="", operator=" & "):
    return operator.join(f"'{w}'{':' + weight if weight else ''}" for w in words)


class _PostgreSQL(_Backend):
    def _from(self):
        return f"{self.table} e"

    def recent(self, match, filters, limit):
        # Match first (GIN), then sort the matches: left to itself the planner may walk the
        # date index backwards testing every row's tsvector, which is 25× slower.
        where, params = self._where(match, filters)
        self.cursor.execute(
            f"WITH m AS MATERIALIZED (SELECT e.page_id, e.date FROM {self._from()} WHERE {where}) "
            f"SELECT page_id, COUNT(*) OVER () FROM m ORDER BY date DESC, page_id DESC LIMIT %s",
            [*params, limit],
        )
        rows = self.cursor.fetchall()
        return [row[0] for row in rows], (rows[0][1] if rows else 0)

    def _where(self, match, filters):
        kind, words, extra = match
        q = "to_tsquery('tincoso_vi', %s)"
        if kind == "all":
            clauses, params = [f"e.search_vector @@ {q}"], [_tsquery(words)]
        elif kind == "title":
            clauses, params = [f"e.title_vector @@ {q}"], [_tsquery(words)]
        elif kind == "number":
            clauses, params = [f"e.search_vector @@ {q}"], [_tsquery(words, "B")]
        elif kind == "exact":
            clauses, params = [f"e.exact_vector @@ {q}"], [_tsquery(words)]
            if extra:
                clauses.append(f"e.search_vector @@ {q}")
                params.append(_tsquery(extra))
        elif kind == "phrase":
            # Same column only, as FTS5's phrase: the positions of one weight.
            phrase = " | ".join(f"({_tsquery(words, weight, ' <-> ')})" for weight in "ABC")
            clauses, params = [f"e.search_vector @@ {q}"], [phrase]
        else:
            raise ValueError(kind)
        sql, filter_params = self._filters(filters)
        return " AND ".join(clauses + sql), params + filter_params

    def _within(self, match, page_ids):
        where, params = self._where(match, Filters())
        marks = ", ".join(["%s"] * len(page_ids))
        return f"SELECT e.page_id FROM {self._from()} WHERE e.page_id IN ({marks}) AND {where}", [*page_ids, *params]


def _backend(cursor):
    if connection.vendor == "postgresql":
        return _PostgreSQL(cursor)
    if connection.vendor == "sqlite":
        return _SQLite(cursor)
    raise NotImplementedError(f"search on {connection.vendor}")


def search(query, filters=None):
    """All matches of a ParsedQuery within filters, as Results ranked the same on every database."""

    filters = filters or Filters()
    words = query.distinct
    with connection.cursor() as cursor:
        db = _backend(cursor)
        recent, total = db.recent(("all", words, None), filters, RECENT_CANDIDATES)
        if not recent:
            return Results(query, 0, [])
        candidates = dict.fromkeys(recent)
        if total > len(recent):
            # More matches than candidates: add the most recent of those that rank high.
            candidates.update(dict.fromkeys(db.recent(("title", words, None), filters, FOCUSED_CANDIDATES)[0]))
            if any(w.isdigit() for w in words):
                candidates.update(dict.fromkeys(db.recent(("number", words, None), filters, FOCUSED_CANDIDATES)[0]))
        exact = set()
        if query.exact:
            exact_match = ("exact", query.exact, query.unmarked)
            exact = db.within(exact_match, list(candidates))
            if total > len(recent) and len(exact) < FOCUSED_CANDIDATES // 4:
                # Words typed with marks that are rare among the recent matches: add the
                # most recent pages that have them exactly.
                more = db.recent(exact_match, filters, FOCUSED_CANDIDATES)[0]
                candidates.update(dict.fromkeys(more))
                exact.update(more)
        ids = list(candidates)
        phrase = set()
        if len(set(query.words)) > 1:
            phrase = db.within(("phrase", query.words, None), ids)

    # Only the narrow columns, which come before the body in the row.
    rows = SearchEntry.objects.filter(page_id__in=ids).values_list(
        "page_id", "title", "title_folded", "number_key", "issuer", "date"
    )
    word_seq = list(query.words)
    # A word typed with marks counts in the title only where the title has it with those marks.
    marked = dict(zip(query.marked, query.exact))
    ranked = []
    phrase_text = " " + " ".join(word_seq) + " "
    for page_id, title, title_folded, number_key, issuer, date in rows:
        title_words = title_folded.split()
        title_codes = set(exact_terms(title).split()) if marked else set()
        title_hits = sum(1 for w in words if w in title_words and (w not in marked or marked[w] in title_codes))
        number_words = number_key.split()
        issuer_words = set(folded_words(issuer))
        if number_words and phrase_text in f" {number_key} ":
            number_score = 2
        elif number_words and set(words) <= set(number_words):
            number_score = 1
        else:
            number_score = 0
        key = (
            number_score,
            1 if page_id in exact else 0,
            1 if phrase_text in f" {title_folded} " else 0,
            1 if page_id in phrase else 0,
            title_hits,
            len(set(words) & issuer_words),
            date,
            page_id,
        )
        ranked.append((key, page_id))
    ranked.sort(reverse=True)
    return Results(query, total, [page_id for _key, page_id in ranked])


def hits(results, page_ids, request=None, full_urls=False):
    """Display data for some of the ranked page ids: titles, URLs, highlighted passages."""

    entries = {e.page_id: e for e in SearchEntry.objects.filter(page_id__in=page_ids)}
    pages = {p.pk: p for p in Page.objects.filter(pk__in=page_ids)}
    words = results.query.distinct
    out = []
    for page_id in page_ids:
        entry, page = entries.get(page_id), pages.get(page_id)
        if entry is None or page is None:
            continue
        url = page.get_full_url(request) if full_urls else page.get_url(request)
        passage_source = entry.body
        if entry.kind == "document":
            passage_source = f"{entry.number_symbol} · {entry.issuer} · {entry.body}"
        out.append(
            Hit(
                page_id=page_id,
                title=entry.title,
                kind=entry.kind,
                date=entry.date,
                source_title=entry.source_title,
                number_symbol=entry.number_symbol,
                body=entry.body,
                issuer=entry.issuer,
                url=url,
                title_html=highlight(entry.title, words, width=None),
                snippet_html=highlight(passage_source, words),
            )
        )
    return out


# --- Highlighting ----------------------------------------------------------------------------------


def _folded_with_map(text):
    """text folded character by character (lower case), and for each folded character the
    index of the original character it came from."""
    folded, origin = [], []
    for i, ch in enumerate(text):
        f = _fold_char(ch)
        if len(f) == 1:
            folded.append(f)
            origin.append(i)
        else:
            folded.extend(f)
            origin.extend([i] * len(f))
    return "".join(folded), origin


@functools.lru_cache(maxsize=4096)
def _fold_char(ch):
    return fold(ch).casefold()


def match_spans(text, words):
    """[(start, end, word)] in text of the whole words that fold to one of `words`."""
    if not words or not text:
        return []
    folded, origin = _folded_with_map(text)
    pattern = re.compile(
        r"(?<![a-z0-9])(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![a-z0-9])"
    )
    spans = []
    for m in pattern.finditer(folded):
        start, end = origin[m.start()], origin[m.end() - 1] + 1
        # Include the combining marks that follow a matched letter in NFD text.
        while end < len(text) and unicodedata.category(text[end]) == "Mn":
            end += 1
        spans.append((start, end, m.group()))
    return spans


def _best_window(spans, width):
    """Start of the window of `width` characters holding the most distinct words (earliest)."""
    best, best_count, right = spans[0][0], 0, 0
    counts = {}
    for left in range(len(spans)):
        while right < len(spans) and spans[right][1] <= spans[left][0] + width:
            counts[spans[right][2]] = counts.get(spans[right][2], 0) + 1
            right += 1
        if len(counts) > best_count:
            best, best_count = spans[left][0], len(counts)
        word = spans[left][2]
        if left < right:
            counts[word] -= 1
            if not counts[word]:
                del counts[word]
        else:
            right = left + 1
    return best


def highlight(text, words, width=240):
    """HTML of text (or of its best passage of about `width` characters) with the words that
    fold to a query word wrapped in <mark>; everything else escaped."""
    text = " ".join(unicodedata.normalize("NFC", (text or "")[:MAX_HIGHLIGHT_CHARS]).split())
    spans = match_spans(text, words)
    start, end, prefix, suffix = 0, len(text), "", ""
    if width is not None and len(text) > width:
        if spans:
            start = max(0, _best_window(spans, width) - width // 4)
        end = min(len(text), start + width)
        if start > 0:
            space = text.find(" ", start, end)
            first = next((s for s, _e, _w in spans if s >= start), end)
            if 0 <= space < first:
                start = space + 1
            prefix = "… "
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space if space > start else end
            suffix = " …"
    out, position = [prefix], start
    for s, e, _word in spans:
        if s < start or e > end:
            continue
        out.append(escape(text[position:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        position = e
    out.append(escape(text[position:end]))
    out.append(suffix)
    return "".join(out)


# --- Views -----------------------------------------------------------------------------------------


def _site_home(request):

    site = Site.find_for_request(request)
    return site.root_page.specific if site else None


def _int_param(value, code, message, minimum=1, maximum=None):
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise QueryError(code, message) from None
    if number < minimum or (maximum is not None and number > maximum):
        raise QueryError(code, message)
    return number


def _params(request, page_param):
    """(ParsedQuery, Scope, Filters, page number) from the request; QueryError when invalid."""
    get = request.GET
    kind = get.get("type", "") or None
    if kind is not None and kind not in kinds():
        raise QueryError("invalid_type", f"Loại nội dung không hợp lệ (dùng {', '.join(kinds())}).")
    year = _int_param(get.get("year"), "invalid_year", "Năm không hợp lệ.", 1900, 2999)
    number = _int_param(get.get(page_param), "invalid_page", "Số trang không hợp lệ.", 1, 10_000) or 1
    scope = resolve_scope(_site_home(request), get.get("scope", ""))
    lower, upper = scope.bounds()
    query = parse_query(get.get("q", ""))
    return query, scope, Filters(lower, upper, kind, year), number


def search_page(request):
    """/tim-kiem/: the search form and its results, on every site."""

    home = _site_home(request)
    get = request.GET
    context = {
        "q": clean_text(get.get("q", ""))[:MAX_QUERY_CHARS],
        "kinds": list(kinds().values()),
        "kind": get.get("type", ""),
        "year": get.get("year", ""),
        "years": list(range(timezone.localdate().year, timezone.localdate().year - 15, -1)),
        "scope_choices": [(key, scope.label) for key, scope in _distinct_choices(home)],
        "error": None,
        "results": None,
    }
    status = 200
    try:
        query, scope, filters, number = _params(request, "trang")
    except QueryError as error:
        if error.code != "empty_query" or get.get("q") is not None:
            context["error"] = error.message
            status = 400 if error.code != "empty_query" else 200
        context["scope"] = get.get("scope", "") or (context["scope_choices"][0][0] if context["scope_choices"] else "")
        return render(request, "search/search_page.html", context, status=status)
    results = search(query, filters)
    pages = results.num_pages()
    number = min(number, pages)
    context.update(
        {
            "scope": scope.key,
            "scope_label": scope.label,
            "results": results,
            "hits": hits(results, results.page_ids(number), request),
            "page_number": number,
            "hits_start": (number - 1) * PER_PAGE + 1,
            "num_pages": pages,
            "previous_page": number - 1 if number > 1 else None,
            "next_page": number + 1 if number < pages else None,
        }
    )
    return render(request, "search/search_page.html", context)


def _distinct_choices(home):
    seen, out = set(), []
    for key, scope in scope_choices(home):
        if scope.label not in seen:
            seen.add(scope.label)
            out.append((key, scope))
    return out


def search_api(request):
    """/api/search?q=&scope=&type=&year=&page=&per_page=: JSON for apps and other portals."""

    if request.method not in ("GET", "HEAD"):
        return JsonResponse({"error": {"code": "method_not_allowed", "message": "Chỉ hỗ trợ GET."}}, status=405)
    try:
        query, scope, filters, number = _params(request, "page")
        per_page = (
            _int_param(
                request.GET.get("per_page"),
                "invalid_per_page",
                f"per_page phải từ 1 đến {API_MAX_PER_PAGE}.",
                1,
                API_MAX_PER_PAGE,
            )
            or PER_PAGE
        )
    except QueryError as error:
        return JsonResponse({"error": {"code": error.code, "message": error.message}}, status=error.status)
    results = search(query, filters)
    items = hits(results, results.page_ids(number, per_page), request, full_urls=True)
    response = JsonResponse(
        {
            "query": query.text,
            "scope": scope.key,
            "scope_label": scope.label,
            "type": filters.kind,
            "year": filters.year,
            "page": number,
            "per_page": per_page,
            "pages": results.num_pages(per_page),
            "total": results.total,
            "results": [
                {
                    "title": hit.title,
                    "url": hit.url,
                    "date": hit.date.isoformat(),
                    "type": hit.kind,
                    "type_label": hit.kind_label,
                    "commune": hit.source_title,
                    "number_symbol": hit.number_symbol or None,
                    "snippet": hit.snippet_html,
                    "snippet_text": html.unescape(re.sub(r"</?mark>", "", hit.snippet_html)),
                }
                for hit in items
            ],
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response

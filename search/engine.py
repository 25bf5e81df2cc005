"""Site search that understands Vietnamese: one commune, or a whole district or province.

    text       query and page text → folded words and exact codes (pure)
    queries    a reader's words → terms every match needs, type words, everyday phrasings
    indexing   a live page → its SearchEntry row and the other sites it appears on
               (SearchPlacement); kept current from Wagtail's signals
    querying   parsed query + scope → ranked page ids (SQLite FTS5 or PostgreSQL tsvector)
    highlight  the matching passage of the original text, HTML-escaped, matches in <mark>
    views      /tim-kiem/ (HTML) and /api/search (JSON)

Both databases match on the same folded words (`fold_key`, then `[a-z0-9]+`), computed
here in Python, so they find the same pages. They never rank: each gives the most recent
matches of a few fixed kinds (anywhere, in the title, in the number and symbol, of the type
the query names, with the query's marks), and the union is ranked here, identically on both:

    number and symbol match  >  of the type the query names  >  exact (marked) match  >
    phrase in the title  >  phrase anywhere  >  words in the title  >  words in the issuer  >
    pairs of typed words side by side in the title  >  newer  >  higher page id

Forgiving, as citizens type (search/vocabulary.py): words that name a type of page ("thông
báo", "kế hoạch" …) are a preference, not a requirement; everyday phrasings ("cắt điện") also
find the official wording ("tạm ngừng cung cấp điện"). When no page has every word, the pages
that have the most words are given instead (at least half of them), and the result says so.

Scopes are path ranges, widened by the placements: a page pushed down from a portal appears
on the targeted communes' sites while it is valid, and is found there.

Every query word reaches the database as a quoted `[a-z0-9]+` word, so no user syntax
(quotes, `*`, `NEAR(`, `AND`/`OR`, `:`, `&`, `!`) ever reaches FTS5 or to_tsquery.
Beyond one database, the same SearchEntry rows can be shipped to OpenSearch (README).
"""

import dataclasses
import datetime
import functools
import html
import itertools
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db import connection, transaction
from django.db.models import Q
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
from search import vocabulary
from search.models import SearchEntry, SearchPlacement

MAX_QUERY_CHARS = 500
MAX_TOKENS = 12
MAX_BODY_TOKENS = 10_000  # also keeps every position under PostgreSQL's 16,383
MAX_BODY_CHARS = 100_000
MAX_HIGHLIGHT_CHARS = 20_000  # a passage is looked for in the first 20,000 characters
RECENT_CANDIDATES = 400  # most recent matches anywhere
FOCUSED_CANDIDATES = 200  # most recent matches in the title / with the query's marks / in the number
PARTIAL_QUERIES = 16  # at most this many word combinations tried when no page has every word
RARE_TERM_PAGES = 2_000  # a term on more pages is "common" when the nearest pages are scored
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
class Term:
    """What a page needs to match one part of the query: any one of `alternatives`, each a
    phrase of folded words (most often a single word); `typed`: the folded words the reader
    typed for it (an everyday phrasing has the official wordings as further alternatives)."""

    alternatives: tuple
    typed: tuple

    @classmethod
    def of_word(cls, word):
        return cls(((word,),), (word,))

    @property
    def word(self):
        """The folded word of a term that is one typed word, else None."""
        return self.typed[0] if len(self.typed) == 1 else None


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # as shown back to the reader (cleaned)
    words: tuple  # folded words in order, duplicates kept (phrase)
    exact: tuple  # exact codes of the marked words, distinct
    marked: tuple = ()  # the folded word of each exact code, in the same order
    terms: tuple = ()  # Terms a full match has every one of (the type words left out)
    type_words: tuple = ()  # the type words left out of the terms, as typed ("thông báo")
    type_terms: tuple = ()  # their folded words, a tuple per type word
    prefer: frozenset = frozenset()  # (kind, subtype) pairs that rank first (subtype "": any)

    @property
    def distinct(self):
        return tuple(dict.fromkeys(self.words))

    @property
    def unmarked(self):
        """Folded words not covered by an exact code."""
        return tuple(w for w in self.distinct if w not in self.marked)

    @property
    def size(self):
        """How many typed words a full match has (the type words left out)."""
        return sum(len(term.typed) for term in self.terms)

    @property
    def content_exact(self):
        """(code, folded word) of the marked words that are plain terms."""
        plain = {term.word for term in self.terms}
        return [(code, word) for code, word in zip(self.exact, self.marked) if word in plain]

    @property
    def phrases(self):
        """Word sequences whose presence as a phrase ranks a page higher: everything typed, and
        the content words alone when type words were left out."""
        out = []
        if len(set(self.words)) > 1:
            out.append(self.words)
        content = tuple(w for term in self.terms for w in term.typed)
        if len(set(content)) > 1 and content != self.words:
            out.append(content)
        return out

    @property
    def highlight_words(self):
        """The words to mark in titles and passages: typed, type words and alternatives."""
        words = list(self.words)
        for term in self.terms:
            for alternative in term.alternatives:
                words.extend(alternative)
        return tuple(dict.fromkeys(words))


def _fold_word(original):
    return folded_words(original)[0], exact_code(original)


@functools.cache
def _vocabulary():
    return vocabulary.compile_vocabulary(_fold_word)


def _word_term(word):
    """A typed word; a day or month also with or without its leading zero ("tháng 3" and
    "tháng 03/2026", "ngày 05/4" and "ngày 5/4")."""
    if word.isdigit() and len(word) <= 2 and word.strip("0"):
        other = word.lstrip("0") if word.startswith("0") else f"0{word}"
        if len(other) <= 2:
            return Term(((word,), (other,)), (word,))
    return Term.of_word(word)


def _terms(tokens, originals):
    """(terms, type words as typed, their folded words, preferred kinds) from (folded, code)
    tokens; see search/vocabulary.py."""
    types, synonyms = _vocabulary()
    terms, type_words, type_terms, prefer = [], [], [], []
    i = 0
    while i < len(tokens):
        entry = vocabulary.match_at(types, tokens, i)
        if entry is not None and vocabulary.type_word_allowed(entry, tokens, i):
            n = len(entry.words)
            type_words.append(" ".join(originals[i : i + n]))
            type_terms.append(entry.words)
            prefer.append(entry.value)
            i += n
            continue
        entry = vocabulary.match_at(synonyms, tokens, i)
        if entry is not None:
            n = len(entry.words)
            typed = tuple(f for f, _c in tokens[i : i + n])
            terms.append(Term(tuple(dict.fromkeys((typed, *entry.value))), typed))
            i += n
            continue
        terms.append(_word_term(tokens[i][0]))
        i += 1
    return list(dict.fromkeys(terms)), type_words, type_terms, vocabulary.preferred(prefer)


def parse_query(raw):
    """Clean, fold and cut a reader's query; QueryError for what cannot be searched."""
    if raw is None:
        raw = ""
    if len(raw) > MAX_QUERY_CHARS:
        raise QueryError("query_too_long", f"Từ khoá quá dài (tối đa {MAX_QUERY_CHARS} ký tự).")
    text = " ".join(clean_text(raw).split())
    if not text:
        raise QueryError("empty_query", "Hãy nhập từ khoá cần tìm.")
    tokens, originals, exact = [], [], {}
    for original in _ORIGINAL_WORD.findall(text):
        folded = folded_words(original)
        code = exact_code(original)
        for word in folded:
            tokens.append((word, code if len(folded) == 1 else None))
            originals.append(original if len(folded) == 1 else word)
        if code:
            exact.setdefault(code, folded[0])
    if not tokens:
        raise QueryError("no_words", "Từ khoá không có chữ hoặc số để tìm.")
    tokens, originals = tokens[:MAX_TOKENS], originals[:MAX_TOKENS]
    words = [word for word, _code in tokens]
    kept = set(words)
    pairs = [(code, word) for code, word in exact.items() if word in kept]
    terms, type_words, type_terms, prefer = _terms(tokens, originals)
    if not terms:  # only type words ("thông báo"): they are what is looked for
        terms, type_words, type_terms = [Term.of_word(w) for w in dict.fromkeys(words)], [], []
    return ParsedQuery(
        text=text,
        words=tuple(words),
        exact=tuple(c for c, _w in pairs),
        marked=tuple(w for _c, w in pairs),
        terms=tuple(terms),
        type_words=tuple(type_words),
        type_terms=tuple(type_terms),
        prefer=prefer,
    )


# --- Content kinds -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexedText:
    title: str
    date: datetime.date
    body: str = ""
    number_symbol: str = ""
    issuer: str = ""
    subtype: str = ""  # within the kind, what a type word may prefer: a document's doc_type
    # The homes (commune or portal home pages) of other sites the page appears on, and from
    # when until when (datetimes; None: since published, until unpublished). Its own site
    # finds it by its path anyway.
    appears_on: tuple = ()
    appears_from: datetime.datetime = None
    appears_until: datetime.datetime = None


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
    beside this one (the answered questions, source items and alerts), which cannot import this
    module: each returns (key, label, ["app_label.Model"], extract) from the Wagtail hook
    "register_search_kinds", `extract(page)` giving a dict of IndexedText's fields, or None for
    a page the public must not find."""
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
        subtype=page.doc_type,
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


def _indexed(page, home=None):
    """(SearchEntry fields, IndexedText) of a live page, or (None, None) when it is not searchable."""
    kind = kind_of(page)
    if kind is None or not page.live or page.get_view_restrictions().exists():
        return None, None  # not searchable, not published, or private (password, login, groups)
    text = kind.extract(page)
    if text is None:
        return None, None
    title = clean_text(text.title)
    body = clean_text(text.body)[:MAX_BODY_CHARS]
    issuer = clean_text(text.issuer)
    number = clean_text(text.number_symbol)
    home = home if home is not None else _home_of(page)
    fields = {
        "path": page.path,
        "home_id": home.pk if home else None,
        "source_title": home.title if home else "",
        "kind": kind.key,
        "subtype": text.subtype or None,
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
    return fields, text


def entry_fields(page, home=None):
    """The SearchEntry fields of a live page, or None when it is not searchable."""
    return _indexed(page, home)[0]


def placements(page, text):
    """SearchPlacement rows (unsaved) for the other sites an indexed page appears on."""
    rows, seen = [], set()
    for home in text.appears_on:
        if home.pk in seen or page.path.startswith(home.path):
            continue  # its own site finds it by its path
        seen.add(home.pk)
        rows.append(
            SearchPlacement(
                entry_id=page.pk, home_id=home.pk, path=home.path, starts=text.appears_from, ends=text.appears_until
            )
        )
    return rows


def index_rows(page, home=None):
    """(unsaved SearchEntry or None, [unsaved SearchPlacement]) of a specific page: for bulk
    indexing (`manage.py rebuild_search_index`)."""
    fields, text = _indexed(page, home)
    if fields is None:
        return None, []
    return SearchEntry(page_id=page.pk, **fields), placements(page, text)


def index_page(page):
    """Add, refresh or drop the entry of one page (any class; specific or not), and where else
    it appears."""

    page = page.specific
    fields, text = _indexed(page)
    if fields is None:
        SearchEntry.objects.filter(page_id=page.pk).delete()  # its placements with it
        return False
    SearchEntry.objects.update_or_create(page_id=page.pk, defaults=fields)
    SearchPlacement.objects.filter(entry_id=page.pk).delete()
    SearchPlacement.objects.bulk_create(placements(page, text))
    return True


def unindex_page(page):

    SearchEntry.objects.filter(page_id=page.pk).delete()


def reindex_subtree(page):
    """After a move: the page and its descendants have new paths (and maybe a new home)."""

    page = Page.objects.get(pk=page.pk)  # the path after the move
    models = [label.split(".")[1] for label in searchable_model_labels()]
    for item in Page.objects.descendant_of(page, inclusive=True).filter(content_type__model__in=models):
        index_page(item)
    # Homes in the subtree on which pages of elsewhere appear.
    placed_homes = SearchPlacement.objects.values("home_id")
    for home_id, path in (
        Page.objects.descendant_of(page, inclusive=True).filter(pk__in=placed_homes).values_list("pk", "path")
    ):
        SearchPlacement.objects.filter(home_id=home_id).update(path=path)


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

SCOPE_KEYS = ("xa", "huyen", "tinh")  # from the narrowest to the widest


@dataclass(frozen=True)
class Scope:
    key: str
    label: str
    root: object  # the Page whose subtree is searched; None: everything
    place: str = ""  # inside a sentence: "xã An Trường", "huyện Càng Long", "tỉnh Trà Vinh"

    def bounds(self):

        if self.root is None:
            return None, None
        return self.root.path, next_path(self.root.path, Page.alphabet)


def scope_choices(home):
    """[(key, Scope)] offered on the site whose home is `home`, the default first."""

    if isinstance(home, CommuneHomePage):
        area = home.get_parent().specific
        province = _province_of(area)
        choices = [("xa", Scope("xa", f"Trong {home.name_in_sentence}", home, home.name_in_sentence))]
        whole_area = Scope("huyen", f"Cả {area.name_in_sentence}", area, area.name_in_sentence)
        choices.append(("huyen", whole_area))
        if area.level == "district":
            choices.append(
                ("tinh", Scope("tinh", f"Cả {province.name_in_sentence}", province, province.name_in_sentence))
            )
        else:
            choices.append(("tinh", dataclasses.replace(whole_area, key="tinh")))
        return choices
    if isinstance(home, PortalHomePage):
        area = home.get_parent().specific
        if not isinstance(area, AreaPage):
            return [("tinh", Scope("tinh", "Toàn bộ", None, "toàn bộ trang"))]
        province = _province_of(area)
        own = Scope(
            "xa", f"Chỉ trang của cổng {area.name_in_sentence}", home, f"trang của cổng {area.name_in_sentence}"
        )
        whole_area = Scope("huyen", f"Cả {area.name_in_sentence}", area, area.name_in_sentence)
        whole_province = Scope("tinh", f"Cả {province.name_in_sentence}", province, province.name_in_sentence)
        if area.level == "district":
            return [("huyen", whole_area), ("tinh", whole_province), ("xa", own)]
        return [("tinh", whole_province), ("huyen", dataclasses.replace(whole_province, key="huyen")), ("xa", own)]
    return [("tinh", Scope("tinh", "Toàn bộ", None, "toàn bộ trang"))]


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


def _distinct_choices(home):
    seen, out = set(), []
    for key, scope in scope_choices(home):
        if scope.label not in seen:
            seen.add(scope.label)
            out.append((key, scope))
    return out


def wider_scopes(home, scope):
    """The Scopes offered on this site that are wider than `scope`, the nearest first
    (commune → district → province)."""
    rank = SCOPE_KEYS.index
    out, seen = [], {scope.bounds()}
    for key, choice in sorted(_distinct_choices(home), key=lambda c: rank(c[0])):
        if rank(key) > rank(scope.key) and choice.bounds() not in seen:
            seen.add(choice.bounds())
            out.append(choice)
    return out


# --- Querying ------------------------------------------------------------------------------------


@dataclass
class Filters:
    lower: str = None  # path range [lower, upper)
    upper: str = None
    kind: str = None
    year: int = None
    types: frozenset = None  # only these (kind, subtype) pairs: a type word's own pass
    # Ids of the pages placed (SearchPlacement) on a site whose home is in [lower, upper): found
    # there too. Filled by search() and count() for the moment asked (placed_in) when None.
    placed: tuple = None

    def at(self, now=None):
        """These filters with `placed` filled in for the moment `now` (None: now)."""
        if self.placed is not None:
            return self
        return dataclasses.replace(self, placed=placed_in(self.lower, self.upper, now))


def placed_in(lower, upper, now=None):
    """Ids of the pages that appear at `now` on a site whose home is in [lower, upper). One
    small query on the placements, so that the full-text queries keep their plain path range
    (and their plan) in the usual case, where nothing is placed in the scope."""
    if lower is None and upper is None:
        return ()
    now = now or timezone.now()
    rows = SearchPlacement.objects.filter(Q(starts__isnull=True) | Q(starts__lte=now)).filter(
        Q(ends__isnull=True) | Q(ends__gt=now)
    )
    if lower is not None:
        rows = rows.filter(path__gte=lower)
    if upper is not None:
        rows = rows.filter(path__lt=upper)
    return tuple(sorted(set(rows.values_list("entry_id", flat=True))))


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
    # False: no page has every word; these are the pages with the most words, `matched` of
    # the query's `query.size`.
    complete: bool = True
    matched: int = 0

    def page_ids(self, number, per_page=PER_PAGE):
        start = (number - 1) * per_page
        return self.ranked[start : start + per_page]

    def num_pages(self, per_page=PER_PAGE):
        return max(1, -(-len(self.ranked) // per_page))

    @property
    def partial_message(self):
        if self.complete or not self.total:
            return None
        return (
            f"Không có kết quả chứa đủ mọi từ; đây là các kết quả gần nhất, khớp {self.matched}/{self.query.size} từ."
        )


class _Backend:
    table = "search_searchentry"

    def __init__(self, cursor):
        self.cursor = cursor

    def _filters(self, filters, alias="e"):
        sql, params = [], []
        path = []
        if filters.lower is not None:
            path.append(f"{alias}.path >= %s")
            params.append(filters.lower)
        if filters.upper is not None:
            path.append(f"{alias}.path < %s")
            params.append(filters.upper)
        if path and filters.placed:
            marks = ", ".join(["%s"] * len(filters.placed))
            sql.append(f"(({' AND '.join(path)}) OR {alias}.page_id IN ({marks}))")
            params.extend(filters.placed)
        else:
            sql.extend(path)
        if filters.kind:
            sql.append(f"{alias}.kind = %s")
            params.append(filters.kind)
        if filters.year:
            sql.append(f"{alias}.year = %s")
            params.append(filters.year)
        if filters.types is not None:
            whole = sorted(kind for kind, subtype in filters.types if not subtype)
            parts = []
            if whole:
                parts.append(f"{alias}.kind IN ({', '.join(['%s'] * len(whole))})")
                params.extend(whole)
            for kind, subtype in sorted(t for t in filters.types if t[1]):
                parts.append(f"({alias}.kind = %s AND {alias}.subtype = %s)")
                params.extend([kind, subtype])
            sql.append(f"({' OR '.join(parts)})" if parts else "1 = 0")
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

    def ids(self, match, filters, limit):
        """At most `limit` matching page ids, in no order."""
        where, params = self._where(match, filters)
        self.cursor.execute(f"SELECT e.page_id FROM {self._from()} WHERE {where} LIMIT %s", [*params, limit])
        return [row[0] for row in self.cursor.fetchall()]

    def count(self, match, filters):
        """The number of matches."""
        where, params = self._where(match, filters)
        self.cursor.execute(f"SELECT COUNT(*) FROM {self._from()} WHERE {where}", params)
        return self.cursor.fetchone()[0]

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


# Match expressions: (kind, payload, extra).
#   ("all", terms, None)        every term, in the title, the number or the text
#   ("title", terms, None)      every term in the title
#   ("number", words, None)     every word in the number and symbol
#   ("exact", codes, terms)     every exact code, and every one of the other terms
#   ("phrase", phrases, None)   any of the phrases (tuples of words), inside one column
# Words and codes are [a-z0-9]+ (folded here): nothing to escape.


def _quote_fts5(words):
    return " AND ".join(f'"{w}"' for w in words)


def _fts5_term(term):
    alternatives = [f'"{" ".join(words)}"' for words in term.alternatives]
    return alternatives[0] if len(alternatives) == 1 else f"({' OR '.join(alternatives)})"


def _fts5_terms(terms):
    return " AND ".join(_fts5_term(term) for term in terms)


class _SQLite(_Backend):
    TEXT_COLUMNS = "{title_folded number_key body_folded}"

    def _from(self):
        return f"{self.table}_fts f JOIN {self.table} e ON e.page_id = f.rowid"

    def _expression(self, match):
        kind, payload, extra = match
        if kind == "all":
            return f"{self.TEXT_COLUMNS} : ({_fts5_terms(payload)})"
        if kind == "title":
            return f"title_folded : ({_fts5_terms(payload)})"
        if kind == "number":
            return f"number_key : ({_quote_fts5(payload)})"
        if kind == "exact":
            expression = f"exact_terms : ({_quote_fts5(payload)})"
            if extra:
                expression += f" AND {self.TEXT_COLUMNS} : ({_fts5_terms(extra)})"
            return expression
        if kind == "phrase":
            return f"{self.TEXT_COLUMNS} : ({_fts5_term(Term(tuple(payload), ()))})"
        raise ValueError(kind)

    def _where(self, match, filters):
        sql, params = self._filters(filters)
        return " AND ".join([f"{self.table}_fts MATCH %s", *sql]), [self._expression(match), *params]

    def count(self, match, filters):
        if self._filters(filters)[0]:
            return super().count(match, filters)
        # No filter: the full-text table alone.
        self.cursor.execute(
            f"SELECT COUNT(*) FROM {self.table}_fts WHERE {self.table}_fts MATCH %s", [self._expression(match)]
        )
        return self.cursor.fetchone()[0]

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


def _ts_phrase(words, weights="ABC"):
    """A phrase inside one column of search_vector (title A, number B, text C); without
    weights, inside an unweighted vector (title_vector)."""
    if len(words) == 1:
        return f"'{words[0]}'"
    if not weights:
        return f"({_tsquery(words, '', ' <-> ')})"
    return "(" + " | ".join(f"({_tsquery(words, weight, ' <-> ')})" for weight in weights) + ")"


def _ts_terms(terms, weights="ABC"):
    parts = []
    for term in terms:
        alternatives = [_ts_phrase(words, weights) for words in term.alternatives]
        parts.append(alternatives[0] if len(alternatives) == 1 else f"({' | '.join(alternatives)})")
    return " & ".join(parts)


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
        kind, payload, extra = match
        q = "to_tsquery('tincoso_vi', %s)"
        if kind == "all":
            clauses, params = [f"e.search_vector @@ {q}"], [_ts_terms(payload)]
        elif kind == "title":
            clauses, params = [f"e.title_vector @@ {q}"], [_ts_terms(payload, weights="")]
        elif kind == "number":
            clauses, params = [f"e.search_vector @@ {q}"], [_tsquery(payload, "B")]
        elif kind == "exact":
            clauses, params = [f"e.exact_vector @@ {q}"], [_tsquery(payload)]
            if extra:
                clauses.append(f"e.search_vector @@ {q}")
                params.append(_ts_terms(extra))
        elif kind == "phrase":
            clauses, params = [f"e.search_vector @@ {q}"], [" | ".join(_ts_phrase(words) for words in payload)]
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


def search(query, filters=None, now=None):
    """All matches of a ParsedQuery within filters, as Results ranked the same on every database.
    When no page has every term, the pages with the most of them (see _nearest)."""

    filters = (filters or Filters()).at(now)
    terms = query.terms
    with connection.cursor() as cursor:
        db = _backend(cursor)
        ids, total, exact, phrase = _matches(db, query, terms, filters)
        weights = None
        if not ids and len(terms) > 1:
            weights, total = _nearest(db, query, terms, filters)
            ids = list(weights)
    if not ids:
        return Results(query, 0, [], complete=weights is None)
    ranked = _rank(query, ids, exact, phrase, weights)
    if weights is None:
        return Results(query, total, ranked, complete=True, matched=query.size)
    return Results(query, total, ranked, complete=False, matched=max(weights.values()))


def count(query, filters=None, now=None):
    """How many pages have every term of the query within filters (for "có 12 kết quả trong
    huyện …")."""

    filters = (filters or Filters()).at(now)
    with connection.cursor() as cursor:
        return _backend(cursor).count(("all", query.terms, None), filters)


def _matches(db, query, terms, filters):
    """(candidate page ids, number of all matches, ids with the marks typed, ids with a phrase)."""
    recent, total = db.recent(("all", terms, None), filters, RECENT_CANDIDATES)
    if not recent:
        return [], 0, set(), set()
    candidates = dict.fromkeys(recent)
    plain = [term.word for term in terms]
    if total > len(recent):
        # More matches than candidates: add the most recent of those that rank high.
        candidates.update(dict.fromkeys(db.recent(("title", terms, None), filters, FOCUSED_CANDIDATES)[0]))
        if all(plain) and any(w.isdigit() for w in plain):
            candidates.update(dict.fromkeys(db.recent(("number", plain, None), filters, FOCUSED_CANDIDATES)[0]))
        if query.prefer and not filters.kind:
            of_type = dataclasses.replace(filters, types=query.prefer)
            candidates.update(dict.fromkeys(db.recent(("all", terms, None), of_type, FOCUSED_CANDIDATES)[0]))
    exact = set()
    pairs = query.content_exact
    if pairs:
        marked = {word for _code, word in pairs}
        exact_match = ("exact", tuple(code for code, _w in pairs), tuple(t for t in terms if t.word not in marked))
        exact = db.within(exact_match, list(candidates))
        if total > len(recent) and len(exact) < FOCUSED_CANDIDATES // 4:
            # Words typed with marks that are rare among the recent matches: add the
            # most recent pages that have them exactly.
            more = db.recent(exact_match, filters, FOCUSED_CANDIDATES)[0]
            candidates.update(dict.fromkeys(more))
            exact.update(more)
    ids = list(candidates)
    phrase = set()
    if query.phrases:
        phrase = db.within(("phrase", query.phrases, None), ids)
    return ids, total, exact, phrase


def _nearest(db, query, terms, filters):
    """No page has every term: ({page id: number of typed words it has}, number of those pages)
    for the pages with the most terms, and at least half of the typed words. Here a word typed
    with marks counts only where the page has it with those marks ("vũ trụ" is not "trú"), and
    a number typed is required (a house, a document, a day: a page without it is not near).

    The pages of each other term are read, up to RARE_TERM_PAGES + 1 (one query a term).
    Terms no page in the filters has are left out; when the others are found together, those
    pages are the nearest (a mistyped or unknown word: the usual case). Else each page is
    scored by the terms it has: counted from the pages of the rare terms (all read), the
    common ones checked on the best of those. When every term is common, combinations of them
    are tried instead, the largest first (a page found for k terms has none of the larger ones,
    so the counts of one size add up), at most PARTIAL_QUERIES, past which only the most
    frequent of each size."""
    codes = {word: code for code, word in query.content_exact}
    required = tuple(term for term in terms if term.word is not None and term.word.isdigit())
    optional = [term for term in terms if term not in required]

    def match(combination):
        combination = required + tuple(combination)
        # A word typed with marks counts only where the page has it with those marks.
        marked = tuple(codes[term.word] for term in combination if term.word in codes)
        if not marked:
            return ("all", combination, None)
        return ("exact", marked, tuple(term for term in combination if term.word not in codes))

    def weight(combination):
        return sum(len(term.typed) for term in required + tuple(combination))

    pages = {term: db.ids(match((term,)), filters, RARE_TERM_PAGES + 1) for term in optional}
    counts = {term: len(found) for term, found in pages.items()}
    present = [term for term in optional if counts[term]]
    needed = (query.size + 1) // 2
    if not present or weight(present) < needed:
        return {}, 0
    if len(present) < len(optional):
        ids, found = _recent_preferred(db, query, match(present), filters)
        if found:
            return dict.fromkeys(ids, weight(present)), found
    rare = [term for term in present if counts[term] <= RARE_TERM_PAGES]
    if rare:
        scores = {}
        for term in rare:
            for page_id in pages[term]:
                scores[page_id] = scores.get(page_id, weight(())) + len(term.typed)
        best = sorted(scores, key=lambda page_id: -scores[page_id])[:RECENT_CANDIDATES]
        for term in present:
            if term not in rare:
                for page_id in db.within(match((term,)), best):
                    scores[page_id] += len(term.typed)
        top = max(scores.values())
        if top < needed:
            return {}, 0
        weights = {page_id: score for page_id, score in scores.items() if score == top}
        return weights, len(weights)
    size = len(present) - 1
    budget = PARTIAL_QUERIES
    weights, total = {}, 0
    while size >= 1 and not weights:
        if math.comb(len(present), size) <= budget:
            combinations = list(itertools.combinations(present, size))
        else:
            frequent = sorted(present, key=lambda t: -counts[t])[:size]
            combinations = [tuple(t for t in present if t in frequent)]
        for combination in combinations:
            if weight(combination) < needed or budget <= 0:
                continue
            budget -= 1
            ids, found = _recent_preferred(db, query, match(combination), filters)
            total += found
            for page_id in ids:
                weights[page_id] = max(weights.get(page_id, 0), weight(combination))
        size -= 1
    return weights, total


def _recent_preferred(db, query, match, filters):
    """The most recent matches, and those of the types the query prefers when there are more."""
    ids, found = db.recent(match, filters, FOCUSED_CANDIDATES)
    if found > len(ids) and query.prefer and not filters.kind:
        of_type = dataclasses.replace(filters, types=query.prefer)
        ids += db.recent(match, of_type, FOCUSED_CANDIDATES)[0]
    return ids, found


def _in_title(term, padded, title_words, marked, title_codes):
    """Does the title (folded, padded with spaces) have the term? A word typed with marks
    counts only where the title has it with those marks."""
    for words in term.alternatives:
        if len(words) == 1:
            word = words[0]
            if word in title_words and (word not in marked or marked[word] in title_codes):
                return True
        elif f" {' '.join(words)} " in padded:
            return True
    return False


def _rank(query, ids, exact, phrase, weights=None):
    """The candidate page ids, best first (see the module's docstring)."""
    # Only the narrow columns, which come before the body in the row.
    rows = SearchEntry.objects.filter(page_id__in=ids).values_list(
        "page_id", "title", "title_folded", "number_key", "issuer", "date", "kind"
    )
    # The subtype was added after the body (migration 0003): read only when a type word asks
    # for one, and only for the kinds it concerns.
    subtypes = {}
    with_subtype = {kind for kind, subtype in query.prefer if subtype}
    if with_subtype:
        subtypes = dict(
            SearchEntry.objects.filter(page_id__in=ids, kind__in=with_subtype).values_list("page_id", "subtype")
        )
    terms = query.terms
    plain = [term.word for term in terms]
    numbered = all(plain)  # a number and symbol is only plain words
    number_text = " " + " ".join(plain) + " " if numbered else ""
    # A word typed with marks counts in the title only where the title has it with those marks.
    marked = {word: code for code, word in query.content_exact}
    title_terms = list(terms) + [Term((words,), words) for words in query.type_terms]
    phrase_texts = [" " + " ".join(words) + " " for words in query.phrases]
    prefer = query.prefer
    distinct = set(query.distinct)
    # Two typed words side by side in the title ("phòng chống", not "phong trào … bảo vệ").
    pairs = {f" {a} {b} " for a, b in zip(query.words, query.words[1:])}
    ranked = []
    for page_id, title, title_folded, number_key, issuer, date, kind in rows:
        subtype = subtypes.get(page_id)
        padded = f" {title_folded} "
        title_words = set(title_folded.split())
        title_codes = set(exact_terms(title).split()) if marked else set()
        title_hits = sum(1 for term in title_terms if _in_title(term, padded, title_words, marked, title_codes))
        number_words = number_key.split()
        if numbered and number_words and number_text in f" {number_key} ":
            number_score = 2
        elif numbered and number_words and set(plain) <= set(number_words):
            number_score = 1
        else:
            number_score = 0
        key = (
            weights[page_id] if weights else 0,
            number_score,
            1 if prefer and ((kind, "") in prefer or (kind, subtype or "") in prefer) else 0,
            1 if page_id in exact else 0,
            1 if any(text in padded for text in phrase_texts) else 0,
            1 if page_id in phrase else 0,
            title_hits,
            len(distinct & set(folded_words(issuer))),
            sum(1 for pair in pairs if pair in padded),
            date,
            page_id,
        )
        ranked.append((key, page_id))
    ranked.sort(reverse=True)
    return [page_id for _key, page_id in ranked]


def hits(results, page_ids, request=None, full_urls=False):
    """Display data for some of the ranked page ids: titles, URLs, highlighted passages."""

    entries = {e.page_id: e for e in SearchEntry.objects.filter(page_id__in=page_ids)}
    pages = {p.pk: p for p in Page.objects.filter(pk__in=page_ids)}
    words = results.query.highlight_words
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
    """(ParsedQuery, Scope, Filters, page number, home) from the request; QueryError when invalid."""
    get = request.GET
    kind = get.get("type", "") or None
    if kind is not None and kind not in kinds():
        raise QueryError("invalid_type", f"Loại nội dung không hợp lệ (dùng {', '.join(kinds())}).")
    year = _int_param(get.get("year"), "invalid_year", "Năm không hợp lệ.", 1900, 2999)
    number = _int_param(get.get(page_param), "invalid_page", "Số trang không hợp lệ.", 1, 10_000) or 1
    home = _site_home(request)
    scope = resolve_scope(home, get.get("scope", ""))
    lower, upper = scope.bounds()
    query = parse_query(get.get("q", ""))
    return query, scope, Filters(lower, upper, kind, year), number, home


@dataclass
class Wider:
    """A wider scope that has what the reader's scope lacks: every word of the query."""

    scope: Scope
    total: int
    message: str


def wider_offer(home, scope, results, filters, now=None):
    """When no page of `scope` has every word of the query: the nearest wider scope offered on
    this site that has some, with their number; else None."""
    if results.complete and results.total:
        return None
    for wider in wider_scopes(home, scope):
        lower, upper = wider.bounds()
        total = count(results.query, dataclasses.replace(filters, lower=lower, upper=upper, placed=None), now)
        if total:
            if results.total:
                message = (
                    f"Không có kết quả chứa đủ mọi từ trong {scope.place}; có {total} kết quả trong {wider.place}."
                )
            else:
                message = f"Không tìm thấy trong {scope.place}; có {total} kết quả trong {wider.place}."
            return Wider(wider, total, message)
    return None


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
        query, scope, filters, number, home = _params(request, "trang")
    except QueryError as error:
        if error.code != "empty_query" or get.get("q") is not None:
            context["error"] = error.message
            status = 400 if error.code != "empty_query" else 200
        context["scope"] = get.get("scope", "") or (context["scope_choices"][0][0] if context["scope_choices"] else "")
        return render(request, "search/search_page.html", context, status=status)
    now = timezone.now()
    results = search(query, filters, now)
    pages = results.num_pages()
    number = min(number, pages)
    context.update(
        {
            "scope": scope.key,
            "scope_label": scope.label,
            "results": results,
            "wider": wider_offer(home, scope, results, filters, now),
            "hits": hits(results, results.page_ids(number), request),
            "page_number": number,
            "hits_start": (number - 1) * PER_PAGE + 1,
            "num_pages": pages,
            "previous_page": number - 1 if number > 1 else None,
            "next_page": number + 1 if number < pages else None,
        }
    )
    return render(request, "search/search_page.html", context)


def search_api(request):
    """/api/search?q=&scope=&type=&year=&page=&per_page=: JSON for apps and other portals.

    Besides the results: `complete` (false when no page has every word: the results are the
    nearest, with `matched_words` of the `query_words`, and `message` says so), `type_words`
    (words of the query taken as the type of page wanted, which rank first: `preferred_types`)
    and `wider` (when no page in the scope has every word: the nearest wider scope that has
    some, its number of results and the URL of that search)."""

    if request.method not in ("GET", "HEAD"):
        return JsonResponse({"error": {"code": "method_not_allowed", "message": "Chỉ hỗ trợ GET."}}, status=405)
    try:
        query, scope, filters, number, home = _params(request, "page")
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
    now = timezone.now()
    results = search(query, filters, now)
    wider = wider_offer(home, scope, results, filters, now)
    items = hits(results, results.page_ids(number, per_page), request, full_urls=True)
    wider_data = None
    if wider is not None:
        params = {k: v for k, v in request.GET.items() if k not in ("scope", "page")}
        wider_data = {
            "scope": wider.scope.key,
            "scope_label": wider.scope.label,
            "place": wider.scope.place,
            "total": wider.total,
            "message": wider.message,
            "url": request.build_absolute_uri(f"{request.path}?{urlencode({**params, 'scope': wider.scope.key})}"),
        }
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
            "complete": results.complete,
            "matched_words": results.matched,
            "query_words": query.size,
            "message": results.partial_message,
            "type_words": list(query.type_words),
            "preferred_types": sorted(f"{k}:{s}" if s else k for k, s in query.prefer) if query.type_words else [],
            "wider": wider_data,
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

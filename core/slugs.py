"""Page addresses folded the Vietnamese way, for every page type of every app.

Wagtail makes a page's slug in two places, both wrong for Vietnamese:

- the admin's JavaScript (the `w-slug` Stimulus controller, `urlify`) turns the title into a
  slug while the editor types. It transliterates only the letters of its table (à, á, â, ă …,
  and 'đ' → 'dj', Serbian) and drops every other marked letter together with its base letter:
  "Cảnh báo lốc xoáy, mưa đá chiều tối nay" → "cnh-bao-lc-xoay-ma-dja-chiu-ti-nay";
- `Page._set_core_field_defaults` fills a blank slug with Django's `slugify`, which drops 'đ':
  "mưa đá" → "mua-a".

Both forms are "garbled" here (`is_garbled`). Whatever the path a page takes (the admin's create
and edit forms, a blank slug, Wagtail's copy and alias actions, a page made by code or an
import), a garbled or blank slug becomes `folded_slug(title)`, core/text.py's `slugify_vi` cut
at a word under 80 characters, made unique among the page's siblings ("…-2"). A slug the editor
typed himself (neither garbled nor blank) is kept. A published page keeps the slug it has in
the database until `manage.py repair_slugs` renames it and leaves redirects from the old
addresses (its links are out there); what an editor changes now is folded at once.

`install()` (called from cms_pages/models/content.py, so that every process has it) wraps:

- `Page._set_core_field_defaults`: called by `full_clean`, by `save` and by `save_revision`;
- `Page.save` and `Page.save_revision`: for the calls with `clean=False` (copies, aliases);
- `WagtailAdminPageForm.clean`: before Wagtail's own "slug already in use" check, so that a
  slug the JavaScript made, already taken by a sibling, becomes "…-2" instead of an error.

The editor sees the folded slug while typing the title: cms_pages/static/cms_pages/js/
vietnamese-slugs.js (hook `insert_global_admin_js`) gives every `w-slug` field the folding as
Wagtail's own `formatters`, applied before `urlify`.

The private pieces of Wagtail used here are pinned to the series core/wagtail_patches.py checks.
"""

import re
import unicodedata
from functools import lru_cache

from django.utils.text import slugify as django_slugify
from wagtail.admin.forms.pages import WagtailAdminPageForm
from wagtail.models import Page

from core.text import slugify_vi

# Longest slug made from a title; a longer one is cut at a word (an address stays readable).
SLUG_LIMIT = 80

# --- What Wagtail's admin JavaScript makes of a title -------------------------------------------

# The table of `urlify` (wagtail/client/src/utils/urlify.config.json, bundled in
# wagtailadmin/js/core.js) resolved as the admin resolves it for a page in Vietnamese (no
# language of the table matches, so for a letter in several tables the first table wins):
# each item is a letter followed by what it becomes ("Ъ" alone: it is dropped).
# tests/cms_pages/test_slugs.py compares it with the installed Wagtail's bundle.
_URLIFY_TABLE = """
ÀA ÁA ÂA ÃA ÄA ÅA ÆAE ÇC ÈE ÉE ÊE ËE ÌI ÍI ÎI ÏI ÐD ÑN ÒO ÓO ÔO ÕO ÖO ŐO ØO ÙU ÚU ÛU ÜU ŰU ÝY
ÞTH ŸY ßss àa áa âa ãa äa åa æae çc èe ée êe ëe ìi íi îi ïi ðd ñn òo óo ôo õo öo őo øo ùu úu ûu
üu űu ýy þth ÿy ©(c) αa βb γg δd εe ζz ηh θ8 ιi κk λl μm νn ξ3 οo πp ρr σs τt υy φf χx ψps ωw άa
έe ίi όo ύy ήh ώw ςs ϊi ΰy ϋy ΐi ΑA ΒB ΓG ΔD ΕE ΖZ ΗH Θ8 ΙI ΚK ΛL ΜM ΝN Ξ3 ΟO ΠP ΡR ΣS ΤT ΥY ΦF
ΧX ΨPS ΩW ΆA ΈE ΊI ΌO ΎY ΉH ΏW ΪI ΫY şs ŞS ıi İI ğg ĞG ăa șs țt ĂA ȘS ȚT аa бb вv гg дd еe ёyo
жzh зz иi йj кk лl мm нn оo пp рr сs тt уu фf хx цc чch шsh щshh ъ ыy ь эe юyu яya АA БB ВV ГG
ДD ЕE ЁYo ЖZh ЗZ ИI ЙJ КK ЛL МM НN ОO ПP РR СS ТT УU ФF ХX ЦC ЧCh ШSh ЩShh Ъ ЫY Ь ЭE ЮYu ЯYa ЄYe
ІI ЇYi ҐG єye іi їyi ґg ўw ЎW čc ďd ěe ňn řr šs ťt ůu žz ČC ĎD ĚE ŇN ŘR ŠS ŤT ŮU ŽZ ľl ĺl ŕr ĽL
ĹL ŔR ąa ćc ęe łl ńn śs źz żz ĄA ĆC ĘE ŁL ŃN ŚS ŹZ ŻZ āa ēe ģg īi ķk ļl ņn ūu ĀA ĒE ĢG ĪI ĶK ĻL
ŅN ŪU أa بb تt ثth جg حh خkh دd ذth رr زz سs شsh صs ضd طt ظth عaa غgh فf قk كk لl مm نn هh وo يy
ėe įi ųu ĖE ĮI ŲU ђdj јj љlj њnj ћc џdz đdj ЂDj Јj ЉLj ЊNj ЋC ЏDz ĐDj əe ƏE აa ბb გg დd ეe ვv ზz
თt იi კk ლl მm ნn ოo პp ჟj რr სs ტt უu ფf ქq ღg ყy შsh ჩch ცc ძdz წw ჭch ხx ჯj ჰh
"""
URLIFY_TABLE = {item[0]: item[1:] for item in _URLIFY_TABLE.split()}
_URLIFY_TRANSLATION = str.maketrans(URLIFY_TABLE)

# JavaScript's \s (and what String.prototype.trim removes), which Python's \s is not quite.
_JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_JS_SPACE_CHARS = "\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(
    chr(c) for c in range(0x2000, 0x200B)
)
_JS_SPACES = re.compile(f"[{_JS_SPACE}]+")
_URLIFY_UNNEEDED = re.compile(f"[^\\-A-Za-z0-9_{_JS_SPACE}]")  # /[^-\w\s]/g without the u flag
_URLIFY_SEPARATORS = re.compile(f"[\\-{_JS_SPACE}]+")
_SLUGIFY_UNNEEDED = re.compile(r"[^A-Za-z0-9\-_]")


def wagtail_urlify(title: str) -> str:
    """The slug Wagtail 8's admin JavaScript puts in the slug field for this title: the `w-slug`
    controller's `urlify` (trimmed, no formatters, unicode slugs off), falling back to its
    `slugify` when `urlify` gives nothing."""
    value = title.strip(_JS_SPACE_CHARS)
    if not value:
        return ""
    slug = value.translate(_URLIFY_TRANSLATION).lower()
    slug = _URLIFY_UNNEEDED.sub("", slug)
    slug = _URLIFY_SEPARATORS.sub("-", slug)[:255].rstrip("-")
    if slug:
        return slug
    return _SLUGIFY_UNNEEDED.sub("", _JS_SPACES.sub("-", value)).lower()


# --- The project's slug -------------------------------------------------------------------------


def folded_slug(title: str) -> str:
    """The address a page gets from its title: 'Cảnh báo lốc xoáy, mưa đá' → 'canh-bao-loc-xoay-mua-da',
    cut at a word under SLUG_LIMIT characters (vietnamese-slugs.js does the same in the browser)."""
    slug = slugify_vi(title)
    if len(slug) > SLUG_LIMIT:
        head = slug[: SLUG_LIMIT + 1]
        slug = head.rsplit("-", 1)[0] if "-" in head else slug[:SLUG_LIMIT]
    return slug


_NUMBER_SUFFIX = re.compile(r"-\d+$")


@lru_cache(maxsize=2048)
def _forms(title):
    """(ours, made, mangled) for a title: the slugs tincoso makes of it, the garbled slugs
    Wagtail makes of it (whole title), and the garbled words ('cnh', 'dja') of its words."""
    variants = {title, unicodedata.normalize("NFC", title)}
    full = slugify_vi(title)
    ours = {full, folded_slug(title), full[:SLUG_LIMIT].strip("-")}  # the last: the old VietnameseSlugMixin
    made = {wagtail_urlify(v) for v in variants} | {django_slugify(v) for v in variants}
    made -= ours
    made.discard("")
    folded_words = set(full.split("-"))
    mangled = set()
    for variant in variants:
        for word in _JS_SPACES.split(variant):
            if word.isascii():
                continue
            for part in wagtail_urlify(word).split("-"):
                if len(part) >= 2 and not part.isdigit() and part not in folded_words:
                    mangled.add(part)
    return frozenset(ours), frozenset(made), frozenset(mangled)


def is_garbled(slug: str, title: str) -> bool:
    """Whether Wagtail made this slug from this title rather than the editor or tincoso: it is
    the admin JavaScript's or Django's slug of the title (maybe with a "-2" added to make it
    unique), or it contains a word the JavaScript garbled ('dja' for 'đá', 'cnh' for 'Cảnh')."""
    if not slug or not title:
        return False
    ours, made, mangled = _forms(title)
    stem = _NUMBER_SUFFIX.sub("", slug)
    if slug in ours or stem in ours:
        return False
    if slug in made or stem in made:
        return True
    return any(part in mangled for part in slug.split("-"))


def unique_slug(base: str, parent, page=None, taken=()) -> str:
    """`base`, or `base-2`, `base-3` … : the first not used by another child of `parent` (nor in `taken`)."""
    siblings = Page.objects.child_of(parent).filter(slug__startswith=base)
    if page is not None and page.pk:
        siblings = siblings.exclude(pk=page.pk)
    used = set(siblings.values_list("slug", flat=True)) | set(taken)
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def may_change_slug(page, slug) -> bool:
    """A new page, a page never published, or a slug being changed now: nobody has the address yet.
    A published page keeps the slug stored for it (repair_slugs renames it, with redirects)."""
    if page.pk is None:
        return True
    stored = Page.objects.filter(pk=page.pk).values_list("slug", "first_published_at").first()
    if stored is None:
        return True
    stored_slug, first_published_at = stored
    return first_published_at is None or stored_slug != slug


def fold_page_slug(page, parent=None) -> bool:
    """Give `page` the folded slug if its slug is blank or garbled and it may change; True when changed."""
    slug = page.slug or ""
    title = page.title or ""
    if slug and not is_garbled(slug, title):
        return False
    base = folded_slug(title)
    if not base:
        return False
    if parent is None:
        if not (page.path or getattr(page, "_cached_parent_obj", None)):
            return False  # not in the tree yet: done again when it is saved under its parent
        parent = page.get_parent()
        if parent is None:
            return False  # the tree's root
    if slug and not may_change_slug(page, slug):
        return False
    new = unique_slug(base, parent, page)
    if new == slug:
        return False
    page.slug = new
    return True


def clean_form_slug(form) -> None:
    """In an admin page form, before Wagtail checks that the slug is free: a blank or garbled slug,
    or the folded slug the editor's JavaScript made but a sibling already has, becomes the
    folded slug made unique."""
    data = form.cleaned_data
    parent = getattr(form, "parent_page", None)
    title = data.get("title")
    if "slug" not in data or not title or parent is None:
        return
    slug = data["slug"] or ""
    base = folded_slug(title)
    if not base or not (not slug or slug == base or is_garbled(slug, title)):
        return
    if slug and not may_change_slug(form.instance, slug):
        return
    data["slug"] = unique_slug(base, parent, form.instance)


# --- Installation -------------------------------------------------------------------------------


def install() -> None:
    """Wrap the Page and page-form methods listed in the module's docstring (once)."""
    if getattr(Page, "_tincoso_slugs_installed", False):
        return

    set_defaults = Page._set_core_field_defaults
    save = Page.save
    save_revision = Page.save_revision
    form_clean = WagtailAdminPageForm.clean

    def _set_core_field_defaults(self):
        fold_page_slug(self)
        set_defaults(self)

    def page_save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "slug" in update_fields:
            fold_page_slug(self)
        return save(self, *args, **kwargs)

    def page_save_revision(self, *args, **kwargs):
        fold_page_slug(self)
        return save_revision(self, *args, **kwargs)

    def clean(self):
        clean_form_slug(self)
        return form_clean(self)

    for wrapper, original in (
        (_set_core_field_defaults, set_defaults),
        (page_save, save),
        (page_save_revision, save_revision),
        (clean, form_clean),
    ):
        wrapper.__doc__ = original.__doc__
        wrapper.__wrapped__ = original

    Page._set_core_field_defaults = _set_core_field_defaults
    Page.save = page_save
    Page.save_revision = page_save_revision
    WagtailAdminPageForm.clean = clean
    Page._tincoso_slugs_installed = True

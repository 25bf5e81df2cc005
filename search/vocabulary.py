"""The words of a query that are not content: the type of page a citizen wants ("thông báo",
"kế hoạch" …) and the everyday phrasings of what official texts say otherwise ("cắt điện" for
"tạm ngừng cung cấp điện"). Pure data and pure functions; search/engine.py uses them.

Every entry is written as citizens write it, with its marks. A query word matches an entry's
word when both fold to the same letters and the query word is typed either without marks or
with exactly the entry's marks ("thong bao", "Thông báo", "THÔNG BÁO" name the type; "thông
bão" does not).
"""

from dataclasses import dataclass

# (what citizens type, what it prefers, why it is here). What it prefers: kinds of the search
# index ("announcement"), or (kind, subtype) pairs, a subtype being a document's doc_type
# (cms_pages.models.content.DocumentType) or an answered question's kind (inquiries.InquiryKind).
# A kind that is not installed is simply never found. Left out on purpose: "hướng dẫn" and
# "chương trình" (also forms of documents, but far more often the subject itself: "hướng dẫn nộp
# hồ sơ", "chương trình tiêm chủng mở rộng"), "khẩn cấp" and "lịch" (words of titles: "Khẩn
# cấp: bão số 5", "Lịch tiêm chủng tháng 12"), "thông tin" alone and "tin" after the first
# word (far too common in text).
TYPE_WORDS = [
    (
        "thông báo",
        ("announcement", "source", ("document", "thong_bao")),
        # The section "Thông báo"; what a district or province pushes down is a notice too; and
        # "Thông báo" is a form of legal document (15/TB-UBND). Citizens put it first: "thông
        # báo tiêm chủng", "thong bao cat dien".
        "the section, the pushed notices and the TB documents",
    ),
    ("tin tức", ("news",), "the section Tin tức"),
    ("tin", ("news",), "short for tin tức; only as the first word (see TYPE_ONLY_FIRST)"),
    ("văn bản", ("document",), "the section Văn bản: every legal document"),
    ("kế hoạch", (("document", "ke_hoach"),), "a form of document (KH); 'kế hoạch phòng chống bão'"),
    ("quyết định", (("document", "quyet_dinh"),), "a form of document (QĐ)"),
    ("nghị quyết", (("document", "nghi_quyet"),), "a form of document (NQ)"),
    ("công văn", (("document", "cong_van"),), "a form of document (official letter)"),
    ("chỉ thị", (("document", "chi_thi"),), "a form of document (CT)"),
    ("báo cáo", (("document", "bao_cao"),), "a form of document (BC)"),
    ("tờ trình", (("document", "to_trinh"),), "a form of document (TTr)"),
    ("hỏi đáp", ("question",), "the section Hỏi đáp: published answers"),
    ("câu hỏi", ("question",), "what citizens call a published answer"),
    ("giải đáp", ("question",), "an answer to a question"),
    ("phản ánh", (("question", "phan_anh"),), "an answered feedback (phản ánh, kiến nghị)"),
    ("cảnh báo", ("alert",), "emergency alerts: 'cảnh báo bão', 'cảnh báo triều cường'"),
    ("thông tin nguồn", ("source",), "the portals' section Thông tin nguồn"),
]

# Type words that count only as the first word of a longer query, and not before these words,
# with which they make another word: "tin" in "tin bão số 5" is news, in "tín dụng", "tin học",
# "tin nhắn" … it is the subject.
TYPE_ONLY_FIRST = {"tin"}
NOT_BEFORE = {"tin": {"dung", "hoc", "nhan", "nguong", "tuong", "hieu", "chi", "cay", "don", "phieu", "nhiem", "mung"}}

# Everyday phrasings → the official wordings of the same thing (one way: typing the official
# wording does not widen it). The typed phrase itself stays an alternative. Each group is here
# because the demo's and real notices use the official wording while citizens (in the south:
# "cúp", "chích ngừa") type the other.
SYNONYMS = [
    (
        ("cắt điện", "cúp điện", "mất điện"),
        ("tạm ngừng cung cấp điện", "ngừng cung cấp điện", "ngừng cấp điện"),
    ),
    (
        ("cắt nước", "cúp nước", "mất nước"),
        ("tạm ngừng cung cấp nước", "ngừng cung cấp nước", "ngừng cấp nước"),
    ),
    (("chích ngừa", "tiêm ngừa"), ("tiêm chủng", "tiêm phòng", "tiêm vắc xin")),
]


@dataclass(frozen=True)
class Entry:
    words: tuple  # folded
    codes: tuple  # exact code of each word (None: the word has no marks)
    value: object


def _entries(pairs, fold_word):
    """fold_word(original word) → (folded, code); a phrase → its words and codes."""
    out = []
    for text, value in pairs:
        folded = [fold_word(w) for w in text.split()]
        out.append(Entry(tuple(f for f, _c in folded), tuple(c for _f, c in folded), value))
    return sorted(out, key=lambda e: -len(e.words))  # longest first


def compile_vocabulary(fold_word):
    """(type entries, synonym entries) for match_at; fold_word as in _entries."""
    types = _entries([(text, prefers) for text, prefers, _why in TYPE_WORDS], fold_word)
    synonyms = []
    for everyday, official in SYNONYMS:
        alternatives = tuple(tuple(fold_word(w)[0] for w in p.split()) for p in everyday + official)
        synonyms += _entries([(p, alternatives) for p in everyday], fold_word)
    return types, synonyms


def match_at(entries, tokens, i):
    """The longest entry whose words are tokens[i:] (tokens: (folded, code) pairs), or None. A
    token typed with marks must have the entry word's marks."""
    for entry in entries:
        n = len(entry.words)
        window = tokens[i : i + n]
        if len(window) != n:
            continue
        if all(f == w and (c is None or c == ec) for (f, c), w, ec in zip(window, entry.words, entry.codes)):
            return entry
    return None


def type_word_allowed(entry, tokens, i):
    """The rules of TYPE_ONLY_FIRST and NOT_BEFORE for a type entry found at tokens[i]."""
    head = entry.words[0]
    if len(entry.words) == 1 and head in TYPE_ONLY_FIRST:
        if i != 0 or len(tokens) < 2:
            return False
        if tokens[1][0] in NOT_BEFORE.get(head, ()):
            return False
    return True


def preferred(values):
    """The (kind, subtype) pairs of some TYPE_WORDS values; subtype "" for a whole kind."""
    out = set()
    for value in values:
        for item in value:
            out.add((item, "") if isinstance(item, str) else tuple(item))
    return frozenset(out)

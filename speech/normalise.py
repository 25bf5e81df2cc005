"""Vietnamese text → words for speech synthesis.

    normalise(text) -> str

A pure function: the same text gives the same words. It turns what a speech engine would
read badly or not at all into the words an announcer says: numbers, dates, times,
percentages, money, units, document numbers, phone numbers, abbreviations, Roman numerals
after the words that take them. Punctuation that gives a pause (. , ; : ! ?) is kept;
brackets become commas; quotes, bullets and other symbols go.

Reading rules (written Vietnamese, northern standard)
-----------------------------------------------------
- 0 tens inside a number is read "linh" (105 → một trăm linh năm), the northern standard
  and that of radio and television; the south says "lẻ". ZERO_TENS below switches it.
- 1 after "mươi" is "mốt" (21 → hai mươi mốt), but "một" after "mười" and "linh" (11, 101);
  5 after a ten is "lăm" (15, 25), but "năm" after "linh" (105); 4 after "mươi" is "tư"
  (24 → hai mươi tư), as in dates ("ngày hai mươi tư"), "bốn" elsewhere; 10 is "mười",
  20… are "hai mươi"….
- Scales: nghìn, triệu, tỷ; a group after a higher one is read in full (1.005 → một nghìn
  không trăm linh năm; 2026 → hai nghìn không trăm hai mươi sáu).
- "1.500.000" groups thousands with dots; "2,5" is a decimal comma (hai phẩy năm);
  "1,500,000" (two or more comma groups) is read as thousands too; any other "2.5" is read
  "hai chấm năm" (section numbers: "khoản 2.1").
- Numbers that start with 0 and have three digits or more (codes, phone numbers) are read
  digit by digit; phone numbers by their groups, separated by commas (pauses).
- Months: April is "tháng tư" (the month word), the others "tháng một"… "tháng mười hai".
- "thứ 1" → "thứ nhất", "thứ 4" → "thứ tư", other ordinals "thứ" + the number.
- "d/m" without a year is a date when one of its parts has two digits or a word such as
  "ngày", "sáng", "từ", "đến" stands before it; otherwise it is a fraction (1/2 → một phần
  hai). After "số", "hẻm", "ngõ"… it is a house number (12/3 → mười hai trên ba).
- "a/b" is a count out of a total, read "a trên b", when a counting noun follows it ("17/19
  tiêu chí", "9/10 hộ") or when it follows "đạt" (or "hoàn thành") and a ≤ b ("đạt 9/10"),
  unless a date word stands before it ("ngày 9/10 hộ dân …" stays a date).
- Roads: "QL.1A" → "quốc lộ một A", "ĐT.911" → "đường tỉnh chín một một" (ĐT with a dot
  or joined to its number: "ĐT 113" and "ĐT.0294…" are phone numbers), "ĐH.15" →
  "đường huyện mười lăm" (TL tỉnh lộ, HL hương lộ, ĐX đường xã, ĐCT đường cao tốc); a road
  number of three digits or more is read digit by digit, a shorter one as a number. A
  number that starts with 0 too ("ĐCT.01" → "đường cao tốc không một"). A kilometre post,
  "Km 15+200", is "ki lô mét mười lăm cộng hai trăm".

The tables are at the top so that others can extend them; the passes below run in order
(document numbers first, since they hold dates, numbers and abbreviations; bare numbers
last). Each pass only produces lower-case words and punctuation, so a later pass never
re-reads what an earlier one wrote.
"""

import re
import unicodedata

# --- tables -------------------------------------------------------------------------------

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
ZERO_TENS = "linh"  # northern standard (radio, television); the south says "lẻ"
DECIMAL_COMMA = "phẩy"
DECIMAL_POINT = "chấm"
SCALES = ((10**9, "tỷ"), (10**6, "triệu"), (10**3, "nghìn"))
MONTHS = {4: "tư"}  # month names that are not the plain number
ORDINALS = {1: "nhất", 4: "tư"}  # "thứ 1" → "thứ nhất", "thứ 4" → "thứ tư"

# Whole-word abbreviations, matched case-sensitively. Longest first when they overlap.
ABBREVIATIONS = {
    "UBND": "Uỷ ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "UBMTTQVN": "Uỷ ban Mặt trận Tổ quốc Việt Nam",
    "UBMTTQ": "Uỷ ban Mặt trận Tổ quốc",
    "MTTQVN": "Mặt trận Tổ quốc Việt Nam",
    "MTTQ": "Mặt trận Tổ quốc",
    "BCHQS": "Ban chỉ huy quân sự",
    "BCH": "Ban chỉ huy",
    "BCĐ": "Ban chỉ đạo",
    "PCTT&TKCN": "phòng chống thiên tai và tìm kiếm cứu nạn",
    "PCTT": "phòng chống thiên tai",
    "TKCN": "tìm kiếm cứu nạn",
    "PCCC": "phòng cháy chữa cháy",
    "CSGT": "cảnh sát giao thông",
    "CAX": "công an xã",
    "THCS": "trung học cơ sở",
    "THPT": "trung học phổ thông",
    "BHYT": "bảo hiểm y tế",
    "BHXH": "bảo hiểm xã hội",
    "CCCD": "căn cước công dân",
    "CMND": "chứng minh nhân dân",
    "KT-XH": "kinh tế xã hội",
    "VH-XH": "văn hoá xã hội",
    "NĐ-CP": "nghị định của Chính phủ",
    "QĐ": "quyết định",
    "TTg": "Thủ tướng Chính phủ",
    "BTTTT": "Bộ Thông tin và Truyền thông",
    "HTX": "hợp tác xã",
    "NTM": "nông thôn mới",
    "ATTP": "an toàn thực phẩm",
    "ATGT": "an toàn giao thông",
    "CNTT": "công nghệ thông tin",
    "GD&ĐT": "giáo dục và đào tạo",
    "NN&PTNT": "nông nghiệp và phát triển nông thôn",
    "TN&MT": "tài nguyên và môi trường",
    "LĐ-TB&XH": "lao động, thương binh và xã hội",
    "NVQS": "nghĩa vụ quân sự",
    "DQTV": "dân quân tự vệ",
    "HLHPN": "Hội Liên hiệp Phụ nữ",
    "CCB": "cựu chiến binh",
    "CLB": "câu lạc bộ",
    "ĐBSCL": "đồng bằng sông Cửu Long",
    "TPHCM": "thành phố Hồ Chí Minh",
    "HCM": "Hồ Chí Minh",
    "SĐT": "số điện thoại",
    "VNĐ": "đồng",
}

# "TP. Trà Vinh", "Q. 1", "P. Hòa Thuận": read as words only when a capital letter or a digit
# follows. The one-letter ones also need an address context before them (start of the text,
# a comma, "tại", "ở", "thuộc", "địa chỉ"), so that "Chương X. Điều 1" stays as it is.
ADDRESS_PREFIXES = {"TP": "thành phố", "TT": "thị trấn", "TX": "thị xã", "KP": "khu phố"}
ADDRESS_LETTERS = {"Q": "quận", "P": "phường", "X": "xã", "H": "huyện"}
ADDRESS_CONTEXT = ("tại", "ở", "thuộc", "địa chỉ")

# Document numbers "35/KH-UBND", "12/2024/QĐ-UBND": the first code is the kind of document
# (when it is one of these), the others its issuer.
DOC_TYPES = {
    "QĐ": "quyết định",
    "KH": "kế hoạch",
    "TB": "thông báo",
    "CV": "công văn",
    "NQ": "nghị quyết",
    "CT": "chỉ thị",
    "BC": "báo cáo",
    "TTr": "tờ trình",
    "GM": "giấy mời",
    "NĐ": "nghị định",
    "TT": "thông tư",
    "HD": "hướng dẫn",
    "CĐ": "công điện",
    "TTLT": "thông tư liên tịch",
    "QC": "quy chế",
    "QyĐ": "quy định",
    "KL": "kết luận",
    "PA": "phương án",
    "CTr": "chương trình",
    "L": "luật",
}
ISSUERS = {
    "CP": "Chính phủ",
    "TTg": "Thủ tướng Chính phủ",
    "VPCP": "Văn phòng Chính phủ",
    "BTTTT": "Bộ Thông tin và Truyền thông",
    "BYT": "Bộ Y tế",
    "BCA": "Bộ Công an",
    "BQP": "Bộ Quốc phòng",
    "BNV": "Bộ Nội vụ",
    "BTC": "Bộ Tài chính",
    "BGDĐT": "Bộ Giáo dục và Đào tạo",
    "BNNPTNT": "Bộ Nông nghiệp và Phát triển nông thôn",
    "SYT": "Sở Y tế",
    "STTTT": "Sở Thông tin và Truyền thông",
    "SNV": "Sở Nội vụ",
    "TU": "Tỉnh uỷ",
    "HU": "Huyện uỷ",
    "ĐU": "Đảng uỷ",
    "BTV": "Ban thường vụ",
    "VP": "văn phòng",
    "VX": "văn xã",
    "KT": "kinh tế",
    "NC": "nội chính",
    "TH": "tổng hợp",
    "QH": "Quốc hội",
}

# Road classes, written before the road's number: "QL.1A", "ĐT.911", "ĐH 15".
ROADS = {
    "QL": "quốc lộ",
    "ĐCT": "đường cao tốc",
    "ĐT": "đường tỉnh",
    "TL": "tỉnh lộ",
    "ĐH": "đường huyện",
    "HL": "hương lộ",
    "ĐX": "đường xã",
}
# Nouns that, after "a/b", make it a count out of a total ("17/19 tiêu chí" → "mười bảy trên
# mười chín tiêu chí"), and the words before "a/b" that do ("đạt 9/10").
COUNT_NOUNS = (
    "tiêu chí",
    "chỉ tiêu",
    "nhiệm vụ",
    "nội dung",
    "hộ",
    "người",
    "gia đình",
    "xã",
    "phường",
    "thị trấn",
    "huyện",
    "tỉnh",
    "ấp",
    "thôn",
    "bản",
    "khóm",
    "tổ",
    "khu phố",
    "đơn vị",
    "cơ quan",
    "trường",
    "lớp",
    "học sinh",
    "trẻ",
    "thành viên",
    "đại biểu",
    "cán bộ",
    "hồ sơ",
    "thủ tục",
    "phiếu",
    "câu",
    "điểm",
    "cơ sở",
    "doanh nghiệp",
    "hợp tác xã",
    "công trình",
    "tuyến",
    "mô hình",
    "trạm",
    "cụm",
    "mũi",
    "lượt",
    "ca",
)
RATIO_CONTEXT = ("đạt", "đạt được", "hoàn thành")

UNITS = {
    "km/h": "ki lô mét trên giờ",
    "km/giờ": "ki lô mét trên giờ",
    "m/s": "mét trên giây",
    "m3/s": "mét khối trên giây",
    "km²": "ki lô mét vuông",
    "km2": "ki lô mét vuông",
    "Km": "ki lô mét",
    "KM": "ki lô mét",
    "m²": "mét vuông",
    "m2": "mét vuông",
    "m³": "mét khối",
    "m3": "mét khối",
    "km": "ki lô mét",
    "cm": "xen ti mét",
    "mm": "mi li mét",
    "m": "mét",
    "ha": "héc ta",
    "kg": "ki lô gam",
    "g": "gam",
    "ml": "mi li lít",
    "l": "lít",
    "kWh": "ki lô oát giờ",
    "kW": "ki lô oát",
    "MW": "mê ga oát",
    "°C": "độ xê",
    "ºC": "độ xê",
    "oC": "độ xê",
    "°": "độ",
}
CURRENCIES = {
    "đ": "đồng",
    "đồng": "đồng",
    "VNĐ": "đồng",
    "VND": "đồng",
    "vnđ": "đồng",
    "vnd": "đồng",
    "USD": "đô la Mỹ",
}

# Words after which "d/m" is a date (with one-digit parts, "1/6" would otherwise be a fraction).
DATE_CONTEXT = (
    "sáng",
    "trưa",
    "chiều",
    "tối",
    "đêm",
    "hôm",
    "từ",
    "đến",
    "tới",
    "và",
    "trước",
    "sau",
    "mùng",
    "vào",
    "hạn",
    "hết",
)
# Streets and places named after a date: "đường 30/4" → "đường ba mươi tháng tư" (no "ngày").
NAMED_DATE_CONTEXT = ("đường", "phố", "cầu", "công viên", "quảng trường", "khu phố")
# Words after which "12/3" is a house or alley number (read "mười hai trên ba").
HOUSE_CONTEXT = ("số", "số nhà", "hẻm", "kiệt", "ngõ", "ngách", "nhà")
# Words after which a run of digits is a phone number, read digit by digit.
PHONE_CONTEXT = (
    "điện thoại",
    "ĐT",
    "SĐT",
    "hotline",
    "đường dây nóng",
    "gọi",
    "tổng đài",
    "gọi số",
    "liên hệ số",
    "Zalo",
)
# Of those, the ones after which a short number (113, 114, 115, 1022) is a number to call; after
# the others a phone number needs eight digits or more.
CALL_CONTEXT = ("hotline", "đường dây nóng", "gọi", "tổng đài", "gọi số")
PHONE_CONTEXT_WORDS = {"ĐT": "điện thoại", "SĐT": "số điện thoại"}  # read out before a phone number
# Words after which a Roman numeral is a number ("quý III", "khoá XV", "lần thứ IV").
ROMAN_CONTEXT = (
    "quý",
    "khoá",
    "khóa",
    "cấp",
    "chương",
    "phần",
    "mục",
    "thế kỷ",
    "đại hội",
    "nhiệm kỳ",
    "giai đoạn",
    "lần thứ",
    "kỳ họp thứ",
    "hội nghị lần thứ",
    "phụ lục",
)
SYMBOLS = {"&": " và ", "@": " a còng ", "+": " cộng ", "=": " bằng "}

# --- numbers ------------------------------------------------------------------------------


def read_digits(digits: str) -> str:
    """'0294' → 'không hai chín bốn'."""
    return " ".join(DIGITS[int(d)] for d in digits if d.isdigit())


def _read_triple(n: int, full: bool, zero_tens: str) -> list[str]:
    """0 ≤ n < 1000; full: the group follows a higher one, so its hundreds are spoken even
    when zero (1.005 → … không trăm linh năm)."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(zero_tens)
            words.append(DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])
    else:
        words += [DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 4: "tư", 5: "lăm"}.get(units, DIGITS[units]))
    return words


def _read_int(n: int, full: bool, zero_tens: str) -> list[str]:
    for size, name in SCALES:
        if n >= size:
            high, low = divmod(n, size)
            words = _read_int(high, full, zero_tens) + [name]
            if low:
                words += _read_int(low, True, zero_tens)
            return words
    return _read_triple(n, full, zero_tens)


def read_number(n: int, zero_tens: str = ZERO_TENS) -> str:
    """12 → 'mười hai', 21 → 'hai mươi mốt', 105 → 'một trăm linh năm', 2026 → 'hai nghìn
    không trăm hai mươi sáu', 1500000 → 'một triệu năm trăm nghìn'."""
    if n == 0:
        return DIGITS[0]
    return " ".join(_read_int(n, False, zero_tens))


def read_integer_text(digits: str, zero_tens: str = ZERO_TENS) -> str:
    """A run of digits as written: '05' → 'năm', '0294' → digit by digit, very long runs
    digit by digit."""
    if len(digits) > 15 or (len(digits) >= 3 and digits[0] == "0"):
        return read_digits(digits)
    return read_number(int(digits), zero_tens)


def read_decimal(integer: str, fraction: str, point: str = DECIMAL_COMMA, zero_tens: str = ZERO_TENS) -> str:
    """'2', '5' → 'hai phẩy năm'; '2', '05' → 'hai phẩy không năm'; '3', '14' → 'ba phẩy
    mười bốn'; a longer fraction digit by digit."""
    head = read_integer_text(integer, zero_tens) if len(integer) > 2 else read_number(int(integer), zero_tens)
    if fraction.startswith("0") or len(fraction) > 2:
        tail = read_digits(fraction)
    else:
        tail = read_number(int(fraction), zero_tens)
    return f"{head} {point} {tail}"


def read_ordinal(n: int, zero_tens: str = ZERO_TENS) -> str:
    return ORDINALS.get(n) or read_number(n, zero_tens)


def read_month(m: int, zero_tens: str = ZERO_TENS) -> str:
    return MONTHS.get(m) or read_number(m, zero_tens)


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}


def roman_to_int(s: str) -> int | None:
    """'XIV' → 14; None unless s is a well-formed numeral (so 'IIII' or 'VX' stay words)."""
    total = 0
    for i, ch in enumerate(s):
        value = _ROMAN.get(ch)
        if value is None:
            return None
        if i + 1 < len(s) and _ROMAN.get(s[i + 1], 0) > value:
            total -= value
        else:
            total += value
    if not 0 < total < 400 or _int_to_roman(total) != s:
        return None
    return total


def _int_to_roman(n: int) -> str:
    out = ""
    for value, letters in (
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= value:
            out += letters
            n -= value
    return out


# --- the passes ---------------------------------------------------------------------------

_B = r"(?<![^\W_])"  # no letter or digit before
_E = r"(?![^\W_])"  # no letter or digit after


def _alternation(words, flags=""):
    ordered = sorted(words, key=len, reverse=True)
    body = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)
    return f"(?{flags}:{body})" if flags else f"(?:{body})"


def _grouped_words(text: str, zero_tens: str) -> str:
    """'1.500.000' → 'một triệu năm trăm nghìn'; '1.234,5' → '… phẩy năm'."""
    integer, _, fraction = text.partition(",")
    integer = integer.replace(".", "")
    if fraction:
        return read_decimal(integer, fraction, DECIMAL_COMMA, zero_tens)
    return read_number(int(integer), zero_tens)


def _issuer_words(code: str) -> str:
    m = re.fullmatch(r"QH(\d+)", code)
    if m:
        return f"Quốc hội khoá {read_number(int(m.group(1)))}"
    return ISSUERS.get(code) or ABBREVIATIONS.get(code) or code


_CODE = r"[A-ZĐ]+[a-zđ]?[A-ZĐ]*\d*"
_DOC_RE = re.compile(
    rf"{_B}(?P<so>(?i:số)\s*:?\s*)?(?P<num>\d{{1,5}})(?:/(?P<year>\d{{4}}))?/(?P<codes>{_CODE}(?:-{_CODE})*){_E}"
)


def _doc_number(m, zero_tens):
    codes = m.group("codes").split("-")
    parts = []
    so = m.group("so")
    so_word = re.match(r"(?i)số", so).group(0) if so else "số"
    parts.append(f"{so_word} {read_integer_text(m.group('num'), zero_tens)}")
    if m.group("year"):
        parts.append(f"năm {read_number(int(m.group('year')), zero_tens)}")
    first, *issuers = codes
    if first in DOC_TYPES:
        parts.append(DOC_TYPES[first])
    else:
        issuers = codes
    parts += [_issuer_words(code) for code in issuers]
    return ", ".join(parts)


_PHONE_CONTEXT_RE = re.compile(
    rf"(?P<ctx>{_B}{_alternation(PHONE_CONTEXT, 'i')}\s*:?\s*)(?P<num>\+?\(?\d[\d().\s-]*\d){_E}"
)
_PHONE_SHAPE_RE = re.compile(r"(?<![\w.,/])(?:\+84|\(0\d{1,4}\)|0)[\d().\s-]*\d(?![\w])")
_HOTLINE_RE = re.compile(r"(?<![\w.,/])1[89]00[ .]?\d{2,4}(?:[ .]?\d{2,4})?(?![\w])")


def _phone_words(number: str) -> str | None:
    """'0294 3862 123' → 'không hai chín bốn, ba tám sáu hai, một hai ba'; None when it is
    not shaped like a phone number."""
    number = number.strip()
    plus = number.startswith("+")
    groups = [g for g in re.split(r"[\s().-]+", number.lstrip("+")) if g]
    if not groups or not all(g.isdigit() for g in groups):
        return None
    words = ", ".join(read_digits(g) for g in groups)
    return f"cộng {words}" if plus else words


def _phones(text, zero_tens):
    def by_context(m):
        digits = re.sub(r"\D", "", m.group("num"))
        call = m.group("ctx").strip(" :").lower() in {c.lower() for c in CALL_CONTEXT}
        words = _phone_words(m.group("num")) if len(digits) >= 8 or (call and 3 <= len(digits) <= 5) else None
        if words is None:
            return m.group(0)
        ctx = m.group("ctx")
        word = ctx.strip(" :")
        return ctx.replace(word, PHONE_CONTEXT_WORDS.get(word, word), 1) + words

    def by_shape(m):
        digits = re.sub(r"\D", "", m.group(0))
        ok = 10 <= len(digits) <= 12 if m.group(0).startswith("+84") else len(digits) in (10, 11)
        # A run of single spaces between groups only (not "0 và 1"), no trailing separator.
        if not ok or re.search(r"\s{2,}|[.\-]{2,}", m.group(0)):
            return m.group(0)
        words = _phone_words(m.group(0))
        return m.group(0) if words is None else words

    text = _PHONE_CONTEXT_RE.sub(by_context, text)
    text = _PHONE_SHAPE_RE.sub(by_shape, text)
    return _HOTLINE_RE.sub(lambda m: _phone_words(m.group(0)) or m.group(0), text)


_ROAD_RE = re.compile(
    rf"{_B}(?P<road>{_alternation(ROADS)})(?P<sep>\.\s*|\s+|(?=\d))(?P<num>\d{{1,4}})(?P<letters>[A-Z]{{0,2}})"
    rf"{_E}(?![.,]\d|\s+\d)"
)
_KM_POST_RE = re.compile(rf"(?<!\d)(?<!\d\s){_B}[Kk][Mm]\s?(?P<km>\d{{1,4}})(?:\s?\+\s?(?P<m>\d{{1,3}}))?{_E}")


def _roads(text, zero_tens):
    """Road numbers and kilometre posts (see the reading rules above)."""

    def road(m):
        digits = m.group("num")
        sep = m.group("sep")
        if m.group("road") == "ĐT" and ((sep and not sep.strip()) or digits.startswith("0")):
            return m.group(0)  # "ĐT 113", "ĐT.0294…": a phone number (điện thoại), not a road
        spelt = len(digits) >= 3 or digits.startswith("0")  # ĐT.911, CT.01: digit by digit
        number = read_digits(digits) if spelt else read_number(int(digits), zero_tens)
        letters = " ".join(m.group("letters"))
        return " ".join(part for part in (ROADS[m.group("road")], number, letters) if part)

    def post(m):
        out = f"ki lô mét {read_number(int(m.group('km')), zero_tens)}"
        return out + (f" cộng {read_number(int(m.group('m')), zero_tens)}" if m.group("m") else "")

    text = _ROAD_RE.sub(road, text)
    return _KM_POST_RE.sub(post, text)


_RATIO_RE = re.compile(
    rf"(?P<before>(?:^|\W)(?P<ctx>{_alternation(('ngày', 'tháng') + RATIO_CONTEXT + DATE_CONTEXT + NAMED_DATE_CONTEXT + HOUSE_CONTEXT, 'i')}\s+)?)"
    rf"(?P<a>\d{{1,3}})/(?P<b>\d{{1,3}}){_E}(?!/)(?=(?P<noun>\s+{_alternation(COUNT_NOUNS, 'i')}{_E})?)"
)


def _ratios(text, zero_tens):
    """ "17/19 tiêu chí", "đạt 9/10": a count out of a total, "a trên b" (the reading rules)."""

    def ratio(m):
        ctx = " ".join((m.group("ctx") or "").lower().split())
        a, b = int(m.group("a")), int(m.group("b"))
        counted = (ctx in RATIO_CONTEXT and a <= b) or (not ctx and m.group("noun"))
        if not counted:
            return m.group(0)
        words = f"{read_integer_text(m.group('a'), zero_tens)} trên {read_integer_text(m.group('b'), zero_tens)}"
        return f"{m.group('before')}{words}"

    return _RATIO_RE.sub(ratio, text)


def _valid_date(d, m, y=None):
    return 1 <= d <= 31 and 1 <= m <= 12 and (y is None or 1000 <= y <= 2999)


_NGAY = r"(?P<ngay>(?i:ngày)\s+)?"
_DMY_RE = re.compile(rf"{_B}{_NGAY}(?P<d>\d{{1,2}})(?P<sep>[/.-])(?P<m>\d{{1,2}})(?P=sep)(?P<y>\d{{4}}){_E}")
_DM_DM_RE = re.compile(
    rf"{_B}{_NGAY}(?P<d1>\d{{1,2}})/(?P<m1>\d{{1,2}})\s*-\s*(?:(?i:ngày)\s+)?(?P<d2>\d{{1,2}})/(?P<m2>\d{{1,2}})"
    rf"(?:/(?P<y>\d{{4}}))?{_E}"
)
_DD_M_RE = re.compile(rf"{_B}{_NGAY}(?P<d1>\d{{1,2}})\s*-\s*(?P<d2>\d{{1,2}})/(?P<m>\d{{1,2}})(?:/(?P<y>\d{{4}}))?{_E}")
_DM_RE = re.compile(
    rf"(?P<before>(?:^|\W)(?P<ctx>{_alternation(DATE_CONTEXT + NAMED_DATE_CONTEXT, 'i')}\s+)?)"
    rf"(?P<ngay>(?i:ngày)\s+)?(?P<d>\d{{1,2}})/(?P<m>\d{{1,2}}){_E}(?!/)"
)
_MY_RE = re.compile(rf"{_B}(?P<thang>(?i:tháng)\s+)?(?P<m>\d{{1,2}})/(?P<y>\d{{4}}){_E}")
_HOUSE_RE = re.compile(rf"(?P<ctx>{_B}{_alternation(HOUSE_CONTEXT, 'i')}\s+)(?P<a>\d+)/(?P<b>\d+){_E}")


def _date_words(d, m, y=None, ngay=None, zero_tens=ZERO_TENS):
    out = f"{(ngay or 'ngày ').rstrip()} {read_number(d, zero_tens)} tháng {read_month(m, zero_tens)}"
    if y is not None:
        out += f" năm {read_number(y, zero_tens)}"
    return out


def _dates(text, zero_tens):
    def dmy(m):
        d, mo, y = int(m.group("d")), int(m.group("m")), int(m.group("y"))
        if not _valid_date(d, mo, y):
            return m.group(0)
        return _date_words(d, mo, y, m.group("ngay"), zero_tens)

    def dm_dm(m):
        d1, m1, d2, m2 = (int(m.group(k)) for k in ("d1", "m1", "d2", "m2"))
        y = int(m.group("y")) if m.group("y") else None
        if not (_valid_date(d1, m1) and _valid_date(d2, m2)):
            return m.group(0)
        return _date_words(d1, m1, None, m.group("ngay"), zero_tens) + " đến " + _date_words(d2, m2, y, None, zero_tens)

    def dd_m(m):
        d1, d2, mo = int(m.group("d1")), int(m.group("d2")), int(m.group("m"))
        y = int(m.group("y")) if m.group("y") else None
        if not (_valid_date(d1, mo) and _valid_date(d2, mo) and d1 < d2):
            return m.group(0)
        ngay = (m.group("ngay") or "ngày ").rstrip()
        out = f"{ngay} {read_number(d1, zero_tens)} đến ngày {read_number(d2, zero_tens)} tháng {read_month(mo, zero_tens)}"
        return out + (f" năm {read_number(y, zero_tens)}" if y else "")

    def house(m):
        return f"{m.group('ctx')}{read_integer_text(m.group('a'), zero_tens)} trên {read_integer_text(m.group('b'), zero_tens)}"

    def dm(m):
        d, mo = int(m.group("d")), int(m.group("m"))
        two_digits = len(m.group("d")) == 2 or len(m.group("m")) == 2
        if _valid_date(d, mo) and (two_digits or m.group("ctx") or m.group("ngay")):
            ctx = (m.group("ctx") or "").strip().lower()
            if ctx in NAMED_DATE_CONTEXT and not m.group("ngay"):
                return m.group("before") + f"{read_number(d, zero_tens)} tháng {read_month(mo, zero_tens)}"
            return m.group("before") + _date_words(d, mo, None, m.group("ngay"), zero_tens)
        return m.group(0)  # left to the fraction rule

    def my(m):
        mo, y = int(m.group("m")), int(m.group("y"))
        if not _valid_date(1, mo, y):
            return m.group(0)
        thang = (m.group("thang") or "tháng ").rstrip()
        return f"{thang} {read_month(mo, zero_tens)} năm {read_number(y, zero_tens)}"

    text = _DM_DM_RE.sub(dm_dm, text)
    text = _DD_M_RE.sub(dd_m, text)
    text = _DMY_RE.sub(dmy, text)
    text = _HOUSE_RE.sub(house, text)
    text = _MY_RE.sub(my, text)
    return _DM_RE.sub(dm, text)


_RANGE_RE = re.compile(r"(\d(?:[hg]\d{0,2})?'?%?)\s*[-–]\s*(?=\d)")
_TIME_H_RE = re.compile(rf"{_B}(?P<h>\d{{1,2}})(?:h|(?=g\d)g)(?P<min>\d{{2}})?(?:'|\s?(?:phút|p){_E})?{_E}")
_TIME_COLON_RE = re.compile(rf"{_B}(?P<h>\d{{1,2}}):(?P<min>\d{{2}})(?::(?P<s>\d{{2}}))?{_E}")


def _times(text, zero_tens):
    def words(h, minutes, seconds=None):
        out = f"{read_number(h, zero_tens)} giờ"
        if minutes:
            out += f" {read_number(minutes, zero_tens)} phút"
        if seconds:
            out += f" {read_number(seconds, zero_tens)} giây"
        return out

    def by_h(m):
        h, minutes = int(m.group("h")), int(m.group("min") or 0)
        if h > 24 or minutes > 59:
            return m.group(0)
        return words(h, minutes)

    def by_colon(m):
        h, minutes, seconds = int(m.group("h")), int(m.group("min")), int(m.group("s") or 0)
        if h > 24 or minutes > 59 or seconds > 59:
            return m.group(0)
        return words(h, minutes, seconds)

    text = _TIME_COLON_RE.sub(by_colon, text)
    return _TIME_H_RE.sub(by_h, text)


_CURRENCY_RE = re.compile(rf"(?<=\d)\s?(?P<cur>{_alternation(CURRENCIES)})(?![^\W_])")
_PER_RE = re.compile(rf"(?P<a>đồng|đô la Mỹ)\s?/\s?(?P<b>{_alternation(UNITS)}|[^\W\d_]+){_E}")
_THOUSAND_K_RE = re.compile(rf"(?<=\d)k{_E}")
_UNIT_RE = re.compile(rf"(?<=\d)\s?(?P<u>{_alternation(UNITS)})(?![^\W_])")


def _money_and_units(text):
    text = _CURRENCY_RE.sub(lambda m: " " + CURRENCIES[m.group("cur")], text)
    text = _THOUSAND_K_RE.sub(" nghìn", text)
    text = _PER_RE.sub(lambda m: f"{m.group('a')} một {UNITS.get(m.group('b'), m.group('b'))}", text)
    text = re.sub(r"(?<=\d)\s?%", " phần trăm", text)
    return _UNIT_RE.sub(lambda m: " " + UNITS[m.group("u")], text)


_THU_RE = re.compile(rf"{_B}(?P<w>(?i:thứ))\s+(?P<n>\d{{1,3}}){_E}")
_THANG_RE = re.compile(rf"{_B}(?P<w>(?i:tháng))\s+(?P<n>\d{{1,2}}){_E}(?![/.,]\d)")
_ROMAN_RE = re.compile(rf"{_B}(?P<ctx>{_alternation(ROMAN_CONTEXT, 'i')})\s+(?P<r>[IVXLC]+)(?:/(?P<y>\d{{4}}))?{_E}")


def _ordinals(text, zero_tens):
    def thu(m):
        return f"{m.group('w')} {read_ordinal(int(m.group('n')), zero_tens)}"

    def thang(m):
        n = int(m.group("n"))
        return f"{m.group('w')} {read_month(n, zero_tens)}" if 1 <= n <= 12 else m.group(0)

    def roman(m):
        n = roman_to_int(m.group("r"))
        if n is None:
            return m.group(0)
        ordinal = m.group("ctx").lower().endswith("thứ")
        out = f"{m.group('ctx')} {read_ordinal(n, zero_tens) if ordinal else read_number(n, zero_tens)}"
        return out + (f" năm {read_number(int(m.group('y')), zero_tens)}" if m.group("y") else "")

    text = _ROMAN_RE.sub(roman, text)
    text = _THU_RE.sub(thu, text)
    return _THANG_RE.sub(thang, text)


_GROUPED_RE = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\d]|[.,]\d)")
_COMMA_GROUPED_RE = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3}){2,}(?![\d]|[.,]\d)")
_DECIMAL_RE = re.compile(r"(?<![\d.,])(\d+)([.,])(\d+)(?![\d]|[.,]\d)")
_FRACTION_RE = re.compile(r"(?<![\d/])(\d{1,3})/(\d{1,3})(?![\d/])")
_DIGITS_RE = re.compile(r"\d+")


def _numbers(text, zero_tens):
    def spaced(words):
        return f" {words} "

    text = _GROUPED_RE.sub(lambda m: spaced(_grouped_words(m.group(0), zero_tens)), text)
    text = _COMMA_GROUPED_RE.sub(lambda m: spaced(read_number(int(m.group(0).replace(",", "")), zero_tens)), text)
    text = _DECIMAL_RE.sub(
        lambda m: spaced(
            read_decimal(m.group(1), m.group(3), DECIMAL_COMMA if m.group(2) == "," else DECIMAL_POINT, zero_tens)
        ),
        text,
    )
    text = _FRACTION_RE.sub(
        lambda m: spaced(f"{read_integer_text(m.group(1), zero_tens)} phần {read_integer_text(m.group(2), zero_tens)}"),
        text,
    )
    return _DIGITS_RE.sub(lambda m: spaced(read_integer_text(m.group(0), zero_tens)), text)


_ABBR_RE = re.compile(rf"{_B}{_alternation(ABBREVIATIONS)}{_E}")
_ADDRESS_RE = re.compile(rf"{_B}(?P<p>{_alternation(ADDRESS_PREFIXES)})(?:\.\s*|\s+)(?=\w)")
_LETTER_RE = re.compile(
    rf"(?P<before>(?:^|[,;:(-])\s*|{_B}{_alternation(ADDRESS_CONTEXT, 'i')}\s+)(?P<p>[QPXH])\.\s*(?=\w)"
)


def _capital_or_digit_at(text, i):
    return i < len(text) and (text[i].isupper() or text[i].isdigit())


def _abbreviations(text):
    def address(m):
        # "TP.HCM", "TP. Trà Vinh", "TP Trà Vinh": a capital letter or a digit follows.
        if not _capital_or_digit_at(m.string, m.end()):
            return m.group(0)
        return ADDRESS_PREFIXES[m.group("p")] + " "

    def letter(m):
        if not _capital_or_digit_at(m.string, m.end()):
            return m.group(0)
        return m.group("before") + ADDRESS_LETTERS[m.group("p")] + " "

    text = _LETTER_RE.sub(letter, text)
    text = _ABBR_RE.sub(lambda m: ABBREVIATIONS[m.group(0)], text)
    return _ADDRESS_RE.sub(address, text)


def _symbols(text):
    text = re.sub(r"https?://", "", text)
    # Web addresses and e-mail: "tincoso.gov.vn" → "tincoso chấm gov chấm vn".
    text = re.sub(r"(?<=[a-z0-9])\.(?=[a-z]{2,}\b)", " chấm ", text)
    for symbol, words in SYMBOLS.items():
        text = text.replace(symbol, words)
    text = re.sub(r"[()\[\]{}]", ", ", text)
    text = re.sub(r"[\"“”„«»‘’`*#_~|•●▪►◆✓]", " ", text)
    text = re.sub(r"(?<=[^\W\d_])'(?=[^\W\d_])", "", text)
    text = text.replace("'", " ")
    text = re.sub(r"\.{2,}|…", ".", text)
    text = re.sub(r"\s[-–—]+\s|\s[-–—]+$|^[-–—]+\s", ", ", text)  # " - " between phrases: a pause
    text = re.sub(r"[-–—/\\]", " ", text)
    return text


def _lines(text):
    """Bullets off; a line break is a pause: a line without closing punctuation that another
    line follows ends with a full stop."""
    lines = [re.sub(r"^\s*[-–—+•●▪►*]+\s+", "", line).strip() for line in text.split("\n")]
    lines = [line for line in lines if line]
    return " ".join(line if i == len(lines) - 1 or line[-1] in ".!?:;," else line + "." for i, line in enumerate(lines))


def _tidy(text):
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?:\s*[,;:])+", r"\1", text)
    text = re.sub(r"[,;:]\s*([.!?])", r"\1", text)
    text = re.sub(r"([.!?])(?:\s*[,.])+", r"\1", text)
    text = re.sub(r"([,.;:!?])(?=[^\s\d,.;:!?])", r"\1 ", text)
    text = re.sub(r"^[\s,.;:]+", "", text)
    return text.strip()


def normalise(text: str, *, zero_tens: str = ZERO_TENS) -> str:
    """Vietnamese text (NFC or NFD) → the words to synthesise, NFC, on one line."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u202f", " ")
    text = re.sub(r"[–—−]", "-", text)
    text = _lines(text)
    text = re.sub(rf"{_B}[đĐ]/[cC]{_E}", "đồng chí", text)  # before "đ" is read as money
    text = _DOC_RE.sub(lambda m: _doc_number(m, zero_tens), text)
    text = _roads(text, zero_tens)
    text = _phones(text, zero_tens)
    text = _ratios(text, zero_tens)
    text = _dates(text, zero_tens)
    text = re.sub(rf"{_B}(?P<d>(?i:độ))\s+C{_E}", r"\g<d> xê", text)  # "35 độ C"
    text = _RANGE_RE.sub(r"\1 đến ", text)
    text = _times(text, zero_tens)
    text = _money_and_units(text)
    text = _ordinals(text, zero_tens)
    text = _abbreviations(text)
    text = _numbers(text, zero_tens)
    text = _symbols(text)
    return _tidy(text)

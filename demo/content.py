"""Demo content for the sites of a province: what `manage.py seed_demo` writes.

Pure functions: from a random.Random and a Place (a commune or a portal, with the names of
its area) they produce news, announcements, legal documents, the commune profile, contacts
and the site identity as plain data, and render the pictures and files (Pillow) as bytes.
Nothing here touches the database; the command (management/commands/seed_demo.py) does.

The same seed and the same place give the same content (dates are relative to the `today`
or `now` passed in). Names, numbers and figures are invented but plausible; the procedure
codes on dichvucong.gov.vn are illustrative.
"""

import functools
import html
import io
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from areas.models.units import UnitType
from core.text import slugify_vi

WORKING_HOURS = "Sáng 7h00–11h30, chiều 13h30–17h00 từ thứ Hai đến thứ Sáu"
NEWS_DAYS = 60

# --- Places -----------------------------------------------------------------------------------

# Area codes of the landlines, by province code (2024 codes; the 2025 provinces keep the code
# of one of the merged ones, so the look-up still gives a real area code).
AREA_CODES = {
    "01": "024",
    "02": "0219",
    "04": "0206",
    "06": "0209",
    "08": "0207",
    "10": "0214",
    "11": "0215",
    "12": "0213",
    "14": "0212",
    "15": "0216",
    "17": "0218",
    "19": "0208",
    "20": "0205",
    "22": "0203",
    "24": "0204",
    "25": "0210",
    "26": "0211",
    "27": "0222",
    "30": "0220",
    "31": "0225",
    "33": "0221",
    "34": "0227",
    "35": "0226",
    "36": "0228",
    "37": "0229",
    "38": "0237",
    "40": "0238",
    "42": "0239",
    "44": "0232",
    "45": "0233",
    "46": "0234",
    "48": "0236",
    "49": "0235",
    "51": "0255",
    "52": "0256",
    "54": "0257",
    "56": "0258",
    "58": "0259",
    "60": "0252",
    "62": "0260",
    "64": "0269",
    "66": "0262",
    "67": "0261",
    "68": "0263",
    "70": "0271",
    "72": "0276",
    "74": "0274",
    "75": "0251",
    "77": "0254",
    "79": "028",
    "80": "0272",
    "82": "0273",
    "83": "0275",
    "84": "0294",
    "86": "0270",
    "87": "0277",
    "89": "0296",
    "91": "0297",
    "92": "0292",
    "93": "0293",
    "94": "0299",
    "95": "0291",
    "96": "0290",
}
# Provinces with a large Khmer community (pagodas, Ok Om Bok, Chôl Chnăm Thmây).
KHMER_PROVINCES = {"84", "86", "89", "91", "92", "94", "95", "96"}
URBAN_TYPES = {"phuong", "thi_tran", "quan", "thi_xa", "thanh_pho"}


@dataclass(frozen=True)
class Place:
    """A commune, or the area of a district or province portal, and the names around it."""

    level: str  # "commune" | "district" | "province"
    unit_type: str  # a UnitType value
    name: str  # "An Trường"
    code: str
    province_code: str
    ancestors: tuple = ()  # names in a sentence, nearest first: ("huyện Càng Long", "tỉnh Trà Vinh")
    subunits: tuple = ()  # names in a sentence of the units inside (a portal's communes or districts)
    neighbours: tuple = ()  # names in a sentence of the sibling communes

    @property
    def type_word(self):
        return str(UnitType(self.unit_type).label).lower()

    @property
    def in_sentence(self):
        return f"{self.type_word} {self.name}"

    @property
    def full_name(self):
        return cap(self.in_sentence)

    @property
    def ubnd(self):
        return f"UBND {self.in_sentence}"

    @property
    def agency(self):
        return f"Uỷ ban nhân dân {self.in_sentence}"

    @property
    def province(self):
        return self.ancestors[-1] if self.ancestors else self.in_sentence

    @property
    def is_portal(self):
        return self.level != "commune"

    @property
    def region(self):
        code = int(self.province_code)
        return "north" if code <= 37 else "central" if code <= 68 else "south"

    @property
    def mekong(self):
        return int(self.province_code) >= 80

    @property
    def khmer(self):
        return self.province_code in KHMER_PROVINCES

    @property
    def urban(self):
        return self.unit_type in URBAN_TYPES

    @property
    def rural(self):
        return self.unit_type in {"xa", "huyen", "tinh"}

    @property
    def area_code(self):
        return AREA_CODES.get(self.province_code, "0290")

    @property
    def mail_domain(self):
        province = self.ancestors[-1] if self.ancestors else self.in_sentence
        name = province.split(" ", 1)[1] if province.startswith("tỉnh ") else province.split(" ", 2)[-1]
        return f"{slugify_vi(name).replace('-', '')}.gov.vn"

    @property
    def mail_name(self):
        """'antruong.cl': the unit's name and its district's initials (names repeat across districts)."""
        base = slugify_vi(self.name).replace("-", "")
        if self.level == "commune" and len(self.ancestors) > 1:
            district = self.ancestors[0].split(" ", 1)[1]
            base += "." + "".join(w[0] for w in slugify_vi(district).split("-") if w)
        return base


def cap(text):
    return text[:1].upper() + text[1:]


def vn_int(n):
    """12345 → '12.345'."""
    return f"{int(n):,}".replace(",", ".")


def vn_dec(x, digits=2):
    """1234.5 → '1.234,50'."""
    return f"{x:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def vn_date(d):
    return d.strftime("%d/%m/%Y")


def long_date(d):
    return f"ngày {d.day:02d} tháng {d.month:02d} năm {d.year}"


# --- People -----------------------------------------------------------------------------------

SURNAMES = [
    ("Nguyễn", 30),
    ("Trần", 11),
    ("Lê", 9),
    ("Phạm", 6),
    ("Huỳnh", 5),
    ("Võ", 5),
    ("Phan", 4),
    ("Trương", 3),
    ("Bùi", 2),
    ("Đặng", 2),
    ("Đỗ", 2),
    ("Ngô", 2),
    ("Hồ", 2),
    ("Dương", 2),
    ("Lâm", 2),
    ("Đoàn", 1),
    ("Lý", 1),
    ("Mai", 1),
    ("Châu", 1),
    ("Tạ", 1),
]
KHMER_SURNAMES = [("Thạch", 7), ("Kim", 4), ("Sơn", 4), ("Triệu", 2), ("Danh", 1)]
MIDDLE = {
    "m": ["Văn"] * 8 + ["Minh", "Hoàng", "Quốc", "Thanh", "Hữu", "Công", "Đức", "Ngọc", "Tấn", "Trung", "Phước"],
    "f": ["Thị"] * 8 + ["Ngọc", "Thanh", "Kim", "Thu", "Mỹ", "Hồng", "Bích", "Tuyết"],
}
GIVEN = {
    "m": [
        "Hùng",
        "Dũng",
        "Tuấn",
        "Phong",
        "Hải",
        "Long",
        "Thành",
        "Tâm",
        "Phúc",
        "Khang",
        "Nghĩa",
        "Trung",
        "Sang",
        "Hiếu",
        "Bình",
        "Cường",
        "Đạt",
        "Hoà",
        "Lợi",
        "Nhân",
        "Quang",
        "Tài",
        "Thắng",
        "Vinh",
        "Toàn",
        "Trí",
        "Hậu",
        "Kiệt",
        "Lộc",
        "Thiện",
        "Khánh",
        "Nam",
    ],
    "f": [
        "Mai",
        "Lan",
        "Hồng",
        "Hương",
        "Ngân",
        "Trang",
        "Thảo",
        "Nhung",
        "Loan",
        "Phượng",
        "Diễm",
        "Yến",
        "Hạnh",
        "Liên",
        "Thuỷ",
        "Tuyết",
        "Vân",
        "Xuân",
        "Hà",
        "Linh",
        "Trinh",
        "Nguyệt",
        "Oanh",
        "Dung",
    ],
}
MOBILE_PREFIXES = [
    "090",
    "091",
    "093",
    "094",
    "096",
    "097",
    "098",
    "070",
    "076",
    "077",
    "078",
    "079",
    "081",
    "083",
    "084",
    "085",
    "086",
    "088",
    "089",
    "032",
    "033",
    "035",
    "036",
    "037",
    "038",
    "039",
]
DEGREES = [
    "Cử nhân Luật",
    "Cử nhân Kinh tế",
    "Kỹ sư Nông nghiệp",
    "Cử nhân Quản lý nhà nước",
    "Cử nhân Hành chính học",
    "Kỹ sư Thuỷ sản",
    "Cử nhân Sư phạm",
    "Thạc sĩ Quản lý kinh tế",
]


@dataclass
class Person:
    name: str
    gender: str  # "m" | "f"
    role: str = ""
    title: str = ""  # "Phó Chủ tịch UBND xã An Trường"
    short_title: str = ""  # "Phó Chủ tịch"
    duties: str = ""
    phone: str = ""
    email: str = ""
    biography: str = ""

    @property
    def honorific(self):
        return "ông" if self.gender == "m" else "bà"


def _weighted(r, pairs):
    return r.choices([p for p, _ in pairs], weights=[w for _, w in pairs])[0]


def person_name(r, gender, khmer=False):
    surname = _weighted(r, SURNAMES + (KHMER_SURNAMES if khmer else []))
    middle = r.choice(MIDDLE[gender])
    given = r.choice([g for g in GIVEN[gender] if g != middle])
    return f"{surname} {middle} {given}"


def mobile(r):
    return f"{r.choice(MOBILE_PREFIXES)}{r.randint(0, 9)} {r.randint(100, 999)} {r.randint(100, 999)}"


def landline(r, place):
    code = place.area_code
    if len(code) == 3:  # Hà Nội, TP. Hồ Chí Minh: eight digits after the code
        return f"{code} {r.randint(3500, 3999)} {r.randint(1000, 9999)}"
    return f"{code} {r.randint(3800, 3899)} {r.randint(100, 999)}"


def mail_for(name, place):
    words = slugify_vi(name).split("-")
    return f"{''.join(w[0] for w in words[:-1])}{words[-1]}.{place.mail_name}@{place.mail_domain}"


def party_committee(place):
    if place.level == "commune":
        return "Đảng uỷ"
    if place.level == "province":
        return "Tỉnh uỷ" if place.unit_type == "tinh" else "Thành uỷ"
    return {"thi_xa": "Thị uỷ", "thanh_pho": "Thành uỷ", "quan": "Quận uỷ"}.get(place.unit_type, "Huyện uỷ")


def officials(r, place):
    """The unit's leaders (3–5 for a commune), the first ones signing its documents.

    Roles: bi_thu, chu_tich, pct_kt (economy), pct_vx (culture and society), mttq."""
    tw = place.type_word
    party = party_committee(place)
    roles = [
        (
            "bi_thu",
            f"Bí thư {party}, Chủ tịch HĐND {tw}",
            "Bí thư " + party,
            f"Lãnh đạo toàn diện công tác của {party}; chủ trì kỳ họp và hoạt động của HĐND {tw}; "
            "phụ trách công tác tổ chức, cán bộ, kiểm tra, giám sát.",
        ),
        (
            "chu_tich",
            f"Phó Bí thư {party}, Chủ tịch UBND {tw}",
            "Chủ tịch",
            f"Lãnh đạo, điều hành chung hoạt động của UBND {tw}; trực tiếp phụ trách tài chính – ngân sách, "
            "quốc phòng – an ninh, thanh tra, tiếp công dân và giải quyết khiếu nại, tố cáo.",
        ),
        (
            "pct_kt",
            f"Phó Chủ tịch UBND {tw}",
            "Phó Chủ tịch",
            "Phụ trách kinh tế, nông nghiệp, tài nguyên – môi trường, xây dựng, giao thông, "
            "phòng chống thiên tai; " + ("xây dựng nông thôn mới." if place.rural else "chỉnh trang đô thị."),
        ),
        (
            "pct_vx",
            f"Phó Chủ tịch UBND {tw}",
            "Phó Chủ tịch",
            "Phụ trách văn hoá – xã hội, giáo dục, y tế, lao động – thương binh và xã hội, "
            "chuyển đổi số, cải cách hành chính.",
        ),
        (
            "mttq",
            f"Chủ tịch Uỷ ban MTTQ Việt Nam {tw}",
            "Chủ tịch Uỷ ban MTTQ",
            "Chủ trì công tác Mặt trận, giám sát và phản biện xã hội; phối hợp các đoàn thể vận động "
            "Nhân dân thực hiện cuộc vận động “Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh”.",
        ),
    ]
    count = r.randint(3, 5) if place.level == "commune" else 4
    chosen = roles[:3] + r.sample(roles[3:], count - 3) if count < 5 else roles
    people, names = [], set()
    for role, title, short_title, duties in sorted(chosen, key=lambda t: [x[0] for x in roles].index(t[0])):
        gender = "f" if r.random() < 0.3 else "m"
        name = person_name(r, gender, place.khmer)
        while name in names:
            name = person_name(r, gender, place.khmer)
        names.add(name)
        born = r.randint(1968, 1987)
        home = r.choice(place.neighbours or place.subunits or (place.in_sentence,))
        home += f", {place.ancestors[0]}" if place.ancestors else ""
        people.append(
            Person(
                name=name,
                gender=gender,
                role=role,
                title=f"{title} {place.name}",
                short_title=short_title,
                duties=duties,
                phone=mobile(r),
                email=mail_for(name, place),
                biography=(
                    f"Sinh năm {born}. Quê quán: {home}. Trình độ chuyên môn: {r.choice(DEGREES)}. "
                    f"Lý luận chính trị: {'Cao cấp' if born < 1980 or place.is_portal else 'Trung cấp'}."
                ),
            )
        )
    return people


def staff(r, place, count):
    """Civil servants (công chức) for the contact list, distinct names."""
    people, names = [], set()
    while len(people) < count:
        gender = r.choice("mf")
        name = person_name(r, gender, place.khmer)
        if name not in names:
            names.add(name)
            people.append(Person(name=name, gender=gender, phone=mobile(r), email=mail_for(name, place)))
    return people


# --- Hamlets ------------------------------------------------------------------------------------

SOUTH_HAMLETS = [
    "Chợ",
    "Giồng Lức",
    "Trà Ốp",
    "Phú Hoà",
    "Tân Thành",
    "Bến Có",
    "Rạch Dừa",
    "Cây Gòn",
    "Đầu Giồng",
    "Mỹ Thuận",
    "Long Thạnh",
    "An Định",
    "Phú Tân",
    "Ngã Tư",
    "Bình Hoà",
    "Tân Lập",
    "Hoà Lợi",
    "Kinh Xáng",
    "Giồng Tre",
    "Bà Mi",
    "Sóc Ruộng",
    "Ô Rồm",
    "Cầu Xây",
    "Thạnh Phú",
    "Mỹ Phước",
    "Hiệp Hoà",
    "Phước Hảo",
    "Đông Sơn",
    "Tân Định",
    "Vĩnh Hưng",
]
NORTH_HAMLETS = [
    "Đông",
    "Đoài",
    "Thượng",
    "Hạ",
    "Trung",
    "Nam",
    "Bắc",
    "Yên Thái",
    "Phú Mỹ",
    "Bình Minh",
    "An Lạc",
    "Đồng Tâm",
    "Tân Phong",
    "Hoà Bình",
    "Quyết Tiến",
    "Thống Nhất",
    "Đồng Lạc",
    "Phú Thọ",
    "Văn Giáp",
    "Cổ Hiền",
]


def hamlets(r, place):
    """Names in a sentence of the places inside the unit: 'ấp Giồng Lức', 'khóm 3', 'thôn Đoài';
    for a portal, its communes or districts."""
    if place.is_portal:
        return list(place.subunits) or [place.in_sentence]
    n = r.randint(6, 11)
    if place.urban:
        word = "khóm" if place.mekong else "khu phố" if place.region == "south" else "tổ dân phố"
        return [f"{word} {i}" for i in range(1, n + 1)]
    word = "ấp" if place.region == "south" else "thôn"
    names = r.sample(SOUTH_HAMLETS if place.region == "south" else NORTH_HAMLETS, n)
    return [f"{word} {name}" for name in names]


# --- The unit's context for the writers ----------------------------------------------------------


@dataclass
class Context:
    place: Place
    today: date
    people: list
    hamlet_names: list
    office_phone: str

    @property
    def noi(self):
        return self.place.in_sentence

    @property
    def Noi(self):
        return self.place.full_name

    @property
    def ubnd(self):
        return self.place.ubnd

    @property
    def tw(self):
        return self.place.type_word

    @property
    def year(self):
        return self.today.year

    @property
    def health(self):
        """'Trạm Y tế xã An Trường' / 'Trung tâm Y tế huyện Càng Long' / 'Sở Y tế tỉnh Trà Vinh'."""
        kind = {"commune": "Trạm Y tế", "district": "Trung tâm Y tế", "province": "Sở Y tế"}[self.place.level]
        return f"{kind} {self.noi}"

    @property
    def hamlet_kinds(self):
        """What the unit is made of: 'ấp', 'khóm', 'thôn', 'tổ dân phố'; for a portal, its units."""
        if self.place.is_portal:
            return "xã, phường, thị trấn" if self.place.level == "district" else "huyện, thị xã, thành phố"
        first = self.hamlet_names[0]
        return first.rsplit(" ", 1)[0] if self.place.urban else first.split(" ", 1)[0]

    def hamlet(self, r):
        return r.choice(self.hamlet_names)

    def person(self, role):
        for p in self.people:
            if p.role == role:
                return p
        return self.people[-1]

    def said(self, role):
        """'ông Nguyễn Văn Hùng, Chủ tịch UBND xã An Trường'."""
        p = self.person(role)
        return f"{p.honorific} {p.name}, {p.title.split(', ')[-1]}"


def context(r, place, today):
    return Context(
        place=place,
        today=today,
        people=officials(r, place),
        hamlet_names=hamlets(r, place),
        office_phone=landline(r, place),
    )


# --- News ---------------------------------------------------------------------------------------


@dataclass
class NewsItem:
    title: str
    summary: str
    body: list  # StreamField raw data: [{"type": "paragraph", "value": "<p>…</p>"}, …]
    categories: list  # Category slugs
    image: str  # key in NEWS_IMAGES
    date: date = None
    published_at: datetime = None
    event_start: datetime = None
    event_end: datetime = None
    event_location: str = ""


@dataclass
class _Story:
    title: str
    summary: str
    paragraphs: list
    categories: list
    image: str
    heading: str = ""
    more: list = field(default_factory=list)  # paragraphs after the heading
    quote: str = ""
    event: tuple = None  # (days from today, start hour, hours, location)


def _nong_thon_moi(r, c):
    ap = c.hamlet(r)
    people, km = r.randint(120, 450), vn_dec(r.uniform(1.2, 6.5), 1)
    if r.random() < 0.5:
        title = f"{c.Noi} ra quân xây dựng tuyến đường hoa nông thôn mới tại {ap}"
        summary = (
            f"Hưởng ứng phong trào “Cả nước chung sức xây dựng nông thôn mới”, {c.ubnd} phối hợp Uỷ ban "
            f"MTTQ và các đoàn thể huy động hơn {people} lượt người dân ra quân trồng hoa, phát quang, "
            f"chỉnh trang {km} km đường giao thông tại {ap}."
        )
    else:
        title = f"{c.Noi} phấn đấu đạt chuẩn nông thôn mới nâng cao năm {c.year}"
        summary = (
            f"Đến nay {c.noi} đã đạt {r.randint(14, 17)}/19 tiêu chí nông thôn mới nâng cao; các tiêu chí "
            f"còn lại về thu nhập, môi trường và chuyển đổi số đang được tập trung thực hiện."
        )
    return _Story(
        title,
        summary,
        [
            f"Sáng {long_date(c.today - timedelta(days=r.randint(1, 5)))}, tại {ap}, {c.ubnd} tổ chức lễ ra quân "
            f"với sự tham gia của cán bộ, đảng viên, đoàn viên thanh niên, hội viên các đoàn thể và Nhân dân. "
            f"Các lực lượng đã phát quang bụi rậm, nạo vét {r.randint(2, 9)} tuyến mương thoát nước, trồng mới hơn "
            f"{vn_int(r.randint(800, 3000))} cây hoa và cây xanh dọc các tuyến đường giao thông nông thôn.",
            f"Từ đầu năm đến nay, Nhân dân trên địa bàn đã hiến {vn_int(r.randint(900, 6000))} m² đất, đóng góp "
            f"{vn_int(r.randint(150, 900))} ngày công và hơn {r.randint(1, 5)} tỷ đồng cùng Nhà nước nâng cấp "
            f"đường giao thông, hệ thống chiếu sáng và các thiết chế văn hoá.",
        ],
        ["nong-nghiep"],
        "nong-thon-moi",
        heading="Huy động sức dân, công khai, minh bạch",
        more=[
            f"Theo {c.said('pct_kt')}, các công trình đều được bàn bạc công khai tại các cuộc họp dân; "
            f"Ban Giám sát đầu tư của cộng đồng theo dõi từ khi khởi công đến khi nghiệm thu, "
            f"bảo đảm chất lượng và đúng tiến độ."
        ],
        quote="Xây dựng nông thôn mới chỉ có điểm khởi đầu, không có điểm kết thúc; người dân là chủ thể "
        "và là người được hưởng lợi.",
    )


def _do_thi_van_minh(r, c):
    ap = c.hamlet(r)
    title = f"{c.Noi} chỉnh trang đô thị, xây dựng tuyến phố văn minh tại {ap}"
    summary = (
        f"{c.ubnd} vận động các hộ kinh doanh tại {ap} sắp xếp lại mái che, biển hiệu, trả lại vỉa hè "
        f"cho người đi bộ; lắp mới {r.randint(20, 80)} bóng đèn chiếu sáng công cộng."
    )
    return _Story(
        title,
        summary,
        [
            f"Sau {r.randint(2, 6)} tuần ra quân, lực lượng trật tự đô thị và tổ dân phố đã vận động "
            f"{r.randint(40, 160)} hộ tự tháo dỡ mái che, bục bệ lấn chiếm; {r.randint(5, 20)} điểm tập kết rác tự phát "
            "được xoá bỏ và thay bằng bồn hoa, cây xanh.",
            f"Tuyến phố văn minh tại {ap} là mô hình điểm để nhân rộng ra các khu dân cư còn lại trong năm {c.year}.",
        ],
        ["van-hoa-xa-hoi"],
        "moi-truong",
    )


def _tiem_chung(r, c):
    doses = vn_int(r.randint(150, 900))
    title = r.choice(
        [
            f"{c.Noi} triển khai tiêm chủng mở rộng cho trẻ dưới 5 tuổi",
            f"Hơn {doses} liều vắc xin sởi – rubella được tiêm cho trẻ em {c.noi}",
        ]
    )
    summary = (
        f"{c.health} tổ chức tiêm vắc xin sởi – rubella, bạch hầu – ho gà – uốn ván và viêm gan B "
        f"cho trẻ trong độ tuổi; tỷ lệ tiêm đủ mũi đạt {vn_dec(r.uniform(95, 99.4), 1)}%."
    )
    return _Story(
        title,
        summary,
        [
            f"Buổi tiêm chủng được tổ chức tại {c.health} và các điểm tiêm lưu động ở {c.hamlet(r)}, "
            f"{c.hamlet(r)}. Trẻ được khám sàng lọc trước tiêm và theo dõi 30 phút sau tiêm theo đúng quy định của "
            "Bộ Y tế; không ghi nhận trường hợp phản ứng nặng.",
            "Cán bộ y tế ấp, khóm đã đến từng hộ gia đình rà soát, lập danh sách trẻ chưa tiêm hoặc tiêm chưa đủ mũi; "
            "phụ huynh được nhắn lịch tiêm qua Zalo và loa truyền thanh cơ sở.",
        ],
        ["y-te"],
        "y-te",
        more=[
            "Phụ huynh mang theo sổ tiêm chủng hoặc mở ứng dụng VNeID, Sổ sức khoẻ điện tử để cán bộ y tế "
            "cập nhật mũi tiêm."
        ],
        heading="Lưu ý cho phụ huynh",
    )


def _sot_xuat_huyet(r, c):
    title = f"{c.Noi} ra quân diệt lăng quăng, phòng chống sốt xuất huyết"
    summary = (
        f"Chiến dịch diệt lăng quăng, bọ gậy được triển khai đồng loạt tại {len(c.hamlet_names)} "
        f"{c.hamlet_kinds} với hơn "
        f"{vn_int(r.randint(1500, 4200))} hộ gia đình được kiểm tra."
    )
    return _Story(
        title,
        summary,
        [
            f"Từ đầu năm, trên địa bàn ghi nhận {r.randint(2, 14)} ca sốt xuất huyết, giảm so với cùng kỳ. Để chủ động "
            f"phòng bệnh trong mùa mưa, {c.health} phối hợp Hội Liên hiệp Phụ nữ, Đoàn Thanh niên đến từng hộ hướng dẫn "
            "súc rửa lu, khạp, thả cá bảy màu và thu gom vật dụng phế thải đọng nước.",
            "Người dân khi có biểu hiện sốt cao đột ngột, đau đầu, đau mỏi người cần đến cơ sở y tế để được khám, "
            "không tự ý điều trị tại nhà.",
        ],
        ["y-te"],
        "y-te",
    )


def _bao_hiem_y_te(r, c):
    rate = vn_dec(r.uniform(91, 97.5), 1)
    title = f"{c.Noi}: tỷ lệ người dân tham gia bảo hiểm y tế đạt {rate}%"
    summary = (
        f"{c.ubnd} đẩy mạnh tuyên truyền, vận động người dân tham gia bảo hiểm y tế hộ gia đình và bảo "
        "hiểm xã hội tự nguyện; hỗ trợ thẻ cho hộ cận nghèo và người có hoàn cảnh khó khăn."
    )
    return _Story(
        title,
        summary,
        [
            f"Năm {c.year}, toàn {c.tw} có {vn_int(r.randint(5000, 18000))} người tham gia bảo hiểm y tế. Uỷ ban MTTQ "
            f"và các đoàn thể đã vận động mạnh thường quân trao {r.randint(20, 120)} thẻ bảo hiểm y tế cho hộ "
            "có hoàn cảnh khó khăn.",
            "Người dân có thể gia hạn thẻ bảo hiểm y tế hộ gia đình trực tuyến trên Cổng Dịch vụ công quốc gia "
            "hoặc ứng dụng VssID mà không phải đến trụ sở.",
        ],
        ["y-te"],
        "bao-hiem",
    )


def _thien_tai(r, c):
    ap = c.hamlet(r)
    if c.place.mekong:
        title = r.choice(
            [
                f"{c.Noi} gia cố đê bao, chủ động ứng phó triều cường",
                f"{c.Noi} diễn tập phòng chống thiên tai và tìm kiếm cứu nạn năm {c.year}",
            ]
        )
        hazard = "triều cường, sạt lở bờ sông và xâm nhập mặn"
    elif c.place.region == "central":
        title = f"{c.Noi} chủ động phương án “4 tại chỗ” ứng phó mùa mưa bão"
        hazard = "bão, áp thấp nhiệt đới và ngập lụt"
    else:
        title = f"{c.Noi} rà soát khu vực nguy cơ lũ quét, sạt lở đất"
        hazard = "mưa lớn, lũ quét và sạt lở đất"
    summary = (
        f"Ban Chỉ huy phòng chống thiên tai và tìm kiếm cứu nạn {c.noi} kiểm tra các điểm xung yếu, "
        f"chuẩn bị lực lượng, vật tư theo phương châm “4 tại chỗ” để ứng phó {hazard}."
    )
    return _Story(
        title,
        summary,
        [
            f"Qua rà soát, trên địa bàn có {r.randint(3, 12)} điểm xung yếu tại {ap} và {c.hamlet(r)}. Lực lượng "
            f"dân quân, công an và người dân đã gia cố {vn_int(r.randint(200, 1800))} m đê bao, chuẩn bị "
            f"{vn_int(r.randint(500, 3000))} bao cát, {r.randint(4, 15)} xuồng máy và áo phao.",
            f"{cap(c.said('pct_kt'))} yêu cầu các {c.hamlet_kinds} "
            "theo dõi sát bản tin dự báo, thông tin kịp thời qua loa truyền thanh để người dân chủ động sơ tán "
            "khi cần thiết.",
        ],
        ["phong-chong-thien-tai"],
        "thien-tai",
    )


def _chuyen_doi_so(r, c):
    ap = c.hamlet(r)
    title = r.choice(
        [
            f"Tổ công nghệ số cộng đồng {c.noi} hướng dẫn người dân dùng VNeID",
            f"{c.Noi} đẩy mạnh thanh toán không dùng tiền mặt tại chợ và điểm bán lẻ",
        ]
    )
    summary = (
        f"Các thành viên Tổ công nghệ số cộng đồng tại {ap} đến từng nhà hướng dẫn người dân kích hoạt tài "
        f"khoản định danh điện tử mức 2, cài đặt ứng dụng ngân hàng và thanh toán bằng mã QR."
    )
    return _Story(
        title,
        summary,
        [
            f"Đến nay {c.noi} có {r.randint(20, 60)} Tổ công nghệ số cộng đồng với {r.randint(80, 260)} thành viên; "
            f"{vn_dec(r.uniform(70, 92), 1)}% người dân từ 14 tuổi trở lên đã kích hoạt tài khoản định danh điện tử.",
            f"{r.randint(30, 150)} tiểu thương và hộ kinh doanh đã treo mã QR thanh toán; người cao tuổi được "
            "hướng dẫn nhận lương hưu, trợ cấp xã hội qua tài khoản ngân hàng an toàn, tránh lừa đảo.",
        ],
        ["chuyen-doi-so"],
        "chuyen-doi-so",
    )


def _dich_vu_cong(r, c):
    rate = vn_dec(r.uniform(65, 95), 1)
    title = f"{c.Noi}: {rate}% hồ sơ thủ tục hành chính được nộp trực tuyến"
    summary = (
        f"Bộ phận Tiếp nhận và Trả kết quả {c.noi} hướng dẫn người dân nộp hồ sơ qua Cổng Dịch vụ công "
        "quốc gia; các thủ tục khai sinh, đăng ký thường trú, cấp mã số bảo hiểm xã hội cho trẻ dưới 6 tuổi "
        "được giải quyết liên thông."
    )
    return _Story(
        title,
        summary,
        [
            f"Từ đầu năm đến nay, {c.ubnd} tiếp nhận {vn_int(r.randint(600, 3500))} hồ sơ, trong đó "
            f"{vn_int(r.randint(400, 2500))} hồ sơ nộp trực tuyến; 100% hồ sơ được giải quyết đúng và trước hạn.",
            "Tại Bộ phận Một cửa, đoàn viên thanh niên trực hỗ trợ người dân chụp, tải giấy tờ và thanh toán lệ phí "
            "trực tuyến; kết quả được trả qua dịch vụ bưu chính công ích theo yêu cầu.",
        ],
        ["chuyen-doi-so"],
        "dich-vu-cong",
    )


def _an_ninh(r, c):
    ap = c.hamlet(r)
    if r.random() < 0.5:
        title = f"Ra mắt mô hình “Camera an ninh” tại {ap}, {c.noi}"
        summary = (
            f"Với sự đóng góp của người dân và mạnh thường quân, {r.randint(8, 30)} camera được lắp đặt tại "
            f"các tuyến đường, ngã ba, ngã tư trên địa bàn {ap}, kết nối về Công an {c.tw}."
        )
        paragraphs = [
            f"Tổng kinh phí lắp đặt hơn {r.randint(60, 250)} triệu đồng do Nhân dân đóng góp. Hệ thống giúp lực "
            "lượng công an phát hiện, xử lý kịp thời các hành vi trộm cắp, vi phạm trật tự an toàn giao thông.",
            f"Dịp này, Công an {c.tw} tuyên truyền Luật Căn cước, phòng chống ma tuý và vận động người dân giao nộp "
            "vũ khí, vật liệu nổ, công cụ hỗ trợ.",
        ]
    else:
        title = f"Công an {c.noi} cảnh báo thủ đoạn lừa đảo qua mạng"
        summary = (
            "Nhiều trường hợp giả danh công an, cán bộ ngân hàng, nhân viên điện lực gọi điện yêu cầu "
            "chuyển tiền hoặc cài ứng dụng lạ; người dân cần cảnh giác."
        )
        paragraphs = [
            f"Thời gian gần đây, trên địa bàn {c.noi} xảy ra {r.randint(2, 7)} vụ lừa đảo qua điện thoại và mạng "
            "xã hội. Các đối tượng thường giả danh cơ quan công an để thông báo “liên quan vụ án”, hoặc gửi đường "
            "dẫn cập nhật thông tin định danh giả mạo.",
            "Công an không làm việc qua điện thoại, không yêu cầu chuyển tiền vào tài khoản. Khi nghi ngờ, người "
            f"dân liên hệ ngay Công an {c.tw} hoặc gọi số 113.",
        ]
    return _Story(title, summary, paragraphs, ["quoc-phong-an-ninh"], "an-ninh")


def _tuyen_quan(r, c):
    title = f"{c.Noi} tổ chức khám sức khoẻ nghĩa vụ quân sự năm {c.year + 1}"
    body = "Hội đồng nghĩa vụ quân sự" if c.place.is_portal else "Ban Chỉ huy Quân sự"
    summary = (
        f"{body} {c.noi} gọi {r.randint(40, 120)} công dân trong độ tuổi đến khám sơ tuyển; "
        "tuyên truyền Luật Nghĩa vụ quân sự và chính sách hậu phương quân đội."
    )
    return _Story(
        title,
        summary,
        [
            f"Ban Chỉ huy Quân sự {c.tw} đã rà soát, phúc tra {vn_int(r.randint(150, 500))} thanh niên trong độ tuổi, "
            "thông báo lệnh gọi khám đến từng gia đình. Thanh niên có trình độ cao đẳng, đại học được khuyến khích "
            "tình nguyện nhập ngũ.",
            "Gia đình có con nhập ngũ được thăm hỏi, tặng quà; công dân hoàn thành nghĩa vụ được hỗ trợ học nghề, "
            "giới thiệu việc làm khi xuất ngũ.",
        ],
        ["quoc-phong-an-ninh"],
        "an-ninh",
    )


def _khuyen_hoc(r, c):
    n = r.randint(25, 90)
    title = r.choice(
        [
            f"Trao {n} suất học bổng cho học sinh nghèo vượt khó {c.noi}",
            f"Hội Khuyến học {c.noi} tuyên dương học sinh giỏi năm học {c.year - 1}–{c.year}",
        ]
    )
    summary = (
        f"Hội Khuyến học {c.noi} phối hợp các mạnh thường quân trao {n} suất học bổng, tổng trị giá "
        f"{r.randint(40, 200)} triệu đồng, cho học sinh có hoàn cảnh khó khăn, học giỏi."
    )
    return _Story(
        title,
        summary,
        [
            f"Mỗi suất học bổng gồm tiền mặt, tập vở và đồng phục. Cùng dịp, {r.randint(5, 30)} xe đạp được trao cho "
            "các em ở xa trường.",
            f"Phong trào “Gia đình hiếu học”, “Dòng họ khuyến học” được duy trì ở {len(c.hamlet_names)} "
            f"chi hội; năm qua có {r.randint(12, 60)} em đỗ đại học, cao đẳng.",
        ],
        ["giao-duc"],
        "giao-duc",
        quote="Mỗi suất học bổng là lời động viên để các em tiếp tục đến trường, không để học sinh nào phải bỏ "
        "học vì hoàn cảnh khó khăn.",
    )


def _le_hoi(r, c):
    ap = c.hamlet(r)
    days = r.randint(4, 25)
    day = c.today + timedelta(days=days)
    if c.place.khmer and r.random() < 0.6:
        title = f"{c.Noi} chuẩn bị Lễ hội Ok Om Bok và đua ghe Ngo năm {c.year}"
        summary = (
            f"Lễ hội Ok Om Bok của đồng bào Khmer sẽ diễn ra ngày {vn_date(day)} tại {ap} với lễ cúng trăng, "
            "thả đèn nước, hội đua ghe Ngo và các hoạt động văn hoá, thể thao."
        )
        location = f"Sân chùa và bờ sông {ap}"
        paragraphs = [
            "Ok Om Bok (lễ cúng trăng) là lễ hội truyền thống của đồng bào Khmer vào rằm tháng 10 âm lịch, tạ ơn "
            "thần Mặt Trăng đã mang lại mùa màng bội thu.",
            f"Năm nay có {r.randint(4, 12)} đội ghe Ngo tham gia tập luyện. Ban Tổ chức bố trí lực lượng bảo đảm an "
            "ninh trật tự, an toàn giao thông đường thuỷ và vệ sinh an toàn thực phẩm.",
        ]
    else:
        place_name = f"Đình {c.place.name}" if not c.place.is_portal else f"Trung tâm Văn hoá {c.noi}"
        title = f"{c.Noi} tổ chức lễ hội truyền thống tại {place_name}"
        summary = (
            f"Lễ hội truyền thống {place_name} sẽ diễn ra ngày {vn_date(day)} với phần lễ trang nghiêm và phần "
            "hội gồm hát bội, đờn ca tài tử, kéo co, đập om."
        )
        location = place_name
        paragraphs = [
            f"Lễ hội là dịp để Nhân dân tưởng nhớ công ơn tiền nhân khai hoang lập ấp, cầu quốc thái dân an, mưa "
            f"thuận gió hoà. {place_name} là điểm sinh hoạt văn hoá cộng đồng lâu đời của {c.noi}.",
            "Ban Tổ chức đề nghị người dân và du khách thực hiện nếp sống văn minh nơi lễ hội, không đốt vàng mã "
            "nơi công cộng, giữ gìn vệ sinh môi trường.",
        ]
    return _Story(
        title,
        summary,
        paragraphs,
        ["van-hoa-xa-hoi", "su-kien"],
        "le-hoi",
        event=(days, 7, r.choice([10, 12, 34]), location),
    )


def _dai_doan_ket(r, c):
    ap = c.hamlet(r)
    days = r.randint(3, 20)
    title = f"Ngày hội Đại đoàn kết toàn dân tộc tại {ap}, {c.noi}"
    summary = (
        f"Ngày hội sẽ diễn ra ngày {vn_date(c.today + timedelta(days=days))} tại Nhà văn hoá {ap}, có "
        "phần tuyên dương gia đình văn hoá tiêu biểu, trao nhà Đại đoàn kết và các trò chơi dân gian."
    )
    return _Story(
        title,
        summary,
        [
            "Ngày hội là dịp ôn lại truyền thống của Mặt trận Tổ quốc Việt Nam (18/11/1930), biểu dương các gương "
            "người tốt, việc tốt trong cuộc vận động “Toàn dân đoàn kết xây dựng nông thôn mới, đô thị văn minh”.",
            f"Dịp này, Uỷ ban MTTQ {c.noi} trao {r.randint(1, 4)} căn nhà Đại đoàn kết và {r.randint(30, 120)} phần quà "
            "cho hộ nghèo, hộ cận nghèo.",
        ],
        ["van-hoa-xa-hoi", "su-kien"],
        "hoi-nghi",
        event=(days, 7, 4, f"Nhà văn hoá {ap}"),
    )


def _the_thao(r, c):
    days = r.randint(5, 30)
    sport = r.choice(["bóng đá mini", "bóng chuyền", "cầu lông", "kéo co và đẩy gậy"])
    title = f"{c.Noi} tổ chức giải {sport} chào mừng ngày lễ lớn năm {c.year}"
    summary = (
        f"Giải {sport} có {r.randint(6, 16)} đội đến từ các "
        f"{c.hamlet_kinds} và cơ quan, đơn vị trên địa bàn, "
        f"khai mạc ngày {vn_date(c.today + timedelta(days=days))}."
    )
    return _Story(
        title,
        summary,
        [
            "Giải nhằm đẩy mạnh phong trào “Toàn dân rèn luyện thân thể theo gương Bác Hồ vĩ đại”, tạo sân chơi "
            "lành mạnh cho thanh thiếu niên.",
            f"Ban Tổ chức trao cờ, cúp và tiền thưởng cho các đội đạt giải; các trận đấu diễn ra vào buổi chiều tại "
            f"Sân vận động {c.noi}.",
        ],
        ["van-hoa-xa-hoi", "su-kien"],
        "the-thao",
        event=(days, 15, 3, f"Sân vận động {c.noi}"),
    )


def _hoi_nghi(r, c):
    if r.random() < 0.5:
        title = f"{c.ubnd} sơ kết tình hình kinh tế – xã hội 6 tháng đầu năm {c.year}"
        summary = (
            f"Tổng giá trị sản xuất ước đạt {vn_int(r.randint(300, 1500))} tỷ đồng, tăng "
            f"{vn_dec(r.uniform(5, 9), 1)}% so với cùng kỳ; thu ngân sách đạt {r.randint(52, 78)}% dự toán."
        )
        paragraphs = [
            f"Hội nghị do {c.said('chu_tich')} chủ trì. Sáu tháng đầu năm, sản xuất nông nghiệp ổn định, các chính "
            "sách an sinh xã hội được thực hiện đầy đủ, kịp thời; quốc phòng, an ninh được giữ vững.",
            "Hội nghị thống nhất các nhiệm vụ trọng tâm sáu tháng cuối năm: đẩy nhanh giải ngân vốn đầu tư công, "
            "chuyển đổi số, cải cách hành chính và chuẩn bị phương án phòng chống thiên tai.",
        ]
    else:
        title = f"Đại biểu HĐND tiếp xúc cử tri {c.noi} trước kỳ họp"
        summary = (
            f"Cử tri {c.noi} kiến nghị nâng cấp đường giao thông, "
            + (
                "nạo vét kênh thuỷ lợi, hỗ trợ tiêu thụ nông sản"
                if c.place.rural
                else "chỉnh trang vỉa hè, chiếu sáng công cộng"
            )
            + " và tăng cường bảo đảm an ninh trật tự."
        )
        paragraphs = [
            f"Tại buổi tiếp xúc, {r.randint(8, 20)} lượt cử tri phát biểu ý kiến. Các kiến nghị thuộc thẩm quyền "
            f"đã được lãnh đạo {c.ubnd} trả lời trực tiếp; các nội dung khác được tổng hợp gửi cấp trên.",
            "Đại biểu HĐND tiếp thu, ghi nhận và cam kết theo dõi việc giải quyết đến cùng.",
        ]
    return _Story(title, summary, paragraphs, ["chinh-tri"], "hoi-nghi")


def _mo_hinh_kinh_te(r, c):
    ap = c.hamlet(r)
    crop = (
        r.choice(
            [
                "trồng dừa sáp",
                "nuôi tôm càng xanh trong ruộng lúa",
                "trồng bưởi da xanh",
                "nuôi bò vỗ béo",
                "trồng rau màu theo hướng VietGAP",
                "trồng lúa hữu cơ",
            ]
        )
        if c.place.region == "south"
        else r.choice(
            ["trồng rau an toàn", "nuôi gà thả vườn", "trồng cây ăn quả", "trồng chè", "trồng lúa chất lượng cao"]
        )
    )
    income = r.randint(120, 600)
    title = f"Mô hình {crop} mang lại thu nhập cao tại {ap}"
    summary = (
        f"Nhiều hộ dân {ap} ({c.noi}) chuyển đổi sang mô hình {crop}, cho lợi nhuận khoảng "
        f"{income} triệu đồng mỗi năm, cao gấp 2–3 lần so với trước."
    )
    return _Story(
        title,
        summary,
        [
            f"Được hỗ trợ giống, tập huấn kỹ thuật từ chương trình khuyến nông, đến nay {ap} có {r.randint(12, 60)} "
            f"hộ tham gia mô hình với diện tích {vn_dec(r.uniform(5, 40), 1)} ha.",
            f"Hợp tác xã đã liên kết với doanh nghiệp bao tiêu sản phẩm; một số sản phẩm đạt chuẩn OCOP 3 sao của "
            f"{c.place.province}.",
        ],
        ["kinh-te", "nong-nghiep"],
        "kinh-te",
    )


def _giao_thong(r, c):
    ap = c.hamlet(r)
    cost = vn_dec(r.uniform(0.8, 6), 1)
    title = r.choice(
        [f"Khánh thành cầu giao thông nông thôn tại {ap}", f"Đưa vào sử dụng tuyến đường bê tông {ap}, {c.noi}"]
    )
    summary = (
        f"Công trình có tổng vốn đầu tư {cost} tỷ đồng từ ngân sách và Nhân dân đóng góp, giúp người dân "
        "đi lại, vận chuyển nông sản thuận lợi."
    )
    return _Story(
        title,
        summary,
        [
            f"Công trình khởi công cách đây {r.randint(4, 9)} tháng, dài {vn_int(r.randint(40, 1800))} m, mặt rộng "
            f"{vn_dec(r.uniform(2.5, 5), 1)} m, tải trọng {r.randint(3, 8)} tấn.",
            "Nhiều hộ dân đã tự nguyện hiến đất, di dời hàng rào, cây trồng để công trình thi công đúng tiến độ.",
        ],
        ["kinh-te"],
        "giao-thong",
    )


def _moi_truong(r, c):
    title = f"{c.Noi} ra quân “Ngày Chủ nhật xanh”, thu gom rác thải nhựa"
    summary = (
        f"Hơn {r.randint(150, 600)} đoàn viên, hội viên và người dân tham gia dọn vệ sinh, thu gom "
        f"{vn_dec(r.uniform(1, 6), 1)} tấn rác thải, trồng {r.randint(200, 1200)} cây xanh."
    )
    return _Story(
        title,
        summary,
        [
            "Hoạt động nằm trong phong trào “Chống rác thải nhựa” và cuộc vận động phân loại rác tại nguồn. Mỗi hộ "
            "được phát túi đựng rác hữu cơ để ủ phân bón cây.",
            f"{cap(c.ubnd)} sẽ duy trì ra quân vào Chủ nhật cuối tháng và biểu dương các {c.hamlet_kinds} làm tốt.",
        ],
        ["van-hoa-xa-hoi"],
        "moi-truong",
    )


def _an_sinh(r, c):
    ap = c.hamlet(r)
    title = f"Trao nhà Đại đoàn kết cho hộ nghèo tại {ap}"
    summary = (
        f"Uỷ ban MTTQ {c.noi} bàn giao căn nhà Đại đoàn kết trị giá {r.randint(50, 80)} triệu đồng cho một hộ "
        f"nghèo tại {ap}; năm {c.year} toàn {c.tw} xoá {r.randint(5, 30)} căn nhà tạm, dột nát."
    )
    return _Story(
        title,
        summary,
        [
            "Kinh phí xây dựng từ Quỹ “Vì người nghèo”, mạnh thường quân và bà con lối xóm góp ngày công. Căn nhà "
            "được xây kiên cố, diện tích 40 m², có công trình phụ khép kín.",
            f"Tỷ lệ hộ nghèo của {c.noi} còn {vn_dec(r.uniform(0.8, 3.5), 2)}%, hộ cận nghèo "
            f"{vn_dec(r.uniform(1.5, 4.5), 2)}%.",
        ],
        ["van-hoa-xa-hoi"],
        "hoi-nghi",
    )


def _phong_chay(r, c):
    title = f"{c.Noi} tuyên truyền phòng cháy, chữa cháy trong khu dân cư"
    summary = (
        "Công an phối hợp các tổ liên gia an toàn phòng cháy, chữa cháy hướng dẫn người dân sử dụng bình "
        "chữa cháy, thoát nạn khi có sự cố và lắp đặt thiết bị báo cháy."
    )
    return _Story(
        title,
        summary,
        [
            f"Mô hình “Tổ liên gia an toàn phòng cháy, chữa cháy” và “Điểm chữa cháy công cộng” đã được xây dựng "
            f"tại {r.randint(3, 12)} khu dân cư, trang bị {r.randint(10, 60)} bình chữa cháy.",
            "Mùa khô, người dân không đốt đồng, đốt rác gần nhà ở, rừng phòng hộ; kiểm tra hệ thống điện trước khi "
            "ra khỏi nhà.",
        ],
        ["quoc-phong-an-ninh"],
        "an-ninh",
    )


# (writer, fits the place?)
STORIES = [
    (_nong_thon_moi, lambda p: p.rural),
    (_do_thi_van_minh, lambda p: p.urban),
    (_tiem_chung, None),
    (_sot_xuat_huyet, None),
    (_bao_hiem_y_te, None),
    (_thien_tai, None),
    (_chuyen_doi_so, None),
    (_dich_vu_cong, None),
    (_an_ninh, None),
    (_tuyen_quan, None),
    (_khuyen_hoc, None),
    (_le_hoi, None),
    (_dai_doan_ket, None),
    (_the_thao, None),
    (_hoi_nghi, None),
    (_mo_hinh_kinh_te, lambda p: p.rural),
    (_giao_thong, None),
    (_moi_truong, None),
    (_an_sinh, None),
    (_phong_chay, None),
]
EVENT_STORIES = {_le_hoi, _dai_doan_ket, _the_thao}


def _p(text):
    return {"type": "paragraph", "value": f"<p>{html.escape(text, quote=False)}</p>"}


def _local(d, hour, minute=0, tz=None):
    return datetime.combine(d, time(hour, minute), tzinfo=tz)


def news(r, c, count, tz=None):
    """`count` news items of distinct topics, newest first, dated over the last NEWS_DAYS days;
    one or two of them announce an event."""
    writers = [w for w, fits in STORIES if fits is None or fits(c.place)]
    events = [w for w in writers if w in EVENT_STORIES]
    others = [w for w in writers if w not in EVENT_STORIES]
    n_events = min(len(events), 0 if count < 2 else 1 if count < 6 else 2)
    chosen = r.sample(events, n_events) + r.sample(others, min(count - n_events, len(others)))
    while len(chosen) < count:  # more news than topics: topics come round again
        chosen.append(r.choice(writers))
    r.shuffle(chosen)
    offsets = sorted(r.sample(range(NEWS_DAYS), min(count, NEWS_DAYS)) or [0])
    offsets += [r.randrange(NEWS_DAYS) for _ in range(count - len(offsets))]
    items = []
    for writer, days_ago in zip(chosen, sorted(offsets)):
        story = writer(r, c)
        if story.event:  # announced in the week before it happens
            days_ago = min(days_ago, r.randint(0, 6))
        day = c.today - timedelta(days=days_ago)
        body = [_p(t) for t in story.paragraphs]
        if story.quote:
            body.append({"type": "quote", "value": story.quote})
        if story.heading:
            body.append({"type": "heading", "value": story.heading})
        body += [_p(t) for t in story.more]
        item = NewsItem(
            title=story.title,
            summary=story.summary,
            body=body,
            categories=story.categories,
            image=story.image,
            date=day,
            published_at=_local(day, r.randint(7, 16), r.choice([0, 15, 30, 45]), tz),
        )
        if story.event:
            days, hour, hours, location = story.event
            item.event_start = _local(c.today + timedelta(days=days), hour, 30 if hour == 7 else 0, tz)
            item.event_end = item.event_start + timedelta(hours=hours)
            item.event_location = location
        items.append(item)
    return items


# --- Announcements ---------------------------------------------------------------------------


@dataclass
class AnnouncementItem:
    title: str
    summary: str
    body: list
    priority: str  # "normal" | "priority" | "emergency"
    valid_from: datetime
    valid_until: datetime = None
    attachment: tuple = None  # (file name, title, text) of a .txt attachment

    @property
    def date(self):
        return self.valid_from.date()


def announcements(r, c, now):
    """Valid ones of each priority, one expired and one not yet valid."""
    day = now.date()
    tz = now.tzinfo
    month = f"{day.month:02d}/{day.year}"
    items = []

    # Normal, valid: citizens' reception days, or taxes, or a residents' meeting.
    leader = c.person("chu_tich")
    kind = r.randrange(3)
    if kind == 0:
        items.append(
            AnnouncementItem(
                f"Lịch tiếp công dân của lãnh đạo {c.ubnd} tháng {month}",
                f"{cap(leader.honorific)} {leader.name}, Chủ tịch {c.ubnd}, tiếp công dân định kỳ vào thứ Năm hằng tuần "
                "tại Phòng tiếp công dân.",
                [
                    _p(
                        f"Thời gian: sáng thứ Năm hằng tuần, từ 7h30 đến 11h00. Địa điểm: Phòng tiếp công dân, trụ sở "
                        f"{c.ubnd}."
                    ),
                    _p(
                        "Công dân đến liên hệ mang theo căn cước và các giấy tờ liên quan đến nội dung khiếu nại, tố cáo, "
                        "kiến nghị, phản ánh."
                    ),
                ],
                "normal",
                now - timedelta(days=r.randint(2, 8)),
                now + timedelta(days=r.randint(10, 25)),
            )
        )
    elif kind == 1:
        items.append(
            AnnouncementItem(
                f"Thông báo thu thuế sử dụng đất phi nông nghiệp năm {day.year}",
                f"Hộ gia đình, cá nhân nộp thuế sử dụng đất phi nông nghiệp năm {day.year} trước ngày "
                f"{vn_date(day + timedelta(days=20))} tại Bộ phận Một cửa hoặc qua ứng dụng ngân hàng.",
                [
                    _p(
                        "Người nộp thuế có thể nộp trực tuyến qua Cổng Dịch vụ công quốc gia, ứng dụng eTax Mobile hoặc "
                        "ngân hàng thương mại bằng mã QR trên thông báo thuế."
                    ),
                    _p("Quá thời hạn trên, người nộp thuế phải nộp tiền chậm nộp theo quy định của Luật Quản lý thuế."),
                ],
                "normal",
                now - timedelta(days=r.randint(3, 9)),
                now + timedelta(days=20),
            )
        )
    else:
        ap = c.hamlet(r)
        meeting = day + timedelta(days=r.randint(2, 6))
        items.append(
            AnnouncementItem(
                f"Thông báo họp dân {ap} lấy ý kiến về công trình đường giao thông",
                f"Mời đại diện các hộ dân {ap} dự họp lúc 19h00 ngày {vn_date(meeting)} tại Nhà văn hoá {ap}.",
                [
                    _p(
                        f"Nội dung: thông qua phương án nâng cấp đường giao thông nông thôn, vận động hiến đất, bầu Ban "
                        f"Giám sát đầu tư của cộng đồng {ap}."
                    ),
                    _p("Đề nghị các hộ dân cử đại diện tham dự đầy đủ, đúng giờ."),
                ],
                "normal",
                now - timedelta(days=r.randint(1, 4)),
                _local(meeting, 22, tz=tz),
            )
        )

    # Normal, valid: a power cut in the coming days.
    cut = day + timedelta(days=r.randint(1, 5))
    ap = c.hamlet(r)
    items.append(
        AnnouncementItem(
            f"Lịch tạm ngừng cung cấp điện ngày {vn_date(cut)}",
            f"Điện lực thông báo tạm ngừng cung cấp điện từ 7h30 đến 16h30 ngày {vn_date(cut)} tại {ap} và "
            f"{c.hamlet(r)} để bảo trì, nâng cấp lưới điện.",
            [
                _p(
                    "Thời gian đóng điện trở lại có thể sớm hơn nếu công việc hoàn thành sớm. Khách hàng liên hệ tổng đài "
                    "chăm sóc khách hàng 1900 1006 hoặc 1900 9000 khi cần hỗ trợ."
                ),
                _p("Trong thời gian ngừng điện, đề nghị người dân không tiếp cận, trèo lên cột và đường dây điện."),
            ],
            "normal",
            now - timedelta(days=1),
            _local(cut, 17, tz=tz),
        )
    )

    # Priority, valid: vaccinations (with the schedule as a text file) or military service.
    if r.random() < 0.7:
        days = [day + timedelta(days=d) for d in sorted(r.sample(range(2, 12), 2))]
        schedule = "\n".join(
            f"- {vn_date(d)}, 7h30–10h30: trẻ ở {h}" for d, h in zip(days, r.sample(c.hamlet_names, 2))
        )
        text = (
            f"{c.ubnd.upper()}\n{c.health.upper()}\n\nLỊCH TIÊM CHỦNG MỞ RỘNG THÁNG {month}\n\n"
            f"Địa điểm: {c.health}\n{schedule}\n\n"
            "Vắc xin: sởi – rubella (MR), bạch hầu – ho gà – uốn ván (DPT), bại liệt (IPV/bOPV), viêm gan B.\n"
            "Phụ huynh mang theo sổ tiêm chủng hoặc căn cước/VNeID của cha, mẹ.\n"
        )
        items.append(
            AnnouncementItem(
                f"Lịch tiêm chủng mở rộng tháng {month}",
                f"{c.health} tổ chức tiêm chủng mở rộng cho trẻ dưới 5 tuổi và phụ nữ có thai vào các ngày "
                f"{', '.join(vn_date(d) for d in days)}.",
                [
                    _p(
                        "Phụ huynh đưa trẻ đến đúng lịch, mang theo sổ tiêm chủng. Trẻ đang sốt, mắc bệnh cấp tính sẽ được "
                        "hẹn tiêm bù."
                    ),
                    _p(schedule.replace("\n", " ").replace("- ", "• ")),
                ],
                "priority",
                now - timedelta(days=r.randint(1, 3)),
                _local(days[-1], 12, tz=tz),
                attachment=(
                    f"lich-tiem-chung-{day.month:02d}-{day.year}-{slugify_vi(c.noi)}.txt",
                    f"Lịch tiêm chủng tháng {month} – {c.noi}",
                    text,
                ),
            )
        )
    else:
        exam = day + timedelta(days=r.randint(4, 12))
        items.append(
            AnnouncementItem(
                f"Gọi công dân khám sức khoẻ nghĩa vụ quân sự năm {day.year + 1}",
                f"Công dân có tên trong danh sách có mặt lúc 6h30 ngày {vn_date(exam)} tại Trung tâm Y tế để khám sức "
                "khoẻ; mang theo lệnh gọi, căn cước và các giấy tờ liên quan.",
                [
                    _p(
                        "Công dân không chấp hành lệnh gọi khám sức khoẻ mà không có lý do chính đáng sẽ bị xử lý theo quy "
                        "định của pháp luật."
                    ),
                    _p(f"Chi tiết liên hệ Ban Chỉ huy Quân sự {c.noi}."),
                ],
                "priority",
                now - timedelta(days=2),
                _local(exam, 12, tz=tz),
            )
        )

    # Emergency, valid: weather warning.
    if c.place.mekong:
        title = "Cảnh báo triều cường dâng cao, nguy cơ ngập úng vùng trũng"
        summary = (
            f"Đỉnh triều dự báo lên cao vào chiều tối các ngày tới; người dân {c.hamlet(r)}, {c.hamlet(r)} "
            "và các khu vực ven sông chủ động gia cố bờ bao, kê cao tài sản."
        )
    elif c.place.region == "central":
        title = "Cảnh báo bão: người dân khẩn trương gia cố nhà cửa, tàu thuyền vào nơi tránh trú"
        summary = "Bão có khả năng gây gió mạnh cấp 8–10, mưa rất to; tuyệt đối không ra khơi, không đánh bắt ven bờ."
    else:
        title = "Cảnh báo mưa lớn, nguy cơ lũ quét và sạt lở đất"
        summary = (
            f"Người dân ở ven suối, chân đồi tại {c.hamlet(r)} theo dõi sát diễn biến thời tiết, sẵn sàng "
            "sơ tán khi có thông báo."
        )
    items.append(
        AnnouncementItem(
            title,
            summary,
            [
                _p(summary),
                _p(
                    f"Ban Chỉ huy phòng chống thiên tai và tìm kiếm cứu nạn {c.noi} trực 24/24 giờ; "
                    f"điện thoại {c.office_phone}."
                ),
            ],
            "emergency",
            now - timedelta(hours=r.randint(3, 20)),
            now + timedelta(days=r.randint(2, 4)),
        )
    )

    # Expired: a power cut already past.
    past = day - timedelta(days=r.randint(12, 25))
    items.append(
        AnnouncementItem(
            f"Lịch tạm ngừng cung cấp điện ngày {vn_date(past)}",
            f"Tạm ngừng cung cấp điện từ 7h00 đến 15h00 ngày {vn_date(past)} tại {c.hamlet(r)} để thi công đường dây.",
            [
                _p(
                    "Điện lực thi công kéo mới đường dây trung thế, thay trụ và máy biến áp. Đề nghị người dân chủ động "
                    "sắp xếp sinh hoạt, sản xuất."
                )
            ],
            "normal",
            _local(past - timedelta(days=4), 8, tz=tz),
            _local(past, 17, tz=tz),
        )
    )

    # Not yet valid: published ahead, shown from its date.
    start = day + timedelta(days=r.randint(3, 8))
    items.append(
        AnnouncementItem(
            f"Thông báo lịch trực tiếp nhận hồ sơ ngày thứ Bảy từ {vn_date(start)}",
            f"Bộ phận Một cửa {c.noi} trực tiếp nhận và trả kết quả hồ sơ vào sáng thứ Bảy hằng tuần, bắt đầu từ "
            f"ngày {vn_date(start)}.",
            [_p("Thời gian: sáng thứ Bảy, từ 7h30 đến 11h00; áp dụng cho thủ tục hộ tịch, chứng thực và xác nhận.")],
            "normal",
            _local(start, 6, tz=tz),
            _local(start + timedelta(days=30), 17, tz=tz),
        )
    )
    return items


# --- Legal documents ------------------------------------------------------------------------------


@dataclass
class DocItem:
    doc_type: str  # a DocumentType value
    number_symbol: str
    title: str
    summary: str
    issuer: str
    signer: str  # "Phó Chủ tịch Trần Thị Mai"
    sign_block: tuple  # ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH") for the file
    signer_name: str
    issue_date: date
    effective_date: date = None
    status: str = "in_force"
    body: list = field(default_factory=list)  # paragraphs of the file
    attach: bool = False

    @property
    def file_name(self):
        return f"{slugify_vi(self.number_symbol)}-{self.issue_date:%Y%m%d}.pdf"


TYPE_LABELS = {
    "quyet_dinh": "Quyết định",
    "ke_hoach": "Kế hoạch",
    "thong_bao": "Thông báo",
    "cong_van": "Công văn",
    "nghi_quyet": "Nghị quyết",
    "bao_cao": "Báo cáo",
}
SYMBOLS = {
    "quyet_dinh": "QĐ-UBND",
    "ke_hoach": "KH-UBND",
    "thong_bao": "TB-UBND",
    "cong_van": "UBND-VP",
    "nghi_quyet": "NQ-HĐND",
    "bao_cao": "BC-UBND",
}
# Documents issued per day, roughly, by a commune; a district issues ~4×, a province ~12×.
RATES = {"quyet_dinh": 0.7, "ke_hoach": 0.45, "thong_bao": 0.35, "cong_van": 1.1, "nghi_quyet": 0.05, "bao_cao": 0.5}


def _doc_subjects(c, issue):
    noi, tw, year = c.noi, c.tw, issue.year
    last_month = issue.replace(day=1) - timedelta(days=1)
    ntm = "xây dựng nông thôn mới nâng cao" if c.place.rural else "xây dựng đô thị văn minh"
    return {
        "quyet_dinh": [
            f"Về việc kiện toàn Tổ công nghệ số cộng đồng trên địa bàn {noi}",
            f"Về việc thành lập Ban Chỉ huy phòng chống thiên tai và tìm kiếm cứu nạn {noi} năm {year}",
            f"Về việc công nhận danh sách hộ nghèo, hộ cận nghèo năm {year} trên địa bàn {noi}",
            f"Về việc ban hành Quy chế tiếp công dân của {c.ubnd}",
        ],
        "ke_hoach": [
            f"Thực hiện chuyển đổi số trên địa bàn {noi} năm {year}",
            f"Tổ chức Ngày hội Đại đoàn kết toàn dân tộc năm {year}",
            f"Phòng, chống dịch bệnh sốt xuất huyết năm {year}",
            f"Tuyển chọn và gọi công dân nhập ngũ năm {year + 1}",
            f"Thực hiện {ntm} năm {year}",
        ],
        "thong_bao": [
            f"Kết luận của Chủ tịch {c.ubnd} tại cuộc họp giao ban tháng {issue.month:02d}/{year}",
            f"Lịch tiếp công dân của lãnh đạo {c.ubnd} quý {((issue.month - 1) // 3) + 1}/{year}",
            f"Công khai dự toán ngân sách {tw} năm {year}",
        ],
        "cong_van": [
            "V/v tăng cường phòng, chống lừa đảo chiếm đoạt tài sản qua không gian mạng",
            "V/v tăng cường công tác phòng cháy, chữa cháy trong mùa khô",
            f"V/v triển khai thu thuế sử dụng đất phi nông nghiệp năm {year}",
            "V/v đẩy mạnh tiếp nhận hồ sơ dịch vụ công trực tuyến toàn trình",
        ],
        "nghi_quyet": [f"Về nhiệm vụ phát triển kinh tế – xã hội, quốc phòng – an ninh 6 tháng cuối năm {year}"],
        "bao_cao": [f"Kết quả thực hiện nhiệm vụ kinh tế – xã hội tháng {last_month:%m/%Y}"],
    }


def legal_documents(r, c):
    """Five or six documents: a decision, a plan, a notice, an official letter, a resolution or a
    report, and last year's plan now expired. The plan comes with its file."""
    scale = {"commune": 1, "district": 4, "province": 12}[c.place.level]
    year = c.today.year
    chu_tich = c.person("chu_tich")
    deputies = [p for p in c.people if p.role.startswith("pct")]
    kinds = ["quyet_dinh", "ke_hoach", "thong_bao", "cong_van", r.choice(["nghi_quyet", "bao_cao"])]
    items = []
    for kind in kinds:
        issue = c.today - timedelta(days=r.randint(0, 75))
        doy = issue.timetuple().tm_yday
        number = max(1, int(doy * RATES[kind] * scale * r.uniform(0.85, 1.1)))
        subject = r.choice(_doc_subjects(c, issue)[kind])
        if kind == "nghi_quyet":
            issuer = f"HĐND {c.noi}"
            signer = c.person("bi_thu")
            sign_block = ("TM. HỘI ĐỒNG NHÂN DÂN", "CHỦ TỊCH")
            signer_text = f"Chủ tịch HĐND {signer.name}"
        else:
            issuer = c.ubnd
            signer = chu_tich if kind == "quyet_dinh" or r.random() < 0.4 else r.choice(deputies)
            sign_block = ("TM. UỶ BAN NHÂN DÂN", "CHỦ TỊCH") if signer is chu_tich else ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")
            signer_text = f"{signer.short_title} {signer.name}"
        if kind == "cong_van":
            title = f"Công văn số {number}/{SYMBOLS[kind]} về việc {subject[4:]}"
        else:
            title = f"{TYPE_LABELS[kind]} {subject[0].lower()}{subject[1:]}"
        items.append(
            DocItem(
                doc_type=kind,
                number_symbol=f"{number}/{SYMBOLS[kind]}",
                title=title,
                summary=subject,
                issuer=issuer,
                signer=signer_text,
                sign_block=sign_block,
                signer_name=signer.name,
                issue_date=issue,
                effective_date=issue if kind in ("quyet_dinh", "nghi_quyet") else None,
                body=_doc_body(r, c, kind, subject),
                attach=kind == "ke_hoach",
            )
        )
    # Last year's plan, expired.
    old = date(year - 1, r.randint(2, 5), r.randint(1, 28))
    subject = f"Thực hiện công tác cải cách hành chính năm {year - 1}"
    number = max(1, int(old.timetuple().tm_yday * RATES["ke_hoach"] * scale))
    items.append(
        DocItem(
            doc_type="ke_hoach",
            number_symbol=f"{number}/KH-UBND",
            title=f"Kế hoạch {subject[0].lower()}{subject[1:]}",
            summary=subject,
            issuer=c.ubnd,
            signer=f"{chu_tich.short_title} {chu_tich.name}",
            sign_block=("TM. UỶ BAN NHÂN DÂN", "CHỦ TỊCH"),
            signer_name=chu_tich.name,
            issue_date=old,
            status="expired",
            body=_doc_body(r, c, "ke_hoach", subject),
        )
    )
    return sorted(items, key=lambda d: d.issue_date, reverse=True)


def _doc_body(r, c, kind, subject):
    grounds = [
        "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015; Luật sửa đổi, bổ sung một số "
        "điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22 tháng 11 năm 2019;",
        f"Căn cứ Chương trình công tác năm {c.today.year} của {c.ubnd};",
        "Theo đề nghị của công chức Văn phòng – Thống kê.",
    ]
    if kind == "quyet_dinh":
        return grounds + [
            "QUYẾT ĐỊNH:",
            f"Điều 1. {subject[0].upper()}{subject[1:]}.",
            "Điều 2. Các thành viên có trách nhiệm thực hiện nhiệm vụ được phân công; chịu sự chỉ đạo, điều hành "
            f"của Chủ tịch {c.ubnd}.",
            f"Điều 3. Văn phòng {c.ubnd}, các công chức chuyên môn, trưởng các "
            f"{c.hamlet_kinds} và các cá nhân có tên tại Điều 1 "
            "chịu trách nhiệm thi hành Quyết định này. Quyết định có hiệu lực kể từ ngày ký.",
        ]
    if kind == "ke_hoach":
        return [
            "I. MỤC ĐÍCH, YÊU CẦU",
            f"1. Triển khai thực hiện có hiệu quả nhiệm vụ {subject[0].lower()}{subject[1:]}, gắn với nhiệm vụ phát "
            f"triển kinh tế – xã hội của {c.noi}.",
            "2. Phân công cụ thể, rõ người, rõ việc, rõ thời gian hoàn thành; huy động sự tham gia của cả hệ thống "
            "chính trị và Nhân dân.",
            "II. NỘI DUNG THỰC HIỆN",
            f"1. Tuyên truyền sâu rộng trên hệ thống loa truyền thanh, Trang thông tin điện tử {c.noi} và các "
            "nhóm Zalo cộng đồng.",
            f"2. Tổ chức thực hiện tại {len(c.hamlet_names)} {c.hamlet_kinds}; định kỳ hằng tháng báo cáo kết quả.",
            "III. TỔ CHỨC THỰC HIỆN",
            "Các công chức chuyên môn, Uỷ ban MTTQ và các đoàn thể căn cứ Kế hoạch này triển khai thực hiện; trong "
            f"quá trình thực hiện có khó khăn, vướng mắc báo cáo về {c.ubnd} để chỉ đạo giải quyết.",
        ]
    if kind == "nghi_quyet":
        return grounds[:1] + [
            "QUYẾT NGHỊ:",
            f"Điều 1. Thông qua {subject[4:].strip()} với các chỉ tiêu chủ yếu: tổng giá trị sản xuất tăng "
            f"{vn_dec(r.uniform(6, 9), 1)}%; thu ngân sách đạt và vượt dự toán; tỷ lệ tham gia bảo hiểm y tế trên 95%.",
            f"Điều 2. Giao {c.ubnd} tổ chức thực hiện; Thường trực HĐND, các Ban HĐND và đại biểu HĐND giám sát.",
        ]
    return [
        f"{c.ubnd} thông báo/đề nghị các đơn vị, cá nhân liên quan thực hiện nội dung: {subject}.",
        "1. Tổ chức quán triệt, tuyên truyền đến cán bộ, đảng viên và Nhân dân trên địa bàn.",
        "2. Phân công lực lượng theo dõi, đôn đốc; kết quả thực hiện báo cáo trước ngày 25 hằng tháng.",
        "Đề nghị các đơn vị, cá nhân nghiêm túc thực hiện.",
    ]


# --- Profile, contacts, identity ------------------------------------------------------------------


def _html_list(items):
    return "<ul>" + "".join(f"<li>{html.escape(i, quote=False)}</li>" for i in items) + "</ul>"


def _html_p(*texts):
    return "".join(f"<p>{html.escape(t, quote=False)}</p>" for t in texts)


def profile(r, c):
    """The parts of the commune profile (rich text HTML) and its leaders."""
    p = c.place
    area = r.uniform(3, 14) if p.urban else r.uniform(15, 62)
    density = r.uniform(900, 3500) if p.urban else r.uniform(250, 650)
    people = int(area * density)
    households = int(people / r.uniform(3.6, 4.1))
    sides = ["Phía Đông", "Phía Tây", "Phía Nam", "Phía Bắc"]
    neighbours = list(p.neighbours)
    r.shuffle(neighbours)
    district = p.ancestors[0] if p.ancestors else ""
    bounds = []
    for side in sides:
        if neighbours:
            bounds.append(f"{side} giáp {neighbours.pop()}")
        elif p.mekong:
            bounds.append(f"{side} giáp sông {r.choice(['Cổ Chiên', 'Hậu', 'Cần Chông', 'Láng Thé'])}")
        else:
            bounds.append(f"{side} giáp {r.choice(['huyện lân cận', 'sông', 'dãy núi'])}")
    hamlet_word = c.hamlet_kinds
    natural = (
        _html_p(
            f"{p.full_name} nằm ở phía {r.choice(['đông', 'tây', 'nam', 'bắc', 'đông nam', 'tây bắc'])} "
            f"{district or p.province}, cách trung tâm {district or p.province} khoảng {r.randint(3, 18)} km. "
            f"Tổng diện tích tự nhiên {vn_dec(area)} km²; dân số {vn_int(people)} người với "
            f"{vn_int(households)} hộ (số liệu thống kê năm {c.year - 1}), mật độ {vn_int(density)} người/km². "
            f"{p.full_name} có {len(c.hamlet_names)} {hamlet_word}: {', '.join(c.hamlet_names)}."
        )
        + "<h3>Ranh giới hành chính</h3>"
        + _html_list(bounds)
        + "<h3>Địa hình, khí hậu</h3>"
        + _html_p(
            (
                "Địa hình tương đối bằng phẳng, xen kẽ các giồng cát và ruộng trũng, có hệ thống kênh rạch chằng chịt "
                "chịu ảnh hưởng của chế độ bán nhật triều. Khí hậu nhiệt đới gió mùa cận xích đạo, hai mùa mưa nắng rõ "
                "rệt; nhiệt độ trung bình khoảng 27 °C, lượng mưa 1.500–1.700 mm/năm."
            )
            if p.region == "south"
            else (
                "Địa hình đa dạng, đồi thấp xen kẽ đồng bằng ven sông. Khí hậu nhiệt đới gió mùa, mùa đông lạnh, mùa "
                "hè nóng ẩm mưa nhiều; nhiệt độ trung bình khoảng 23–24 °C."
            )
            if p.region == "north"
            else (
                "Địa hình dốc từ tây sang đông, bị chia cắt bởi sông suối; khí hậu nhiệt đới gió mùa, mùa mưa bão từ "
                "tháng 9 đến tháng 12."
            )
        )
    )
    agri = ("nông nghiệp – thuỷ sản", r.randint(40, 65)) if p.rural else ("thương mại – dịch vụ", r.randint(45, 65))
    second = r.randint(15, 100 - agri[1] - 10)
    products = (
        r.sample(["lúa", "dừa", "cây ăn trái", "rau màu", "tôm càng xanh", "bò", "heo", "đậu phộng"], 3)
        if p.region == "south"
        else r.sample(["lúa", "rau màu", "chè", "cây ăn quả", "lợn", "gia cầm"], 3)
    )
    economy = (
        _html_p(
            f"Cơ cấu kinh tế: {agri[0]} {agri[1]}%, "
            f"{'thương mại – dịch vụ' if p.rural else 'công nghiệp – xây dựng'} {second}%, "
            f"{'công nghiệp – xây dựng' if p.rural else 'nông nghiệp'} {100 - agri[1] - second}%. "
            f"Thu nhập bình quân đầu người năm {c.year - 1} đạt {r.randint(52, 85)} triệu đồng; tỷ lệ hộ nghèo còn "
            f"{vn_dec(r.uniform(0.8, 3.5))}%.",
            f"Sản phẩm chủ lực: {', '.join(products)}. Trên địa bàn có {r.randint(1, 4)} hợp tác xã, "
            f"{r.randint(2, 9)} tổ hợp tác và {r.randint(120, 600)} hộ kinh doanh cá thể.",
            (
                f"{p.full_name} đạt chuẩn nông thôn mới năm {r.randint(2016, 2021)}, đang phấn đấu đạt chuẩn nông "
                "thôn mới nâng cao."
                if p.rural
                else f"{p.full_name} tập trung chỉnh trang đô thị, phát triển thương mại – dịch vụ."
            ),
        )
        + "<h3>Văn hoá – xã hội</h3>"
        + _html_list(
            [
                f"{r.randint(1, 3)} trường mầm non, {r.randint(1, 3)} trường tiểu học, 1 trường trung học cơ sở; "
                "các trường đạt chuẩn quốc gia.",
                "Trạm Y tế đạt Bộ tiêu chí quốc gia về y tế xã; tỷ lệ tham gia bảo hiểm y tế trên 95%.",
                f"{vn_dec(r.uniform(93, 99), 1)}% hộ gia đình đạt danh hiệu “Gia đình văn hoá”; 100% "
                f"{hamlet_word} có nhà văn hoá.",
            ]
        )
    )
    founded = r.randint(1956, 1985)
    khmer = (
        (
            " Đồng bào Khmer chiếm khoảng " + str(r.randint(15, 60)) + "% dân số, gìn giữ các lễ hội Chôl Chnăm "
            "Thmây, Sene Đôlta, Ok Om Bok, nghệ thuật Dù kê và múa Rô băm."
        )
        if p.khmer
        else ""
    )
    history = _html_p(
        f"Vùng đất {p.name} được khai phá từ lâu đời. {p.full_name} được thành lập năm {founded} và điều chỉnh địa "
        f"giới hành chính nhiều lần; hiện nay trực thuộc {district or p.province}.",
        f"Trong hai cuộc kháng chiến chống Pháp và chống Mỹ, Đảng bộ và Nhân dân {p.in_sentence} đã đóng góp nhiều "
        f"sức người, sức của; toàn {p.type_word} có {r.randint(40, 220)} liệt sĩ, {r.randint(3, 25)} Bà mẹ Việt Nam "
        "Anh hùng."
        + (
            f" {p.full_name} được Nhà nước phong tặng danh hiệu Anh hùng Lực lượng vũ trang nhân dân."
            if r.random() < 0.3
            else ""
        ),
        "Nhân dân đoàn kết, cần cù, hiếu học; các lễ hội truyền thống được duy trì hằng năm." + khmer,
    )
    relics = [
        f"Đình {p.name}: thờ Thành hoàng bổn cảnh, lễ Kỳ Yên tổ chức hằng năm.",
        f"Đền thờ liệt sĩ và Nghĩa trang liệt sĩ {p.in_sentence}.",
    ]
    if p.khmer:
        relics.insert(
            0,
            f"Chùa Khmer {c.hamlet_names[-1].split(' ', 1)[-1]}: kiến trúc chùa Nam tông Khmer, "
            "nơi sinh hoạt văn hoá, tín ngưỡng của đồng bào.",
        )
    if p.region == "south":
        relics.append(
            f"Di tích lịch sử địa điểm {r.choice(['Chi bộ đầu tiên', 'Căn cứ Huyện uỷ', 'trận đánh đồn'])} "
            f"tại {r.choice(c.hamlet_names)}."
        )
    relics_html = _html_list(relics)
    tw = p.type_word
    apparatus = (
        "<h3>Đảng uỷ</h3>"
        + _html_p(
            f"Đảng bộ {p.in_sentence} có {r.randint(12, 30)} chi bộ trực thuộc với {r.randint(180, 650)} đảng viên."
        )
        + "<h3>Hội đồng nhân dân</h3>"
        + _html_p(f"HĐND {tw} nhiệm kỳ 2021–2026 có {r.randint(20, 30)} đại biểu.")
        + "<h3>Uỷ ban nhân dân</h3>"
        + _html_list(
            [
                f"Chủ tịch, {r.choice([1, 2])} Phó Chủ tịch, Uỷ viên Trưởng Công an và Chỉ huy trưởng Quân sự.",
                "Công chức: Văn phòng – Thống kê; Địa chính – Xây dựng – Nông nghiệp và Môi trường; "
                "Tài chính – Kế toán; Tư pháp – Hộ tịch; Văn hoá – Xã hội.",
            ]
        )
        + "<h3>Uỷ ban MTTQ Việt Nam và các đoàn thể</h3>"
        + _html_p(
            "Uỷ ban MTTQ Việt Nam, Hội Cựu chiến binh, Hội Nông dân, Hội Liên hiệp Phụ nữ, Đoàn Thanh niên "
            "Cộng sản Hồ Chí Minh."
        )
    )
    return {
        "natural_conditions": natural,
        "economy_society": economy,
        "history_culture": history,
        "relics_landscapes": relics_html,
        "apparatus": apparatus,
    }


# Names on the national public-services portal; codes illustrative.
PROCEDURES = [
    ("Đăng ký khai sinh", "Hộ tịch", "1.001193"),
    ("Đăng ký kết hôn", "Hộ tịch", "1.000894"),
    ("Đăng ký khai tử", "Hộ tịch", "1.000656"),
    ("Cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", "1.004873"),
    ("Chứng thực bản sao từ bản chính", "Chứng thực", "2.000815"),
    ("Chứng thực chữ ký trong giấy tờ, văn bản", "Chứng thực", "2.000884"),
    ("Cấp bản sao trích lục hộ tịch", "Hộ tịch", "2.000635"),
    ("Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "Hộ tịch", "1.004859"),
]
PROCEDURE_URL = "https://dichvucong.gov.vn/p/home/dvc-tthc-thu-tuc-hanh-chinh-chi-tiet.html?ma_thu_tuc={}"


def contact(r, c):
    """The contact page: office, hours, people to call and online procedures."""
    p = c.place
    office_hamlet = c.hamlet_names[0]
    address = ", ".join([cap(office_hamlet), p.in_sentence, *p.ancestors])
    tw = p.type_word
    names = staff(r, p, 6)
    departments = [
        (
            "Bộ phận Tiếp nhận và Trả kết quả (Một cửa)",
            names[0],
            c.office_phone,
            f"motcua.{p.mail_name}@{p.mail_domain}",
        ),
        ("Văn phòng – Thống kê", names[1], landline(r, p), names[1].email),
        ("Tư pháp – Hộ tịch", names[2], landline(r, p), names[2].email),
        ("Địa chính – Xây dựng – Nông nghiệp và Môi trường", names[3], landline(r, p), names[3].email),
        ("Văn hoá – Xã hội", names[4], landline(r, p), names[4].email),
        (f"Công an {tw}", names[5], landline(r, p), ""),
        (f"Trạm Y tế {tw}", None, landline(r, p), ""),
    ]
    return {
        "office_name": p.agency,
        "address": address,
        "phone": c.office_phone,
        "email": f"ubnd.{p.mail_name}@{p.mail_domain}",
        "working_hours": WORKING_HOURS,
        "contacts": [
            {"department": d, "person": person.name if person else "", "phone": phone, "email": email}
            for d, person, phone, email in departments
        ],
        "procedures": [{"title": t, "field": f, "url": PROCEDURE_URL.format(code)} for t, f, code in PROCEDURES],
    }


STREETS = [
    "Hùng Vương",
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Nguyễn Huệ",
    "Điện Biên Phủ",
    "Phạm Ngũ Lão",
    "Nguyễn Thị Minh Khai",
    "Lê Thánh Tôn",
    "Nguyễn Đình Chiểu",
    "Võ Thị Sáu",
]


def site_identity(r, c):
    p = c.place
    responsible = c.person("pct_vx") if any(x.role == "pct_vx" for x in c.people) else c.person("chu_tich")
    if p.is_portal:
        towns = [s for s in p.subunits if s.startswith(("thị trấn", "phường", "thành phố", "thị xã"))]
        seat = towns[0] if towns else (p.subunits[0] if p.subunits else "")
        street = r.choice(STREETS)
        address = ", ".join(
            x for x in [f"Số {r.randint(1, 120)} đường {street}", seat, p.in_sentence, *p.ancestors] if x
        )
    else:
        address = ", ".join([cap(c.hamlet_names[0]), p.in_sentence, *p.ancestors])
    site = "Trang thông tin điện tử" if not p.is_portal else "Cổng thông tin điện tử"
    return {
        "agency": p.agency,
        "address": address,
        "phone": c.office_phone,
        "email": f"ubnd.{p.mail_name}@{p.mail_domain}",
        "responsible_person": responsible.name,
        "responsible_title": f"{responsible.short_title} {p.ubnd}",
        "footer_text": f"{site} {p.in_sentence}. Ghi rõ nguồn “{site} {p.in_sentence}” khi phát hành lại thông tin "
        "từ trang này.",
    }


# --- Pictures and files ----------------------------------------------------------------------------

# key: (caption, sky top, sky bottom, land colours, motif)
NEWS_IMAGES = {
    "nong-thon-moi": ("Nông thôn mới", "#7cc6f2", "#e8f6ff", ["#8cc152", "#5c9e31", "#3f7a1f"], "sun"),
    "y-te": ("Y tế – Sức khoẻ", "#5aa9e6", "#eef7ff", ["#cfe3f5", "#9cc3e4", "#6d9cc7"], "cross"),
    "bao-hiem": ("Bảo hiểm y tế", "#35a7a0", "#e6faf8", ["#9ed9d3", "#5fbfb6", "#2f8f87"], "cross"),
    "thien-tai": ("Phòng chống thiên tai", "#3c4a5c", "#8fa3b8", ["#4f7da8", "#2f5f8f", "#1d4370"], "waves"),
    "chuyen-doi-so": ("Chuyển đổi số", "#2b2d6e", "#5b6cd8", ["#3e4bb0", "#2c3790", "#1e276d"], "dots"),
    "dich-vu-cong": ("Dịch vụ công trực tuyến", "#1565c0", "#90caf9", ["#64a5e8", "#3f88d6", "#2266b0"], "dots"),
    "an-ninh": ("An ninh trật tự", "#1b2a49", "#51698f", ["#3a4f74", "#2a3b5b", "#a8322d"], "star"),
    "giao-duc": ("Khuyến học – Giáo dục", "#f6a623", "#fff3d6", ["#f7c35f", "#e9a23b", "#c97d1e"], "book"),
    "le-hoi": ("Lễ hội – Văn hoá", "#b71c1c", "#f9a825", ["#d84315", "#bf360c", "#8d1c0c"], "lanterns"),
    "hoi-nghi": ("Hội nghị – Đại đoàn kết", "#8e2430", "#e5b3a3", ["#b5495b", "#93303f", "#6d1f2b"], "star"),
    "giao-thong": ("Giao thông nông thôn", "#90a4ae", "#eceff1", ["#9ccc65", "#7cb342", "#607d8b"], "bridge"),
    "moi-truong": ("Môi trường xanh", "#66bb6a", "#e8f5e9", ["#81c784", "#4caf50", "#2e7d32"], "trees"),
    "kinh-te": ("Kinh tế – Sản xuất", "#ffb74d", "#fff8e1", ["#aed581", "#8bc34a", "#558b2f"], "trees"),
    "the-thao": ("Thể dục – Thể thao", "#29b6f6", "#e1f5fe", ["#66bb6a", "#43a047", "#2e7d32"], "sun"),
}
NEWS_IMAGE_SIZE = (1200, 675)
PORTRAIT_SIZE = (480, 600)
PORTRAITS = [("m", "#90a4ae"), ("f", "#b0bec5"), ("m", "#a1887f"), ("f", "#9fa8da")]

FONT_CANDIDATES = [Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu")]
VIETNAMESE_SAMPLE = "ĐđƯưƠơẠạẶặỆệỮữỞởỲỳ"


def _covers_vietnamese(path):
    try:
        from fontTools.ttLib import TTFont  # fontTools comes with WeasyPrint; needed only for this check
    except ImportError:  # pragma: no cover - fontTools comes with WeasyPrint
        return True
    try:
        with TTFont(str(path), lazy=True, fontNumber=0) as font:
            cmap = font.getBestCmap() or {}
    except Exception:  # noqa: BLE001 - an unreadable font is no candidate
        return False
    return all(ord(ch) in cmap for ch in VIETNAMESE_SAMPLE)


def find_fonts(theme_font_dirs=()):
    """(regular, bold) font files with Vietnamese coverage: the theme's own first, then the system's
    DejaVu Sans; None where there is none (Pillow's default font is used)."""
    for directory in theme_font_dirs:
        directory = Path(directory)
        if not directory.is_dir():
            continue
        files = sorted(f for f in directory.iterdir() if f.suffix.lower() in (".ttf", ".otf"))
        files = [f for f in files if _covers_vietnamese(f)]
        if files:

            def pick(bold, files=files):
                named = [f for f in files if ("bold" in f.stem.lower()) == bold and "italic" not in f.stem.lower()]
                return named[0] if named else files[0]

            return pick(False), pick(True)
    for directory in FONT_CANDIDATES:
        regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
        if regular.exists():
            return regular, bold if bold.exists() else regular
    return None, None


@functools.lru_cache(maxsize=32)
def _font(path, size):
    """A font object, kept: FreeType caches the glyphs it has rendered in it."""

    if path is None:
        try:
            return ImageFont.load_default(size)
        except TypeError:  # pragma: no cover - Pillow < 10.1
            return ImageFont.load_default()
    return ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.BASIC)


def _rgb(hex_colour):
    h = hex_colour.lstrip("#")
    return tuple(int(h[i : i + 2], 16) for i in (0, 2, 4))


def _wrap(draw, text, font, width):
    """Lines of whole words no wider than `width` (a word longer than that gets a line of its own)."""
    space = _text_width(font, " ")
    lines, line, line_width = [], [], 0
    for word in text.split():
        w = _text_width(font, word)
        if line and line_width + space + w > width:
            lines.append(" ".join(line))
            line, line_width = [], 0
        line_width += (space if line else 0) + w
        line.append(word)
    if line:
        lines.append(" ".join(line))
    return lines


@functools.lru_cache(maxsize=4096)
def _text_width(font, word):
    return font.getlength(word)


@functools.lru_cache(maxsize=8192)
def _word_mask(font, word):
    """(mask, left, top) of a word rendered once: syllables repeat from line to line and from
    document to document, and pasting a mask is far cheaper than rasterizing the glyphs again."""

    left, top, right, bottom = font.getbbox(word)
    mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
    ImageDraw.Draw(mask).text((-left, -top), word, font=font, fill=255)
    return mask, left, top


def _paint(img, x, y, text, font, centred=False, fill=0):
    """Draw text word by word from cached masks; (x, y) is the left (or centre) at the ascender."""
    words = text.split()
    space = _text_width(font, " ")
    if centred:
        x -= (sum(_text_width(font, w) for w in words) + space * (len(words) - 1)) / 2
    for word in words:
        mask, left, top = _word_mask(font, word)
        img.paste(fill, (round(x) + left, y + top), mask)
        x += _text_width(font, word) + space


def render_news_image(key, fonts=(None, None), seed=0):
    """A 1200×675 JPEG: sky gradient, layered hills, a motif and the caption. Deterministic."""

    caption, top, bottom, lands, motif = NEWS_IMAGES[key]
    r = random.Random(f"{seed}:{key}")
    w, h = NEWS_IMAGE_SIZE
    gradient = Image.linear_gradient("L").resize((w, h))
    img = ImageOps.colorize(gradient, _rgb(top), _rgb(bottom)).convert("RGB")
    draw = ImageDraw.Draw(img)

    if motif == "sun":
        cx, cy = r.randint(780, 1050), r.randint(110, 190)
        draw.ellipse((cx - 70, cy - 70, cx + 70, cy + 70), fill=(255, 223, 120))
    for i, colour in enumerate(lands):
        base = int(h * (0.55 + 0.12 * i))
        amp, freq, phase = r.randint(20, 55), r.uniform(1.2, 2.8), r.uniform(0, math.tau)
        points = [
            (x, base - amp * math.sin(freq * x / w * math.tau + phase) - amp * 0.4 * math.sin(3.1 * x / w * math.tau))
            for x in range(0, w + 40, 40)
        ]
        draw.polygon([(0, h), *points, (w, h)], fill=_rgb(colour))
    white = (255, 255, 255)
    if motif == "cross":
        cx, cy = 920, 220
        draw.rounded_rectangle((cx - 110, cy - 110, cx + 110, cy + 110), 30, fill=white)
        draw.rectangle((cx - 25, cy - 80, cx + 25, cy + 80), fill=(220, 40, 50))
        draw.rectangle((cx - 80, cy - 25, cx + 80, cy + 25), fill=(220, 40, 50))
    elif motif == "waves":
        for row in range(4):
            y0 = 120 + row * 38
            draw.line([(x, y0 + 12 * math.sin(x / 45)) for x in range(600, 1160, 8)], fill=(220, 235, 250), width=6)
    elif motif == "dots":
        for _ in range(70):
            x, y = r.randint(560, 1160), r.randint(40, 330)
            rad = r.choice([3, 4, 6])
            draw.ellipse((x - rad, y - rad, x + rad, y + rad), fill=(180, 220, 255))
        for _ in range(14):
            x1, y1, x2, y2 = r.randint(560, 1160), r.randint(40, 330), r.randint(560, 1160), r.randint(40, 330)
            draw.line((x1, y1, x2, y1, x2, y2), fill=(140, 190, 255), width=2)
    elif motif == "star":
        cx, cy, rad = 930, 200, 95
        pts = [
            (
                cx + (rad if k % 2 == 0 else rad * 0.4) * math.sin(k * math.pi / 5),
                cy - (rad if k % 2 == 0 else rad * 0.4) * math.cos(k * math.pi / 5),
            )
            for k in range(10)
        ]
        draw.polygon(pts, fill=(255, 214, 0))
    elif motif == "book":
        draw.polygon([(760, 170), (930, 200), (930, 330), (760, 300)], fill=white)
        draw.polygon([(930, 200), (1100, 170), (1100, 300), (930, 330)], fill=(250, 250, 245))
        for k in range(5):
            draw.line((780, 200 + k * 20, 910, 225 + k * 20), fill=(200, 160, 90), width=3)
    elif motif == "lanterns":
        for k, x in enumerate(range(640, 1161, 130)):
            y = 120 + (k % 2) * 50
            draw.line((x, 0, x, y - 40), fill=(90, 40, 20), width=3)
            draw.ellipse((x - 38, y - 45, x + 38, y + 45), fill=(255, 200 - 30 * (k % 2), 40))
    elif motif == "bridge":
        y = int(h * 0.62)
        draw.arc((300, y - 150, 900, y + 150), 180, 360, fill=(120, 120, 120), width=16)
        draw.rectangle((250, y - 10, 950, y + 10), fill=(110, 110, 110))
    elif motif == "trees":
        for _ in range(7):
            x = r.randint(80, 1120)
            y = int(h * r.uniform(0.5, 0.62))
            draw.rectangle((x - 6, y, x + 6, y + 60), fill=(93, 64, 55))
            draw.ellipse((x - 45, y - 80, x + 45, y + 15), fill=(46, 125, 50))

    regular, bold = fonts
    band = Image.new("RGBA", (w, 150), (0, 0, 0, 110))
    img.paste(band, (0, h - 150), band)
    title_font, small = _font(bold or regular, 58), _font(regular, 26)
    draw.text((60, h - 122), caption, font=title_font, fill=white)
    draw.text((62, h - 50), "Ảnh minh hoạ", font=small, fill=(230, 230, 230))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()


def render_portrait(index, fonts=(None, None)):
    """A 480×600 PNG placeholder: a silhouette on a soft background (index picks gender and tint)."""

    gender, tint = PORTRAITS[index % len(PORTRAITS)]
    w, h = PORTRAIT_SIZE
    img = ImageOps.colorize(Image.linear_gradient("L").resize((w, h)), _rgb("#eceff1"), _rgb(tint)).convert("RGB")
    draw = ImageDraw.Draw(img)
    shade = (84, 98, 110)
    if gender == "f":
        draw.ellipse((135, 95, 345, 365), fill=(70, 80, 90))  # hair
        draw.rectangle((135, 230, 345, 420), fill=(70, 80, 90))
    draw.ellipse((160, 120, 320, 320), fill=shade)  # head
    draw.rectangle((215, 300, 265, 370), fill=shade)  # neck
    draw.ellipse((60, 350, 420, 760), fill=shade)  # shoulders
    if gender == "m":
        draw.polygon([(240, 360), (215, 420), (240, 520), (265, 420)], fill=(140, 40, 40))  # tie
    small = _font(fonts[0], 20)
    draw.text((w // 2, h - 24), "Ảnh chân dung", font=small, fill=(255, 255, 255), anchor="mm")
    out = io.BytesIO()
    img.save(out, "PNG", optimize=True)
    return out.getvalue()


def render_document_pdf(doc, place, fonts=(None, None)):
    """The document as an A4 page image in a PDF (like a scanned original), 1-bit, ~10–40 KB."""

    out = io.BytesIO()
    page = render_document_page(doc, place, fonts)
    page.convert("1", dither=Image.Dither.NONE).save(out, "PDF", resolution=150, title=doc.summary[:120])
    return out.getvalue()


def render_document_page(doc, place, fonts=(None, None)):
    """The first page of the document, greyscale, A4 at 150 dpi."""

    regular, bold = fonts
    w, h = 1240, 1754  # A4 at 150 dpi
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    f_body, f_bold, f_title = _font(regular, 25), _font(bold or regular, 25), _font(bold or regular, 32)
    left_x, right_x = 330, 870

    def centred(x, y, text, font):
        _paint(img, x, y, text, font, centred=True)

    centred(left_x, 110, "HỘI ĐỒNG NHÂN DÂN" if doc.issuer.startswith("HĐND") else "UỶ BAN NHÂN DÂN", f_body)
    centred(left_x, 145, place.in_sentence.upper(), f_bold)
    centred(right_x, 110, "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", f_bold)
    centred(right_x, 145, "Độc lập – Tự do – Hạnh phúc", f_bold)
    draw.line((right_x - 170, 183, right_x + 170, 183), fill=0, width=2)
    draw.line((left_x - 70, 183, left_x + 70, 183), fill=0, width=2)
    centred(left_x, 210, f"Số: {doc.number_symbol}", f_body)
    centred(right_x, 210, f"{place.name}, {long_date(doc.issue_date)}", f_body)
    y = 300
    centred(w // 2, y, TYPE_LABELS[doc.doc_type].upper() if doc.doc_type != "cong_van" else "", f_title)
    y += 55
    for line in _wrap(draw, doc.summary, f_bold, 900):
        centred(w // 2, y, line, f_bold)
        y += 36
    y += 40
    for paragraph in doc.body:
        heading = paragraph.isupper() or paragraph.endswith(":")
        font = f_bold if heading else f_body
        for i, line in enumerate(_wrap(draw, paragraph, font, w - 260)):
            _paint(img, 130 + (50 if i == 0 and not heading else 0), y, line, font)
            y += 37
            if y > h - 420:
                break
        y += 10
    y = min(y + 30, h - 380)
    for i, line in enumerate(doc.sign_block):
        centred(right_x, y + i * 36, line, f_bold)
    centred(right_x, y + 110, "(đã ký)", f_body)
    centred(right_x, y + 210, doc.signer_name, f_bold)
    _paint(img, 130, y + 10, "Nơi nhận:", f_bold)
    for i, line in enumerate(["- Như trên;", "- Lưu: VT."]):
        _paint(img, 130, y + 50 + i * 32, line, _font(regular, 21))
    centred(w // 2, h - 70, "Văn bản minh hoạ do hệ thống tạo tự động (dữ liệu mẫu).", _font(regular, 18))
    return img

"""speech/normalise.py: Vietnamese text → the words a speech engine reads.

Every expected output below was checked by hand against how an announcer reads it (northern
standard: "linh" for a zero ten, "mốt", "lăm", "tư" after a ten; see the module's docstring).
Pure: no database, no engine."""

import unicodedata

import pytest

from speech.normalise import normalise, read_number, roman_to_int

CASES = [
    ("0", "không"),
    ("5", "năm"),
    ("10", "mười"),
    ("11", "mười một"),
    ("15", "mười lăm"),
    ("21", "hai mươi mốt"),
    ("24", "hai mươi tư"),
    ("25", "hai mươi lăm"),
    ("105", "một trăm linh năm"),
    ("110", "một trăm mười"),
    ("115", "một trăm mười lăm"),
    ("1.000", "một nghìn"),
    ("1.005", "một nghìn không trăm linh năm"),
    ("2026", "hai nghìn không trăm hai mươi sáu"),
    ("1.500.000", "một triệu năm trăm nghìn"),
    ("1.050.000", "một triệu không trăm năm mươi nghìn"),
    ("1.000.005", "một triệu không trăm linh năm"),
    ("1.000.000.000", "một tỷ"),
    ("2,5", "hai phẩy năm"),
    ("0,05", "không phẩy không năm"),
    ("3,14", "ba phẩy mười bốn"),
    ("1,500,000", "một triệu năm trăm nghìn"),
    ("Giá 1,2 tỷ đồng", "Giá một phẩy hai tỷ đồng"),
    ("Hỗ trợ 500.000 đồng mỗi hộ", "Hỗ trợ năm trăm nghìn đồng mỗi hộ"),
    ("Hỗ trợ 500.000đ mỗi hộ", "Hỗ trợ năm trăm nghìn đồng mỗi hộ"),
    ("Hỗ trợ 500.000 VNĐ mỗi hộ", "Hỗ trợ năm trăm nghìn đồng mỗi hộ"),
    ("Giá 20.000đ/kg", "Giá hai mươi nghìn đồng một ki lô gam"),
    ("Tăng 25%", "Tăng hai mươi lăm phần trăm"),
    ("Giảm 2,5%", "Giảm hai phẩy năm phần trăm"),
    ("Từ 15-20%", "Từ mười lăm đến hai mươi phần trăm"),
    ("Ngày 15/12/2026", "Ngày mười lăm tháng mười hai năm hai nghìn không trăm hai mươi sáu"),
    (
        "Kế hoạch ngày 15/12/2026 của xã",
        "Kế hoạch ngày mười lăm tháng mười hai năm hai nghìn không trăm hai mươi sáu của xã",
    ),
    ("Hạn chót 15/12/2026.", "Hạn chót ngày mười lăm tháng mười hai năm hai nghìn không trăm hai mươi sáu."),
    ("Từ ngày 05/12 đến ngày 20/12", "Từ ngày năm tháng mười hai đến ngày hai mươi tháng mười hai"),
    ("ngày 1/6", "ngày một tháng sáu"),
    ("Sáng 2/9, nhân dân treo cờ", "Sáng ngày hai tháng chín, nhân dân treo cờ"),
    ("Từ 1/6 đến 5/6", "Từ ngày một tháng sáu đến ngày năm tháng sáu"),
    ("1/2 số hộ", "một phần hai số hộ"),
    ("Tháng 12/2026", "Tháng mười hai năm hai nghìn không trăm hai mươi sáu"),
    ("Báo cáo tháng 4/2026", "Báo cáo tháng tư năm hai nghìn không trăm hai mươi sáu"),
    ("Tháng 4 hằng năm", "Tháng tư hằng năm"),
    (
        "Từ ngày 15-20/12/2026",
        "Từ ngày mười lăm đến ngày hai mươi tháng mười hai năm hai nghìn không trăm hai mươi sáu",
    ),
    (
        "Từ 15/12 - 20/12/2026",
        "Từ ngày mười lăm tháng mười hai đến ngày hai mươi tháng mười hai năm hai nghìn không trăm hai mươi sáu",
    ),
    ("15.12.2026", "ngày mười lăm tháng mười hai năm hai nghìn không trăm hai mươi sáu"),
    ("15-12-2026", "ngày mười lăm tháng mười hai năm hai nghìn không trăm hai mươi sáu"),
    ("Lúc 7h30", "Lúc bảy giờ ba mươi phút"),
    ("Lúc 7 giờ 30", "Lúc bảy giờ ba mươi"),
    ("Lúc 07:30", "Lúc bảy giờ ba mươi phút"),
    ("Lúc 17h", "Lúc mười bảy giờ"),
    ("Lúc 7h05", "Lúc bảy giờ năm phút"),
    ("Lúc 7g30", "Lúc bảy giờ ba mươi phút"),
    ("Từ 7h-9h", "Từ bảy giờ đến chín giờ"),
    ("7-9 giờ sáng", "bảy đến chín giờ sáng"),
    ("Từ 7h30-11h", "Từ bảy giờ ba mươi phút đến mười một giờ"),
    ("Thứ 2", "Thứ hai"),
    ("thứ 4 hằng tuần", "thứ tư hằng tuần"),
    ("Lần thứ 1", "Lần thứ nhất"),
    ("Kỳ họp thứ 7", "Kỳ họp thứ bảy"),
    ("Quý III/2026", "Quý ba năm hai nghìn không trăm hai mươi sáu"),
    ("Khoá XV", "Khoá mười lăm"),
    ("Đại hội lần thứ XIII", "Đại hội lần thứ mười ba"),
    ("Kế hoạch số 35/KH-UBND", "Kế hoạch số ba mươi lăm, kế hoạch, Uỷ ban nhân dân"),
    ("35/KH-UBND", "số ba mươi lăm, kế hoạch, Uỷ ban nhân dân"),
    ("Số: 12/2024/QĐ-UBND", "Số mười hai, năm hai nghìn không trăm hai mươi tư, quyết định, Uỷ ban nhân dân"),
    ("Nghị định 15/2020/NĐ-CP", "Nghị định số mười lăm, năm hai nghìn không trăm hai mươi, nghị định, Chính phủ"),
    ("Quyết định số 1234/QĐ-TTg", "Quyết định số một nghìn hai trăm ba mươi tư, quyết định, Thủ tướng Chính phủ"),
    (
        "Thông tư 05/2024/TT-BTTTT",
        "Thông tư số năm, năm hai nghìn không trăm hai mươi tư, thông tư, Bộ Thông tin và Truyền thông",
    ),
    ("Công văn 123/UBND-VX", "Công văn số một trăm hai mươi ba, Uỷ ban nhân dân, văn xã"),
    ("Luật số 18/2023/QH15", "Luật số mười tám, năm hai nghìn không trăm hai mươi ba, Quốc hội khoá mười lăm"),
    ("Điện thoại 0294 3862 123", "Điện thoại không hai chín bốn, ba tám sáu hai, một hai ba"),
    ("ĐT: 0294.3862.123", "điện thoại: không hai chín bốn, ba tám sáu hai, một hai ba"),
    ("SĐT 0912345678", "số điện thoại không chín một hai ba bốn năm sáu bảy tám"),
    ("Gọi 114 khi có cháy", "Gọi một một bốn khi có cháy"),
    ("Đường dây nóng 1022", "Đường dây nóng một không hai hai"),
    ("Liên hệ 0912 345 678", "Liên hệ không chín một hai, ba bốn năm, sáu bảy tám"),
    ("Lượng mưa 150mm", "Lượng mưa một trăm năm mươi mi li mét"),
    ("Nhiệt độ 30°C", "Nhiệt độ ba mươi độ xê"),
    ("2 ha lúa", "hai héc ta lúa"),
    ("50kg gạo", "năm mươi ki lô gam gạo"),
    ("Dài 3,5 km", "Dài ba phẩy năm ki lô mét"),
    ("Tốc độ 60km/h", "Tốc độ sáu mươi ki lô mét trên giờ"),
    ("Diện tích 120m2", "Diện tích một trăm hai mươi mét vuông"),
    ("UBND xã An Trường", "Uỷ ban nhân dân xã An Trường"),
    ("HĐND huyện", "Hội đồng nhân dân huyện"),
    ("TP. Trà Vinh", "thành phố Trà Vinh"),
    ("TP.HCM", "thành phố Hồ Chí Minh"),
    ("TT. Càng Long", "thị trấn Càng Long"),
    ("MTTQ xã", "Mặt trận Tổ quốc xã"),
    ("BCH quân sự xã", "Ban chỉ huy quân sự xã"),
    ("BCH PCTT&TKCN", "Ban chỉ huy phòng chống thiên tai và tìm kiếm cứu nạn"),
    ("CSGT và CAX", "cảnh sát giao thông và công an xã"),
    ("Trường THCS và THPT", "Trường trung học cơ sở và trung học phổ thông"),
    ("Gia hạn BHYT, BHXH", "Gia hạn bảo hiểm y tế, bảo hiểm xã hội"),
    ("Làm CCCD", "Làm căn cước công dân"),
    ("Phát triển KT-XH", "Phát triển kinh tế xã hội"),
    ("Cán bộ VH-XH", "Cán bộ văn hoá xã hội"),
    ("Tập huấn PCCC", "Tập huấn phòng cháy chữa cháy"),
    ("Theo NĐ-CP", "Theo nghị định của Chính phủ"),
    ("Ban hành QĐ", "Ban hành quyết định"),
    ("Q.1, P. 5", "quận một, phường năm"),
    ("Tại X. An Trường", "Tại xã An Trường"),
    ("Địa chỉ: P. Hòa Thuận, TP. Trà Vinh", "Địa chỉ: phường Hòa Thuận, thành phố Trà Vinh"),
    ("Đ/c Nguyễn Văn A", "đồng chí Nguyễn Văn A"),
    ("COVID-19", "COVID mười chín"),
    ("Số 12/3 đường 30/4", "Số mười hai trên ba đường ba mươi tháng tư"),
    ("Chương X. Điều 1.", "Chương mười. Điều một."),
    ("Kiểm tra tincoso.gov.vn", "Kiểm tra tincoso chấm gov chấm vn"),
    ("Thông báo (khẩn)", "Thông báo, khẩn,"),
    ('"Tết sum vầy"', "Tết sum vầy"),
    ("- Hộ nghèo\n- Hộ cận nghèo", "Hộ nghèo. Hộ cận nghèo"),
    (
        "Ngày 15/12/2026, UBND xã tổ chức tiêm vắc xin cho 1.250 trẻ em; kinh phí 35,5 triệu đồng.",
        "Ngày mười lăm tháng mười hai năm hai nghìn không trăm hai mươi sáu, Uỷ ban nhân dân xã tổ chức tiêm vắc xin cho một nghìn hai trăm năm mươi trẻ em; kinh phí ba mươi lăm phẩy năm triệu đồng.",
    ),
]

# Counts out of a total ("a trên b"), road numbers and units, as announcers read them; dates
# and fractions beside them keep their own reading.
COUNTS_ROADS_UNITS = [
    (
        "Đến nay xã đã đạt 17/19 tiêu chí nông thôn mới nâng cao.",
        "Đến nay xã đã đạt mười bảy trên mười chín tiêu chí nông thôn mới nâng cao.",
    ),
    ("17/19 tiêu chí", "mười bảy trên mười chín tiêu chí"),
    ("Có 9/10 hộ dân tham gia", "Có chín trên mười hộ dân tham gia"),  # "9/10" alone would be a date
    ("Xã đạt 9/10", "Xã đạt chín trên mười"),
    ("hoàn thành 5/7 nhiệm vụ", "hoàn thành năm trên bảy nhiệm vụ"),
    ("Ngày 17/12 các hộ dân họp", "Ngày mười bảy tháng mười hai các hộ dân họp"),
    ("Ngày 9/10 hộ dân họp", "Ngày chín tháng mười hộ dân họp"),  # a date word first: a date
    ("Hạn 15/12", "Hạn ngày mười lăm tháng mười hai"),
    ("1/2 số hộ", "một phần hai số hộ"),
    ("3/4 diện tích", "ba phần bốn diện tích"),
    ("Tuyến ĐT.911 qua xã", "Tuyến đường tỉnh chín một một qua xã"),
    ("ĐT911", "đường tỉnh chín một một"),
    ("QL.1A", "quốc lộ một A"),
    ("Quốc lộ QL.53 và ĐH.15", "Quốc lộ quốc lộ năm mươi ba và đường huyện mười lăm"),
    ("ĐT.830C, TL 10, HL.2", "đường tỉnh tám ba không C, tỉnh lộ mười, hương lộ hai"),
    ("Cao tốc ĐCT.01", "Cao tốc đường cao tốc không một"),
    ("Tai nạn tại Km 15+200 QL.53", "Tai nạn tại ki lô mét mười lăm cộng hai trăm quốc lộ năm mươi ba"),
    ("ĐT: 0294.3862.123", "điện thoại: không hai chín bốn, ba tám sáu hai, một hai ba"),  # still a phone
    ("Gọi ĐT 0912345678", "Gọi điện thoại không chín một hai ba bốn năm sáu bảy tám"),
    ("5 km", "năm ki lô mét"),
    ("5km", "năm ki lô mét"),
    ("Dài 5 Km", "Dài năm ki lô mét"),
    ("Cách 2 KM", "Cách hai ki lô mét"),
    ("Dài 5 km 200 m", "Dài năm ki lô mét hai trăm mét"),
    ("Chỉnh trang 3,5 km đường", "Chỉnh trang ba phẩy năm ki lô mét đường"),
    ("Xây 200 m đê bao", "Xây hai trăm mét đê bao"),
    ("Cao 1,5 m", "Cao một phẩy năm mét"),
    ("20 kg gạo", "hai mươi ki lô gam gạo"),
    ("8 ha lúa", "tám héc ta lúa"),
    ("Hiến 1.200 m² đất", "Hiến một nghìn hai trăm mét vuông đất"),
    ("Hiến 30 m2 đất", "Hiến ba mươi mét vuông đất"),
    ("Nhiệt độ 35 °C", "Nhiệt độ ba mươi lăm độ xê"),
    ("Nhiệt độ 35oC", "Nhiệt độ ba mươi lăm độ xê"),
    ("Nhiệt độ 35 độ C", "Nhiệt độ ba mươi lăm độ xê"),
    ("Tốc độ 60 km/giờ", "Tốc độ sáu mươi ki lô mét trên giờ"),
]


@pytest.mark.parametrize("text, expected", COUNTS_ROADS_UNITS, ids=[c[0][:40] for c in COUNTS_ROADS_UNITS])
def test_counts_roads_and_units(text, expected):
    assert normalise(text) == expected


# Things that must come out exactly as they went in: place and person names with letters
# that are also abbreviations or Roman numerals, weekday names, ordinary words.
UNCHANGED = [
    "Thôn Tân Phú, xã Phú Xuân",
    "Thứ Hai, Chủ nhật",
    "Phòng họp",
    "Ông Hà Văn Tư",
    "Chị Mai ở ấp Phú Thạnh",
    "xã Tân Xuân, huyện Ba Tri",
    "Hội Nông dân và Hội Cựu chiến binh",
    "Phường Hòa Thuận, Quận Ninh Kiều",
    "Ban Chỉ huy Quân sự",
    "Trạm y tế xã; hội trường ấp",
    "Mời bà con đến dự!",
    "Cấp xã, cấp huyện",
    "Ông P. Văn Minh",  # an initial, not "phường": no address context before it
    "kế hoạch KH và thông báo TB",  # document codes only mean something inside a number
    "Phụ lục kèm theo",
    "Đồng bào Khmer",
    "Hai mươi hộ dân",
    "Đường tỉnh lộ và quốc lộ",  # the words, not the codes
    "QLDA và ĐTXD",  # other codes that start like a road's
]


@pytest.mark.parametrize("text, expected", CASES, ids=[c[0][:40] for c in CASES])
def test_table(text, expected):
    assert normalise(text) == expected


@pytest.mark.parametrize("text", UNCHANGED)
def test_must_not_change(text):
    assert normalise(text) == text


def test_table_is_big_enough():
    assert len(CASES) + len(UNCHANGED) >= 40


def test_nfd_input_gives_nfc_words():
    text = "Uỷ ban nhân dân xã Mường Tè thông báo lũ quét ngày 15/12/2026"
    out = normalise(unicodedata.normalize("NFD", text))
    assert out == (
        "Uỷ ban nhân dân xã Mường Tè thông báo lũ quét ngày mười lăm tháng mười hai năm "
        "hai nghìn không trăm hai mươi sáu"
    )
    assert unicodedata.is_normalized("NFC", out)
    # Đ has no decomposition, but the tone marks after it do: the abbreviation must still match.
    assert (
        normalise(unicodedata.normalize("NFD", "HĐND xã họp lúc 7h30"))
        == "Hội đồng nhân dân xã họp lúc bảy giờ ba mươi phút"
    )


def test_pure_and_idempotent():
    text = "Kế hoạch số 35/KH-UBND ngày 15/12/2026: hỗ trợ 500.000đ/hộ, gọi 0294 3862 123."
    once = normalise(text)
    assert normalise(text) == once
    assert normalise(once) == once  # words in, the same words out
    assert not any(ch.isdigit() for ch in once)


def test_empty_and_blank():
    assert normalise("") == ""
    assert normalise("  \n\t ") == ""
    assert normalise("- \n * ") == ""


def test_southern_zero_tens():
    assert normalise("105 hộ", zero_tens="lẻ") == "một trăm lẻ năm hộ"


@pytest.mark.parametrize(
    "n, words",
    [
        (0, "không"),
        (1, "một"),
        (4, "bốn"),
        (14, "mười bốn"),
        (20, "hai mươi"),
        (31, "ba mươi mốt"),
        (44, "bốn mươi tư"),
        (55, "năm mươi lăm"),
        (101, "một trăm linh một"),
        (104, "một trăm linh bốn"),
        (1001, "một nghìn không trăm linh một"),
        (10010, "mười nghìn không trăm mười"),
        (2000000, "hai triệu"),
        (3005000, "ba triệu không trăm linh năm nghìn"),
        (1234567890, "một tỷ hai trăm ba mươi tư triệu năm trăm sáu mươi bảy nghìn tám trăm chín mươi"),
        (1000000000000, "một nghìn tỷ"),
    ],
)
def test_read_number(n, words):
    assert read_number(n) == words


@pytest.mark.parametrize(
    "numeral, value",
    [
        ("I", 1),
        ("IV", 4),
        ("IX", 9),
        ("XIII", 13),
        ("XV", 15),
        ("XXI", 21),
        ("IIII", None),
        ("VX", None),
        ("ABC", None),
    ],
)
def test_roman(numeral, value):
    assert roman_to_int(numeral) == value

"""Relevance set: realistic queries over a corpus of about 60 pages in three communes of two
districts (An Trường and Mỹ Cẩm in Càng Long, Đông Hải in Duyên Hải), each with its
expected top three, in order. Run on SQLite and on PostgreSQL: both must give exactly
these results (the ranking is done in Python on the same matches). Then the phrasings
citizens actually type (NATURAL), and the same against the seeded demo content
(TestSeededDemo).

The corpus is built once for the module inside a transaction that is rolled back at the end;
each test runs in a savepoint inside it. The demo content is seeded once for its class, in
its own transaction, rolled back before the corpus is built.
"""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from areas.models import AreaPage, CommuneHomePage
from cms_pages.models import (
    AnnouncementIndexPage,
    AnnouncementPage,
    DocumentIndexPage,
    LegalDocumentPage,
    NewsIndexPage,
    NewsPage,
    StandardPage,
)
from demo.management.commands.seed_demo import DEMO_USERNAME
from demo.sources import seed_sources
from search import engine as search
from search.models import SearchEntry, SearchPlacement
from tests.factories import publish

D = datetime.date

# key: (commune, kind, title, date, text, extra). Text is the summary (news, announcements,
# documents) or the body (pages). For documents extra = (number_symbol, issuer).
CORPUS = {
    # --- Xã An Trường (Càng Long) ---
    "at_tiem_soi": (
        "AT",
        "announcement",
        "Thông báo tiêm chủng vắc xin sởi – rubella cho trẻ em",
        D(2026, 3, 2),
        "Trạm y tế xã tổ chức tiêm chủng bổ sung vắc xin sởi – rubella cho trẻ từ 1 đến 5 tuổi.",
        None,
    ),
    "at_tiem_mo_rong": (
        "AT",
        "news",
        "Ra quân tiêm chủng mở rộng đợt 1 năm 2026",
        D(2026, 2, 10),
        "Hơn 300 trẻ em được tiêm đủ mũi theo chương trình tiêm chủng mở rộng.",
        None,
    ),
    "at_ban_dau_gia": (
        "AT",
        "announcement",
        "Thông báo bán đấu giá quyền sử dụng đất ấp Sóc",
        D(2026, 4, 1),
        "UBND xã thông báo bán đấu giá 05 lô đất ở tại ấp Sóc, xã An Trường.",
        None,
    ),
    "at_ban_giao": (
        "AT",
        "news",
        "Bàn giao nhà đại đoàn kết cho hộ nghèo",
        D(2026, 5, 20),
        "Ủy ban MTTQ xã bàn giao 03 căn nhà đại đoàn kết cho hộ nghèo ấp Giữa.",
        None,
    ),
    "at_kh_35": (
        "AT",
        "document",
        "Kế hoạch tổ chức Tết trồng cây đời đời nhớ ơn Bác Hồ",
        D(2026, 1, 15),
        "Kế hoạch tổ chức Tết trồng cây đời đời nhớ ơn Bác Hồ năm 2026 trên địa bàn xã.",
        ("35/KH-UBND", "UBND xã An Trường"),
    ),
    "at_kh_135": (
        "AT",
        "document",
        "Kế hoạch phòng cháy chữa cháy mùa khô",
        D(2025, 12, 1),
        "Kế hoạch phòng cháy, chữa cháy rừng và khu dân cư mùa khô 2025 – 2026.",
        ("135/KH-UBND", "UBND xã An Trường"),
    ),
    "at_qd_12": (
        "AT",
        "document",
        "Quyết định thành lập Ban chỉ đạo chuyển đổi số xã",
        D(2025, 3, 20),
        "Quyết định thành lập Ban chỉ đạo chuyển đổi số xã An Trường giai đoạn 2025 – 2030.",
        ("12/QĐ-UBND", "UBND xã An Trường"),
    ),
    "at_nq_05": (
        "AT",
        "document",
        "Nghị quyết về dự toán ngân sách xã năm 2026",
        D(2025, 12, 25),
        "Nghị quyết của Hội đồng nhân dân xã về dự toán thu chi ngân sách năm 2026.",
        ("05/NQ-HĐND", "HĐND xã An Trường"),
    ),
    "at_tb_15": (
        "AT",
        "document",
        "Thông báo lịch tiếp công dân tháng 4",
        D(2026, 3, 28),
        "Lịch tiếp công dân định kỳ của Chủ tịch UBND xã tháng 4 năm 2026.",
        ("15/TB-UBND", "UBND xã An Trường"),
    ),
    "at_hoa_thuan": (
        "AT",
        "news",
        "Giao lưu văn nghệ với ấp Hòa Thuận",
        D(2025, 9, 2),
        "Đội văn nghệ xã giao lưu cùng bà con ấp Hòa Thuận nhân dịp Quốc khánh.",
        None,
    ),
    "at_duong": (
        "AT",
        "news",
        "Khánh thành đường giao thông nông thôn ấp Đại Thôn",
        D(2025, 11, 11),
        "Tuyến đường bê tông dài 1,2 km do nhân dân đóng góp và ngân sách xã hỗ trợ.",
        None,
    ),
    "at_lua": (
        "AT",
        "news",
        "Nông dân thu hoạch lúa Đông Xuân được mùa được giá",
        D(2026, 3, 15),
        "Năng suất lúa Đông Xuân bình quân đạt 7 tấn/ha, giá lúa tươi 6.500 đồng/kg.",
        None,
    ),
    "at_bao_hiem": (
        "AT",
        "announcement",
        "Thông báo gia hạn thẻ bảo hiểm y tế hộ gia đình",
        D(2026, 1, 5),
        "Người dân mang sổ hộ khẩu đến bưu điện xã để gia hạn thẻ bảo hiểm y tế.",
        None,
    ),
    "at_mua_lu": (
        "AT",
        "announcement",
        "Khẩn cấp: phòng chống triều cường và mưa lũ",
        D(2025, 10, 20),
        "Bà con gia cố nhà cửa, di dời tài sản đến nơi an toàn khi có triều cường.",
        None,
    ),
    "at_gioi_thieu": (
        "AT",
        "page",
        "Lịch sử hình thành xã An Trường",
        D(2024, 6, 1),
        "Xã An Trường được thành lập năm 1979, có 9 ấp, dân số hơn 14.000 người.",
        None,
    ),
    "at_thu_tuc": (
        "AT",
        "page",
        "Thủ tục đăng ký khai sinh",
        D(2025, 2, 1),
        "Hồ sơ đăng ký khai sinh gồm tờ khai và giấy chứng sinh; nộp tại bộ phận một cửa.",
        None,
    ),
    "at_chuyen_doi_so": (
        "AT",
        "news",
        "Tập huấn chuyển đổi số cho tổ công nghệ số cộng đồng",
        D(2025, 8, 8),
        "Hướng dẫn người dân cài đặt VNeID và thanh toán không dùng tiền mặt.",
        None,
    ),
    "at_hoi_thi": (
        "AT",
        "news",
        "Hội thi nấu ăn ngon phụ nữ xã",
        D(2025, 10, 18),
        "Hội Liên hiệp Phụ nữ xã tổ chức hội thi nấu ăn chào mừng ngày 20/10.",
        None,
    ),
    "at_thuy_loi": (
        "AT",
        "news",
        "Nạo vét kênh thủy lợi phục vụ sản xuất",
        D(2025, 5, 5),
        "Công trình thuỷ lợi nội đồng được nạo vét trước mùa mưa.",
        None,
    ),
    "at_ban_ghe": (
        "AT",
        "news",
        "Tặng bàn ghế học sinh cho điểm trường ấp Sóc",
        D(2025, 9, 5),
        "Mạnh thường quân trao tặng 40 bộ bàn ghế cho điểm trường.",
        None,
    ),
    # --- Xã Mỹ Cẩm (Càng Long) ---
    "mc_tiem_cum": (
        "MC",
        "announcement",
        "Lịch tiêm chủng vắc xin cúm mùa",
        D(2026, 2, 20),
        "Trạm y tế xã Mỹ Cẩm tiêm vắc xin cúm cho người cao tuổi.",
        None,
    ),
    "mc_dich_ta": (
        "MC",
        "news",
        "Phòng chống dịch tả lợn châu Phi",
        D(2026, 1, 25),
        "Tiêu độc khử trùng chuồng trại, không bán chạy lợn bệnh.",
        None,
    ),
    "mc_kh_35": (
        "MC",
        "document",
        "Kế hoạch phát động phong trào toàn dân bảo vệ an ninh Tổ quốc",
        D(2026, 2, 1),
        "Kế hoạch phát động phong trào toàn dân bảo vệ an ninh Tổ quốc năm 2026.",
        ("35/KH-HĐND", "HĐND xã Mỹ Cẩm"),
    ),
    "mc_qd_88": (
        "MC",
        "document",
        "Quyết định công nhận hộ nghèo, hộ cận nghèo năm 2026",
        D(2026, 1, 10),
        "Quyết định công nhận danh sách hộ nghèo, hộ cận nghèo trên địa bàn xã Mỹ Cẩm.",
        ("88/QĐ-UBND", "UBND xã Mỹ Cẩm"),
    ),
    "mc_cv_210": (
        "MC",
        "document",
        "Công văn về việc tăng cường phòng chống dịch bệnh cây trồng",
        D(2025, 7, 14),
        "Đề nghị các ấp tăng cường thăm đồng, phòng trừ rầy nâu trên lúa.",
        ("210/UBND-NN", "UBND xã Mỹ Cẩm"),
    ),
    "mc_ban_gao": (
        "MC",
        "news",
        "Hợp tác xã bán gạo sạch cho siêu thị",
        D(2025, 12, 12),
        "Hợp tác xã Mỹ Cẩm ký hợp đồng bán 50 tấn gạo sạch mỗi tháng.",
        None,
    ),
    "mc_cho": (
        "MC",
        "news",
        "Khởi công xây dựng chợ xã Mỹ Cẩm",
        D(2026, 4, 12),
        "Chợ mới có 120 điểm kinh doanh, vốn đầu tư 12 tỷ đồng.",
        None,
    ),
    "mc_bau_cu": (
        "MC",
        "announcement",
        "Thông báo danh sách cử tri bầu cử đại biểu Hội đồng nhân dân",
        D(2026, 2, 25),
        "Niêm yết danh sách cử tri tại nhà văn hoá các ấp.",
        None,
    ),
    "mc_nuoc_sach": (
        "MC",
        "news",
        "Đưa nước sạch về ấp Thanh Bình",
        D(2025, 6, 18),
        "Hơn 200 hộ dân được sử dụng nước sạch từ trạm cấp nước xã.",
        None,
    ),
    "mc_le_hoi": (
        "MC",
        "news",
        "Lễ hội Ok Om Bok của đồng bào Khmer",
        D(2025, 11, 5),
        "Đua ghe ngo, thả đèn nước trong lễ hội Ok Om Bok.",
        None,
    ),
    "mc_thuy": (
        "MC",
        "news",
        "Gương sáng bà Nguyễn Thị Thuỷ làm kinh tế giỏi",
        D(2025, 4, 22),
        "Bà Thủy nuôi bò sinh sản, mỗi năm thu lãi hơn 200 triệu đồng.",
        None,
    ),
    "mc_dat": (
        "MC",
        "announcement",
        "Thông báo thu hồi đất làm đường huyện 911",
        D(2025, 8, 30),
        "Thu hồi đất của 25 hộ dân để mở rộng đường huyện 911.",
        None,
    ),
    "mc_gioi_thieu": (
        "MC",
        "page",
        "Điều kiện tự nhiên xã Mỹ Cẩm",
        D(2024, 6, 1),
        "Xã Mỹ Cẩm nằm ven sông Cổ Chiên, đất phù sa màu mỡ thích hợp trồng lúa và cây ăn trái.",
        None,
    ),
    "mc_tuyen_quan": (
        "MC",
        "announcement",
        "Thông báo khám sức khoẻ nghĩa vụ quân sự",
        D(2025, 12, 5),
        "Thanh niên trong độ tuổi có mặt tại trạm y tế xã để khám tuyển.",
        None,
    ),
    "mc_tb_15": (
        "MC",
        "document",
        "Thông báo kết luận của Chủ tịch UBND xã tại buổi tiếp công dân",
        D(2026, 3, 10),
        "Kết luận giải quyết kiến nghị về ranh giới đất ấp Thanh Bình.",
        ("15/TB-UBND", "UBND xã Mỹ Cẩm"),
    ),
    "mc_ban_lanh_dao": (
        "MC",
        "page",
        "Ban lãnh đạo Uỷ ban nhân dân xã",
        D(2025, 1, 2),
        "Chủ tịch, Phó Chủ tịch UBND xã và lĩnh vực phụ trách.",
        None,
    ),
    "mc_tiem_dai": (
        "MC",
        "news",
        "Tiêm phòng dại cho chó mèo miễn phí",
        D(2025, 3, 3),
        "Thú y xã tiêm phòng bệnh dại cho hơn 500 con chó, mèo.",
        None,
    ),
    # --- Xã Đông Hải (Duyên Hải) ---
    "dh_tiem": (
        "DH",
        "announcement",
        "Thông báo tiêm chủng mũi nhắc lại cho trẻ 18 tháng",
        D(2026, 3, 20),
        "Trạm y tế xã Đông Hải tiêm nhắc lại vắc xin bạch hầu, ho gà, uốn ván.",
        None,
    ),
    "dh_tom": (
        "DH",
        "news",
        "Nuôi tôm công nghệ cao ở Đông Hải",
        D(2026, 1, 18),
        "Mô hình nuôi tôm thẻ chân trắng trong nhà màng cho năng suất cao.",
        None,
    ),
    "dh_bien": (
        "DH",
        "news",
        "Ngư dân vươn khơi bám biển",
        D(2025, 10, 2),
        "Tàu cá của ngư dân xã Đông Hải được hỗ trợ lắp thiết bị giám sát hành trình.",
        None,
    ),
    "dh_bao": (
        "DH",
        "announcement",
        "Khẩn cấp: bão số 5 đổ bộ, cấm tàu thuyền ra khơi",
        D(2025, 9, 28),
        "Yêu cầu tàu thuyền vào nơi tránh trú bão, di dời dân ven biển.",
        None,
    ),
    "dh_kh_35": (
        "DH",
        "document",
        "Kế hoạch phòng chống thiên tai và tìm kiếm cứu nạn",
        D(2026, 1, 20),
        "Kế hoạch phòng chống thiên tai, tìm kiếm cứu nạn năm 2026 của xã Đông Hải.",
        ("35/KH-UBND", "UBND xã Đông Hải"),
    ),
    "dh_qd_40": (
        "DH",
        "document",
        "Quyết định phê duyệt phương án sơ tán dân ven biển",
        D(2025, 8, 15),
        "Phê duyệt phương án sơ tán dân ven biển khi có bão mạnh, siêu bão.",
        ("40/2025/QĐ-UBND", "UBND xã Đông Hải"),
    ),
    "dh_ban_ca": (
        "DH",
        "news",
        "Chợ cá Đông Hải nhộn nhịp mua bán đầu mùa",
        D(2026, 4, 5),
        "Thương lái thu mua, bán cá tươi ngay tại bến.",
        None,
    ),
    "dh_rung": (
        "DH",
        "news",
        "Trồng rừng phòng hộ ven biển",
        D(2025, 7, 27),
        "Đoàn viên thanh niên trồng 2 ha rừng đước phòng hộ.",
        None,
    ),
    "dh_hoa": (
        "DH",
        "news",
        "Hội nghị cán bộ ấp Hoà Bình",
        D(2026, 2, 14),
        "Ấp Hoà Bình tổng kết công tác năm 2025.",
        None,
    ),
    "dh_muoi": (
        "DH",
        "news",
        "Diêm dân được mùa muối",
        D(2025, 4, 10),
        "Giá muối hạt tăng, diêm dân Đông Hải phấn khởi.",
        None,
    ),
    "dh_du_lich": (
        "DH",
        "page",
        "Du lịch biển Ba Động",
        D(2024, 6, 1),
        "Bãi biển Ba Động thuộc xã Đông Hải là điểm du lịch sinh thái nổi tiếng.",
        None,
    ),
    "dh_hoc_bong": (
        "DH",
        "news",
        "Trao học bổng cho học sinh nghèo vượt khó",
        D(2025, 9, 9),
        "30 suất học bổng, mỗi suất 1 triệu đồng, trao cho học sinh các ấp.",
        None,
    ),
    "dh_dien": (
        "DH",
        "announcement",
        "Thông báo tạm ngừng cung cấp điện",
        D(2026, 4, 8),
        "Điện lực Duyên Hải tạm ngừng cấp điện để bảo trì lưới điện ngày 10/4.",
        None,
    ),
    "dh_cv_99": (
        "DH",
        "document",
        "Công văn về việc chấn chỉnh khai thác thủy sản trái phép",
        D(2025, 11, 3),
        "Chấn chỉnh tình trạng khai thác thủy sản bằng xung điện.",
        ("99/UBND-KT", "UBND xã Đông Hải"),
    ),
    "dh_thue": (
        "DH",
        "announcement",
        "Thông báo nộp thuế sử dụng đất phi nông nghiệp",
        D(2025, 6, 30),
        "Hạn nộp thuế sử dụng đất phi nông nghiệp năm 2025.",
        None,
    ),
    "dh_tiem_bo": (
        "DH",
        "news",
        "Tiêm phòng lở mồm long móng cho đàn bò",
        D(2025, 3, 12),
        "Tiêm phòng cho hơn 1.000 con bò trên địa bàn xã.",
        None,
    ),
    "dh_nha": (
        "DH",
        "news",
        "Bàn giao nhà tình nghĩa cho gia đình chính sách",
        D(2025, 7, 26),
        "Bàn giao nhà tình nghĩa nhân kỷ niệm ngày Thương binh liệt sĩ 27/7.",
        None,
    ),
    "at_cu_tri": (
        "AT",
        "news",
        "Hội nghị tiếp xúc cử tri trước kỳ họp Hội đồng nhân dân xã",
        D(2025, 11, 28),
        "Cử tri kiến nghị sửa chữa cầu ấp Sóc và nạo vét kênh nội đồng.",
        None,
    ),
    "at_tuyen_dung": (
        "AT",
        "announcement",
        "Thông báo tuyển dụng công chức văn hoá – xã hội",
        D(2026, 4, 15),
        "UBND xã tuyển 01 công chức văn hoá – xã hội, nhận hồ sơ đến hết tháng 5.",
        None,
    ),
    "mc_cay_an_trai": (
        "MC",
        "news",
        "Chuyển đổi đất lúa kém hiệu quả sang trồng cây ăn trái",
        D(2025, 10, 10),
        "Nông dân trồng bưởi da xanh, sầu riêng trên diện tích 30 ha.",
        None,
    ),
    "mc_hd_12": (
        "MC",
        "document",
        "Hướng dẫn đăng ký tạm trú, tạm vắng",
        D(2025, 5, 5),
        "Hướng dẫn người dân đăng ký tạm trú, khai báo tạm vắng qua ứng dụng VNeID.",
        ("12/HD-CAX", "Công an xã Mỹ Cẩm"),
    ),
    "dh_ho_tro": (
        "DH",
        "announcement",
        "Thông báo hỗ trợ ngư dân bị thiệt hại do bão",
        D(2025, 10, 15),
        "Hỗ trợ ngư dân có tàu cá hư hỏng do bão số 5.",
        None,
    ),
    "dh_nq_03": (
        "DH",
        "document",
        "Nghị quyết về kế hoạch đầu tư công trung hạn",
        D(2025, 12, 20),
        "Kế hoạch đầu tư công trung hạn giai đoạn 2026 – 2030 của xã.",
        ("03/NQ-HĐND", "HĐND xã Đông Hải"),
    ),
    "dh_trung_thu": (
        "DH",
        "news",
        "Vui Tết Trung thu cho thiếu nhi",
        D(2025, 10, 6),
        "Phát 300 phần quà, lồng đèn cho thiếu nhi các ấp.",
        None,
    ),
}

# (query, scope, filters, expected top three in order). scope: None = the whole index,
# "AT"/"MC"/"DH" = that commune, "CL" = Càng Long district, "DUH" = Duyên Hải district.
QUERIES = [
    # without marks
    # "thông báo" names the type (announcements first), it is not required in the text
    ("thong bao tiem chung", None, {}, ["dh_tiem", "at_tiem_soi", "mc_tiem_cum"]),
    ("tiem chung", None, {}, ["dh_tiem", "at_tiem_soi", "mc_tiem_cum"]),
    ("vac xin", None, {}, ["at_tiem_soi", "mc_tiem_cum", "dh_tiem"]),
    ("dau gia dat", None, {}, ["at_ban_dau_gia"]),
    ("nha dai doan ket", None, {}, ["at_ban_giao"]),
    ("bao hiem y te", None, {}, ["at_bao_hiem"]),
    ("nuoi tom", None, {}, ["dh_tom"]),
    ("tet trong cay", None, {}, ["at_kh_35"]),
    ("ho ngheo", None, {}, ["at_ban_giao", "mc_qd_88"]),
    ("chuyen doi so", None, {}, ["at_chuyen_doi_so", "at_qd_12"]),
    ("bao so 5", None, {}, ["dh_bao", "dh_ho_tro", "at_tuyen_dung"]),
    ("le hoi ok om bok", None, {}, ["mc_le_hoi"]),
    ("dang ky khai sinh", None, {}, ["at_thu_tuc"]),
    ("ba dong", None, {}, ["dh_du_lich", "mc_thuy"]),
    # with marks, any case, both tone placements
    ("Thông báo tiêm chủng", None, {}, ["dh_tiem", "at_tiem_soi", "mc_tiem_cum"]),
    ("TIÊM CHỦNG MỞ RỘNG", None, {}, ["at_tiem_mo_rong"]),
    ("bán", None, {}, ["dh_ban_ca", "at_ban_dau_gia", "mc_ban_gao"]),
    ("bàn", None, {}, ["at_ban_giao", "at_ban_ghe", "dh_nha"]),
    ("bàn giao", None, {}, ["at_ban_giao", "dh_nha"]),
    ("Hòa Thuận", None, {}, ["at_hoa_thuan"]),
    ("Hoà Thuận", None, {}, ["at_hoa_thuan"]),
    ("hoa binh", None, {}, ["dh_hoa"]),
    ("Hòa Bình", None, {}, ["dh_hoa"]),
    ("Thủy", None, {}, ["dh_cv_99", "at_thuy_loi", "mc_thuy"]),
    ("thuỷ lợi", None, {}, ["at_thuy_loi"]),
    ("Đông Hải", None, {}, ["dh_ban_ca", "dh_tom", "dh_kh_35"]),  # then issued by Đông Hải
    ("dong hai", None, {}, ["dh_ban_ca", "dh_tom", "dh_du_lich"]),
    ("đường giao thông", None, {}, ["at_duong"]),
    ("lúa đông xuân", None, {}, ["at_lua"]),
    ("dịch tả lợn", None, {}, ["mc_dich_ta"]),
    # document numbers and symbols, summaries and issuers
    ("35/KH-UBND", None, {}, ["dh_kh_35", "at_kh_35"]),
    ("35/KH", None, {}, ["mc_kh_35", "dh_kh_35", "at_kh_35"]),
    ("KH-UBND 35", None, {}, ["dh_kh_35", "at_kh_35"]),
    ("135/KH-UBND", None, {}, ["at_kh_135"]),
    ("12/QĐ-UBND", None, {}, ["at_qd_12"]),
    ("12/QD-UBND", None, {}, ["at_qd_12"]),
    ("40/2025/QĐ-UBND", None, {}, ["dh_qd_40"]),
    ("05/NQ-HĐND", None, {}, ["at_nq_05"]),
    ("15/TB-UBND", None, {}, ["mc_tb_15", "at_tb_15"]),
    ("210/UBND-NN", None, {}, ["mc_cv_210"]),
    ("HĐND xã Mỹ Cẩm", None, {}, ["mc_kh_35"]),
    ("UBND xã Đông Hải", None, {"kind": "document"}, ["dh_kh_35", "dh_cv_99", "dh_qd_40"]),
    ("du toan ngan sach", None, {}, ["at_nq_05"]),
    ("phong chong thien tai", None, {}, ["dh_kh_35"]),
    ("ray nau", None, {}, ["mc_cv_210"]),
    ("tam tru tam vang", None, {}, ["mc_hd_12"]),
    ("Công an xã", None, {"kind": "document"}, ["mc_hd_12", "mc_tb_15", "at_tb_15"]),
    ("12/HD", None, {}, ["mc_hd_12"]),
    ("tiếp xúc cử tri", None, {}, ["at_cu_tri"]),
    ("dau tu cong trung han", None, {}, ["dh_nq_03"]),
    ("cây ăn trái", None, {}, ["mc_cay_an_trai", "mc_gioi_thieu"]),
    ("trung thu thieu nhi", None, {}, ["dh_trung_thu"]),
    ("tuyen dung cong chuc", None, {}, ["at_tuyen_dung"]),
    # scoped to a commune and to a district, by type and year
    ("tiem chung", "AT", {}, ["at_tiem_soi", "at_tiem_mo_rong"]),
    ("tiem chung", "CL", {}, ["at_tiem_soi", "mc_tiem_cum", "at_tiem_mo_rong"]),
    ("tiem", "DUH", {}, ["dh_tiem", "dh_tiem_bo"]),
    ("35/KH", "DH", {}, ["dh_kh_35"]),
    ("35/KH", "CL", {}, ["mc_kh_35", "at_kh_35"]),
    ("thong bao", "MC", {"kind": "announcement"}, ["mc_bau_cu", "mc_tuyen_quan", "mc_dat"]),
    ("ho dan", "MC", {}, ["mc_dat", "mc_nuoc_sach"]),
    ("bien", "DUH", {"kind": "news"}, ["dh_bien", "dh_rung"]),
    ("khan cap", None, {"kind": "announcement"}, ["at_mua_lu", "dh_bao"]),
    ("tiem", None, {"year": 2025}, ["dh_tiem_bo", "mc_tiem_dai"]),
    ("nha", "CL", {"kind": "news"}, ["at_ban_giao"]),
    ("xa", "MC", {"kind": "page"}, ["mc_ban_lanh_dao", "mc_gioi_thieu"]),
    # nothing to find
    ("tàu vũ trụ", None, {}, []),
    ("tiem chung", "MC", {"kind": "document"}, []),
]


# Natural phrasings citizens type (issue 14): without marks, type words first, extra words,
# everyday words for the official ones, a mistyped word. (query, scope, filters, expected top
# three, complete: does every result have every word?). Expected as above; when fewer than
# three, exactly those are found.
NATURAL = [
    # a type word ranks its type first and is not required in the text
    ("thong bao cat dien", None, {}, ["dh_dien"], True),
    ("tin tiem chung", None, {}, ["at_tiem_mo_rong", "dh_tiem", "at_tiem_soi"], True),
    ("quyet dinh ho ngheo", None, {}, ["mc_qd_88", "at_ban_giao"], True),
    ("thong bao bao so 5", None, {}, ["dh_bao", "dh_ho_tro", "at_tuyen_dung"], True),
    ("thong bao lich tiep cong dan", None, {}, ["at_tb_15"], True),
    ("van ban tiep cong dan", "MC", {}, ["mc_tb_15"], True),
    ("cong van phong chong dich benh", None, {}, ["mc_cv_210", "mc_dich_ta"], True),
    ("tin tuc le hoi ok om bok", None, {}, ["mc_le_hoi"], True),
    ("Thông báo tuyển dụng công chức", None, {}, ["at_tuyen_dung"], True),
    ("thong bao ban dau gia dat ap soc", "AT", {}, ["at_ban_dau_gia"], True),
    # no page has all three: the plans first ("phòng chống" side by side before "phong trào …
    # bảo vệ"), then the rest
    ("ke hoach phong chong bao", None, {}, ["dh_kh_35", "mc_kh_35", "mc_dich_ta"], False),
    # everyday words
    ("cup dien", "DUH", {}, ["dh_dien"], True),
    ("chich ngua cho tre", None, {}, ["dh_tiem", "at_tiem_soi"], True),
    ("lich tiep cong dan thang 04", None, {}, ["at_tb_15"], True),
    # extra words, a mistyped word: the nearest
    ("ho tro ngu dan bi bao", None, {}, ["dh_ho_tro"], True),
    ("tiem chung vac xin soi rubela", None, {}, ["at_tiem_soi"], False),
    ("xin hoi lich tiep cong dan thang 4", None, {}, ["at_tb_15"], False),
    ("thong bao tiem chung cho tre em o xa", "AT", {}, ["at_tiem_soi"], False),
]


def _doc_type(number_symbol):
    """The form of a document from its symbol: 35/KH-UBND is a plan, 210/UBND-NN a letter."""
    symbol = number_symbol.rsplit("/", 1)[1]
    forms = {"KH": "ke_hoach", "QĐ": "quyet_dinh", "NQ": "nghi_quyet", "TB": "thong_bao", "HD": "huong_dan"}
    return forms.get(symbol.split("-")[0], "cong_van" if symbol.startswith("UBND-") else "khac")


def _build(homes):
    pages = {}
    for key, (commune, kind, title, date, text, extra) in CORPUS.items():
        home = homes[commune]
        if kind == "news":
            page = publish(NewsIndexPage.objects.child_of(home).get(), NewsPage(title=title, date=date, summary=text))
        elif kind == "announcement":
            moment = datetime.datetime(date.year, date.month, date.day, tzinfo=datetime.UTC)
            page = publish(
                AnnouncementIndexPage.objects.child_of(home).get(),
                AnnouncementPage(
                    title=title,
                    date=date,
                    summary=text,
                    valid_from=moment,
                    priority="emergency" if title.startswith("Khẩn cấp") else "normal",
                ),
            )
        elif kind == "document":
            number, issuer = extra
            page = publish(
                DocumentIndexPage.objects.child_of(home).get(),
                LegalDocumentPage(
                    title=title,
                    number_symbol=number,
                    doc_type=_doc_type(number),
                    issuer=issuer,
                    signer="Nguyễn Văn An",
                    issue_date=date,
                    summary=text,
                ),
            )
        else:
            page = publish(home, StandardPage(title=title, body=[("paragraph", f"<p>{text}</p>")]))
            # A plain page is dated by its publication; pin it for the year filter.
            SearchEntry.objects.filter(page_id=page.pk).update(date=date, year=date.year)
        pages[key] = page
    return pages


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """Scopes of the seeded demo (see TestSeededDemo), by name."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media")):
        with transaction.atomic():
            options = {"district": ["844"], "communes": 4, "no_progress": True, "stdout": io.StringIO()}
            call_command("seed_demo", province=["Trà Vinh"], **options)
            province = AreaPage.objects.get(structure="2024", level="province", code="84")
            seed_sources(province, get_user_model().objects.get(username=DEMO_USERNAME))
            at = CommuneHomePage.objects.get(structure="2024", short_name="An Trường")
            portal = at.area.portal
            first = CommuneHomePage.objects.child_of(at.area).order_by("path").first()
            alert = SearchEntry.objects.get(kind="alert")
            coastal = SearchPlacement.objects.filter(entry=alert, home__depth=at.depth).first().home.specific
            yield {
                "AT": dict(search.scope_choices(at))["xa"],
                "first": dict(search.scope_choices(first))["xa"],
                "coastal": dict(search.scope_choices(coastal))["xa"],
                "CL": dict(search.scope_choices(portal))["huyen"],
                "portal": dict(search.scope_choices(portal))["xa"],
            }
            transaction.set_rollback(True)


class TestSeededDemo:
    """The phrasings against what `manage.py seed_demo` writes: Càng Long's portal and its first
    four communes (An Trường is the fourth), and the province's source information (items to
    every commune, each district's reception schedule to its communes and a power cut notice
    to its first three, a storm-surge alert to the coastal district). The demo's dates and
    months follow today; what is asserted is what a reader sees: the kind and words of the
    first results. Where: "AT" An Trường's site, "first" the district's first commune,
    "coastal" a commune the alert reaches, "CL" the district portal (whole district),
    "portal" the portal's own pages."""

    @staticmethod
    def found(demo, query, where):
        lower, upper = demo[where].bounds()
        results = search.search(search.parse_query(query), search.Filters(lower, upper))
        by_id = {e.page_id: e for e in SearchEntry.objects.filter(page_id__in=results.ranked[:5])}
        return results, [(by_id[i].kind, by_id[i].title) for i in results.ranked[:5]]

    def test_a_type_word_first_on_a_commune_and_in_its_district(self, demo, db):
        # Found nothing before issue 14: "thông báo" is in none of these titles.
        for where in ("AT", "CL"):
            results, got = self.found(demo, "thong bao tiem chung", where)
            assert results.complete and got[0][0] == "announcement", where
            assert got[0][1].startswith("Lịch tiêm chủng mở rộng tháng"), where

    def test_the_schedule_of_this_month(self, demo, db):
        today = timezone.localdate()
        results, got = self.found(demo, f"lich tiem chung thang {today.month}", "CL")
        assert results.complete and got
        assert all(title == f"Lịch tiêm chủng mở rộng tháng {today.month:02d}/{today.year}" for _k, title in got[:3])

    def test_a_power_cut_in_everyday_words(self, demo, db):
        results, got = self.found(demo, "thong bao cat dien", "AT")
        assert results.complete and got
        assert all(kind == "announcement" and title.startswith("Lịch tạm ngừng cung cấp điện") for kind, title in got)
        results, got = self.found(demo, "thong bao cat dien", "portal")
        assert got[0] == ("source", "Thông báo tạm ngừng cung cấp điện để bảo trì lưới điện")
        assert all("ngừng cung cấp điện" in title for _k, title in got)

    def test_a_plan_against_storms(self, demo, db):
        results, got = self.found(demo, "ke hoach phong chong bao", "CL")
        assert results.complete and "phòng chống" in got[0][1]

    def test_pushed_items_are_found_on_the_sites_they_reach(self, demo, db):
        for where in ("AT", "portal", "CL"):
            _r, got = self.found(demo, "lich tiep dan chu tich huyen", where)
            assert got[0][0] == "source", where
            assert got[0][1].startswith("Lịch tiếp công dân của Chủ tịch UBND huyện Càng Long tháng"), where
        _r, got = self.found(demo, "huong dan nop ho so dich vu cong truc tuyen", "AT")
        assert got[0] == ("source", "Hướng dẫn nộp hồ sơ dịch vụ công trực tuyến toàn trình")
        power = "Thông báo tạm ngừng cung cấp điện để bảo trì lưới điện"
        assert self.found(demo, power, "first")[1][0] == ("source", power)  # targeted
        assert ("source", power) not in self.found(demo, power, "AT")[1]  # the fourth commune is not
        alert = ("alert", "Cảnh báo triều cường và sạt lở bờ sông, bờ biển")
        assert self.found(demo, "canh bao trieu cuong sat lo", "coastal")[1][0] == alert
        results, got = self.found(demo, "canh bao trieu cuong sat lo", "AT")
        assert alert not in got and not results.complete

    def test_answers_named_by_their_type(self, demo, db):
        _r, got = self.found(demo, "cau hoi tiem chung cho tre", "CL")
        assert got[0][0] == "question" and "tiêm chủng" in got[0][1]


@pytest.fixture(scope="module")
def corpus(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            homes = {
                "AT": CommuneHomePage.objects.get(structure="2024", short_name="An Trường"),
                "MC": CommuneHomePage.objects.get(structure="2024", short_name="Mỹ Cẩm"),
                "DH": CommuneHomePage.objects.get(structure="2024", short_name="Đông Hải"),
            }
            pages = _build(homes)
            roots = dict(homes, CL=homes["AT"].get_parent(), DUH=homes["DH"].get_parent())
            yield {"pages": pages, "roots": roots, "keys": {p.pk: k for k, p in pages.items()}}
            transaction.set_rollback(True)


def test_corpus_is_indexed(corpus, db):
    assert SearchEntry.objects.filter(page_id__in=[p.pk for p in corpus["pages"].values()]).count() == len(CORPUS)
    assert len(CORPUS) >= 60 and len(QUERIES) >= 40


@pytest.mark.parametrize(
    "query, scope, filters, expected",
    QUERIES,
    ids=[f"{i:02d}-{q}-{s or 'all'}" for i, (q, s, _f, _e) in enumerate(QUERIES)],
)
def test_relevance(corpus, db, query, scope, filters, expected):
    lower = upper = None
    if scope:
        lower, upper = search.Scope(scope, "", corpus["roots"][scope]).bounds()
    results = search.search(search.parse_query(query), search.Filters(lower, upper, **filters))
    got = [corpus["keys"].get(page_id, page_id) for page_id in results.ranked[:3]]
    assert got == expected[:3]
    if len(expected) < 3:
        assert results.total == len(expected)


@pytest.mark.parametrize(
    "query, scope, filters, expected, complete",
    NATURAL,
    ids=[f"{i:02d}-{q}-{s or 'all'}" for i, (q, s, _f, _e, _c) in enumerate(NATURAL)],
)
def test_natural_phrasings(corpus, db, query, scope, filters, expected, complete):
    lower = upper = None
    if scope:
        lower, upper = search.Scope(scope, "", corpus["roots"][scope]).bounds()
    results = search.search(search.parse_query(query), search.Filters(lower, upper, **filters))
    got = [corpus["keys"].get(page_id, page_id) for page_id in results.ranked[:3]]
    assert (got, results.complete) == (expected[:3], complete)
    if len(expected) < 3:
        assert results.total == len(expected)

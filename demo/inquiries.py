"""Demo questions and feedback of a commune (seed_demo): the kinds citizens really send, with
answers in the register a commune office uses. Pure: (random, context, now) → DemoInquiry list."""

import datetime
from dataclasses import dataclass


@dataclass
class DemoInquiry:
    kind: str
    topic: str
    title: str
    body: str
    answer: str  # HTML, "" when not answered yet
    location: str
    name: str
    received_at: datetime.datetime
    answered_after_days: int | None  # None: still open
    public: bool
    rating: int | None
    status: str = ""


def _questions(c, hamlet):
    ubnd = c.ubnd
    return [
        (
            "hoi_dap",
            "dat_dai",
            "Thủ tục cấp đổi giấy chứng nhận quyền sử dụng đất bị rách, mờ",
            f"Giấy chứng nhận quyền sử dụng đất của gia đình tôi ở {hamlet} cấp năm 2003, nay bị rách và mờ chữ. "
            "Xin hỏi tôi cần chuẩn bị hồ sơ gì, nộp ở đâu và bao lâu thì nhận được giấy mới?",
            f"<p>{ubnd} trả lời như sau:</p><ul><li>Hồ sơ gồm: đơn đề nghị cấp đổi giấy chứng nhận theo mẫu; "
            "bản gốc giấy chứng nhận đã cấp.</li><li>Nơi nộp: Bộ phận tiếp nhận và trả kết quả của xã, hoặc nộp "
            "trực tuyến trên Cổng dịch vụ công.</li><li>Thời gian giải quyết theo quy định của Ủy ban nhân dân "
            "tỉnh, thường không quá 7 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ.</li></ul>"
            "<p>Khi đến nộp, ông/bà mang theo căn cước để đối chiếu.</p>",
            "",
        ),
        (
            "hoi_dap",
            "chinh_sach",
            "Điều kiện hưởng trợ cấp xã hội hằng tháng cho người cao tuổi",
            "Mẹ tôi năm nay 80 tuổi, không có lương hưu. Xin hỏi mẹ tôi có được hưởng trợ cấp hằng tháng không "
            "và thủ tục như thế nào?",
            "<p>Người từ đủ 80 tuổi trở lên không hưởng lương hưu, trợ cấp bảo hiểm xã hội hằng tháng thuộc diện "
            "hưởng trợ cấp xã hội hằng tháng theo Nghị định 20/2021/NĐ-CP.</p><p>Gia đình nộp tờ khai theo mẫu tại "
            f"Bộ phận một cửa của {ubnd}; công chức văn hoá – xã hội sẽ hướng dẫn và trình xét duyệt trong tháng.</p>",
            "",
        ),
        (
            "hoi_dap",
            "y_te",
            "Lịch tiêm chủng mở rộng cho trẻ dưới 1 tuổi",
            "Con tôi được 2 tháng tuổi. Xin hỏi trạm y tế tiêm chủng vào ngày nào trong tháng và cần mang theo gì?",
            f"<p>{c.health} tổ chức tiêm chủng mở rộng vào ngày 25 hằng tháng (nếu trùng ngày nghỉ thì dời sang ngày "
            "làm việc kế tiếp), buổi sáng từ 7 giờ 30.</p><p>Phụ huynh mang theo sổ tiêm chủng của trẻ. Trẻ được khám "
            "sàng lọc trước khi tiêm.</p>",
            "",
        ),
        (
            "hoi_dap",
            "thu_tuc",
            "Đăng ký khai sinh trực tuyến cho con",
            "Tôi đi làm xa, có thể đăng ký khai sinh cho con qua mạng không? Làm thế nào để nhận giấy khai sinh?",
            "<p>Ông/bà có thể đăng ký khai sinh trực tuyến trên Cổng dịch vụ công quốc gia (liên thông khai sinh – "
            "thường trú – thẻ bảo hiểm y tế cho trẻ dưới 6 tuổi). Kết quả được gửi bản điện tử; bản giấy nhận tại "
            f"{ubnd} hoặc qua dịch vụ bưu chính công ích.</p>",
            "",
        ),
        (
            "hoi_dap",
            "giao_duc",
            "Hồ sơ tuyển sinh vào lớp 1 năm học mới",
            "Năm nay con tôi vào lớp 1. Xin hỏi thời gian nhận hồ sơ và giấy tờ cần nộp?",
            "<p>Trường tiểu học trên địa bàn nhận hồ sơ tuyển sinh lớp 1 từ đầu tháng 7. Hồ sơ gồm đơn xin nhập học "
            "và bản sao giấy khai sinh; thông tin cư trú được tra cứu từ cơ sở dữ liệu quốc gia về dân cư.</p>",
            "",
        ),
        (
            "phan_anh",
            "moi_truong",
            f"Rác thải tồn đọng ven kênh tại {hamlet}",
            f"Đoạn ven kênh gần cầu ở {hamlet} có nhiều rác thải sinh hoạt bị đổ trộm, bốc mùi, nhất là khi trời mưa. "
            "Đề nghị xã cho thu gom và có biện pháp xử lý người đổ rác không đúng nơi quy định.",
            f"<p>Tiếp nhận phản ánh, {ubnd} đã chỉ đạo tổ thu gom rác thải thu dọn toàn bộ đoạn ven kênh; Ban nhân dân "
            f"{hamlet} tổ chức tuyên truyền và cắm biển cấm đổ rác. Trường hợp vi phạm sẽ bị xử phạt theo quy định.</p>",
            f"Ven kênh, gần cầu, {hamlet}",
        ),
        (
            "phan_anh",
            "giao_thong",
            f"Đèn chiếu sáng trên đường liên ấp tại {hamlet} bị hỏng",
            f"Nhiều bóng đèn đường trên tuyến đường liên ấp qua {hamlet} bị hỏng hơn một tháng, buổi tối rất tối, "
            "học sinh đi học thêm về không an toàn.",
            f"<p>{ubnd} đã kiểm tra và thay 6 bóng đèn hỏng trên tuyến. Người dân phát hiện đèn hỏng có thể báo "
            "qua mục Hỏi đáp hoặc gọi điện thoại văn phòng xã.</p>",
            f"Đường liên ấp, {hamlet}",
        ),
        (
            "phan_anh",
            "an_ninh",
            "Hát karaoke gây ồn sau 22 giờ",
            f"Một số hộ ở {hamlet} hát karaoke với loa công suất lớn đến khuya, ảnh hưởng người già và trẻ nhỏ. "
            "Đề nghị chính quyền nhắc nhở.",
            "<p>Công an xã đã làm việc với các hộ liên quan, nhắc nhở và yêu cầu ký cam kết không gây ồn sau 22 giờ. "
            "Nếu tái phạm, người dân báo ngay cho Công an xã để xử lý theo quy định.</p>",
            hamlet,
        ),
    ]


def _open_items(c, hamlet):
    return [
        (
            "phan_anh",
            "xay_dung",
            f"Cống thoát nước bị nghẹt gây ngập đường ở {hamlet}",
            f"Cống thoát nước đầu {hamlet} bị nghẹt, mỗi lần mưa lớn nước tràn lên mặt đường, xe máy đi lại khó khăn.",
            f"Đầu {hamlet}",
        ),
        (
            "hoi_dap",
            "nong_nghiep",
            "Hỗ trợ giống lúa cho hộ bị thiệt hại do mưa lớn",
            "Ruộng nhà tôi bị ngập trong đợt mưa vừa qua, thiệt hại khoảng 70%. Xin hỏi có được hỗ trợ giống không "
            "và cần làm hồ sơ gì?",
            "",
        ),
        (
            "hoi_dap",
            "thu_tuc",
            "Cấp căn cước cho trẻ dưới 14 tuổi",
            "Xin hỏi có bắt buộc làm căn cước cho trẻ em không, làm ở đâu?",
            "",
        ),
    ]


def inquiries(r, c, now, names):
    """About eight items: most answered (some published, some private, some rated), a couple
    still open, one of them past its deadline."""
    hamlet = c.hamlet(r)
    items = []
    answered = r.sample(_questions(c, hamlet), 6)
    for n, (kind, topic, title, body, answer, location) in enumerate(answered):
        received = now - datetime.timedelta(days=r.randint(12, 80), hours=r.randint(0, 9))
        items.append(
            DemoInquiry(
                kind=kind,
                topic=topic,
                title=title,
                body=body,
                answer=answer,
                location=location,
                name=r.choice(names),
                received_at=received,
                answered_after_days=r.choice([2, 3, 5, 6, 8, 9, 11, 16]),
                public=n != 5,
                rating=r.choice([5, 5, 4, 4, 4, 3, 2, None]),
            )
        )
    opened = r.sample(_open_items(c, hamlet), 2)
    for n, (kind, topic, title, body, location) in enumerate(opened):
        days = 25 if n == 0 else r.randint(0, 4)  # the first is past its deadline
        items.append(
            DemoInquiry(
                kind=kind,
                topic=topic,
                title=title,
                body=body,
                answer="",
                location=location,
                name=r.choice(names),
                received_at=now - datetime.timedelta(days=days, hours=r.randint(0, 6)),
                answered_after_days=None,
                public=False,
                rating=None,
                status="assigned" if n == 0 else "received",
            )
        )
    return items

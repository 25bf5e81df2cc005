"""Why an upload is refused: AudioRejected, with the Vietnamese sentence a commune editor reads.

    AudioRejected(code, message)      .code: English slug; .message: Vietnamese, for the form
    rejected(code, **values) -> AudioRejected     the message of CODES[code], filled in

Codes: empty, too_big, not_audio, picture, no_audio_track, corrupt, truncated, broken,
too_long, too_short, silent. The numbers in messages are written the Vietnamese way (1,5 MB; 3 giờ).
"""


class AudioRejected(ValueError):
    """The file cannot be broadcast. `message` (Vietnamese) is shown to the editor as a form
    error; `code` is a short English slug for logs and tests."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


CODES = {
    "empty": "Tệp rỗng (0 byte): không có gì để phát. Hãy chọn lại tệp ghi âm.",
    "too_big": "Tệp quá lớn ({size}): tối đa {limit} cho một chương trình.",
    "not_audio": (
        "Tệp này không phải âm thanh: không đọc được nội dung của nó như một tệp MP3, M4A, WAV, OGG "
        "hay Opus. Có thể tệp đã bị đổi đuôi; hãy chọn đúng tệp ghi âm."
    ),
    "picture": "Tệp này là một tấm ảnh ({kind}): đây là ảnh, không phải âm thanh. Hãy chọn tệp ghi âm.",
    "no_audio_track": "Tệp video này không có tiếng: không có gì để phát trên loa.",
    "corrupt": (
        "Tệp bị cắt/hỏng: {bad} đoạn âm thanh không giải mã được. Hãy xuất lại tệp từ máy ghi âm hoặc tải lên lại."
    ),
    "truncated": (
        "Tệp bị cắt/hỏng: chỉ đọc được {decoded} trên {declared} ghi trong tệp. Có thể tệp chưa tải lên "
        "hết hoặc chép chưa xong; hãy tải lên lại."
    ),
    "broken": (
        "Tệp bị cắt/hỏng: đọc được {decoded} âm thanh thì không đọc tiếp được nữa. Hãy xuất lại tệp hoặc tải lên lại."
    ),
    "too_long": "Tệp quá dài ({duration}): tối đa {limit} cho một chương trình.",
    "too_short": "Tệp quá ngắn ({duration}): cần ít nhất {limit} âm thanh.",
    "silent": ("Tệp im lặng: không nghe thấy tiếng nào (độ to dưới −70 LUFS). Hãy kiểm tra micrô hoặc chọn lại tệp."),
}


def rejected(code: str, **values) -> AudioRejected:
    return AudioRejected(code, CODES[code].format(**values))


def number_vi(x: float, decimals: int = 1) -> str:
    """1500 → '1.500', 1.5 → '1,5', 3.0 → '3': Vietnamese separators, no trailing zeros."""
    text = f"{x:,.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{x:,.0f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def size_vi(n_bytes: int) -> str:
    """Bytes in MB (2**20, as file managers show them); small sizes in KB."""
    if n_bytes >= 1024 * 1024:
        return f"{number_vi(n_bytes / 1024 / 1024)} MB"
    return f"{number_vi(n_bytes / 1024)} KB"


def duration_vi(seconds: float) -> str:
    """3 giờ; 1 giờ 5 phút; 12 phút 30 giây; 0,5 giây."""
    if seconds < 60:
        return f"{number_vi(seconds)} giây"
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours} giờ"] if hours else []
    if minutes:
        parts.append(f"{minutes} phút")
    if secs and not hours:
        parts.append(f"{secs} giây")
    return " ".join(parts)

"""The public forms of "Hỏi đáp": ask or report, look up by code, rate the answer.

Every field has limits and a Vietnamese message; text is kept as typed (templates escape it
when shown, so HTML and scripts appear as text), minus control characters.
"""

import re
import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from inquiries.models import InquiryKind, Topic, normalise_code
from inquiries.uploads import clean_photo

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def clean_text(value):
    """NFC, no control or direction-override characters, no trailing spaces per line."""
    value = unicodedata.normalize("NFC", value or "")
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in value.split("\n")).strip()


def normalise_phone(value):
    """'0912 345 678', '+84 912.345.678', '84912345678' → '0912345678'; '' if it is not a
    Vietnamese mobile or landline number."""
    digits = _PHONE_SEPARATORS.sub("", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    if re.fullmatch(r"0[1-9]\d{8,9}", digits):
        return digits
    return ""


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to INQUIRY_MAX_PHOTOS images, each checked by its content (inquiries/uploads.py)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data or []) if f] if isinstance(data, (list, tuple)) else ([data] if data else [])
        limit = settings.INQUIRY_MAX_PHOTOS
        if len(files) > limit:
            raise ValidationError(f"Chỉ gửi được tối đa {limit} ảnh (bạn đã chọn {len(files)} ảnh).")
        if not files:
            return []

        cleaned, errors = [], []
        for uploaded in files:
            try:
                cleaned.append(clean_photo(uploaded))
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise ValidationError(errors)
        return cleaned


class InquiryForm(forms.Form):
    kind = forms.ChoiceField(
        label="Bạn muốn",
        choices=[
            (InquiryKind.QUESTION, "Hỏi về chính sách, thủ tục (hỏi đáp)"),
            (InquiryKind.FEEDBACK, "Phản ánh, kiến nghị về việc thực hiện chính sách, pháp luật"),
        ],
        widget=forms.RadioSelect,
        initial=InquiryKind.QUESTION,
    )
    topic = forms.ChoiceField(label="Lĩnh vực", choices=[("", "— Chọn lĩnh vực —")] + list(Topic.choices))
    title = forms.CharField(
        label="Tiêu đề",
        min_length=5,
        max_length=200,
        help_text="Tóm tắt trong một câu, ví dụ: Hỏi về thủ tục cấp đổi giấy chứng nhận đất.",
    )
    body = forms.CharField(
        label="Nội dung",
        min_length=20,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text="Tối đa 5.000 ký tự. Không cần ghi số điện thoại vào đây.",
    )
    location = forms.CharField(
        label="Địa điểm (nếu phản ánh sự việc)",
        required=False,
        max_length=255,
        help_text="Ví dụ: ấp Xóm Giữa, gần cầu Ba Si.",
    )
    latitude = forms.DecimalField(
        required=False, min_value=-90, max_value=90, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    longitude = forms.DecimalField(
        required=False, min_value=-180, max_value=180, max_digits=9, decimal_places=6, widget=forms.HiddenInput
    )
    photos = PhotosField(
        label="Ảnh kèm theo (không bắt buộc)",
        required=False,
        help_text="Tối đa 3 ảnh JPEG, PNG hoặc WebP, mỗi ảnh đến 5 MB. Thông tin vị trí trong ảnh sẽ được xoá.",
    )
    name = forms.CharField(label="Họ và tên", min_length=2, max_length=100)
    show_name = forms.BooleanField(label="Cho phép hiện họ tên khi câu hỏi và trả lời được công khai", required=False)
    phone = forms.CharField(
        label="Số điện thoại",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label="Thư điện tử",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text="Nếu có, bạn sẽ nhận thư báo khi có trả lời.",
    )
    consent = forms.BooleanField(
        label="Tôi đồng ý cho Ủy ban nhân dân xã xử lý thông tin cá nhân trên để trả lời tôi, "
        "theo Nghị định 13/2023/NĐ-CP về bảo vệ dữ liệu cá nhân.",
        error_messages={"required": "Vui lòng đồng ý với thông báo về xử lý dữ liệu cá nhân để gửi."},
    )
    # Anti-spam, all hidden: a field people never see (bots fill it), the proof of work
    # (inquiries/captcha.py, solved by pow.js) and the key that makes a double click one record.
    website = forms.CharField(required=False, max_length=200, label="Để trống ô này")
    pow_token = forms.CharField(widget=forms.HiddenInput, max_length=400)
    pow_nonce = forms.CharField(widget=forms.HiddenInput, max_length=20, required=False)
    submission_key = forms.CharField(widget=forms.HiddenInput, min_length=16, max_length=64)

    required_css_class = "required"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "body", "name"):
            self.fields[name].error_messages.update(
                {
                    "required": f"Vui lòng nhập {self.fields[name].label.lower()}.",
                    "min_length": f"{self.fields[name].label} quá ngắn (ít nhất %(limit_value)d ký tự).",
                    "max_length": f"{self.fields[name].label} quá dài (tối đa %(limit_value)d ký tự, "
                    f"hiện có %(show_value)d).",
                }
            )
        self.fields["topic"].error_messages.update(
            {"required": "Vui lòng chọn lĩnh vực.", "invalid_choice": "Lĩnh vực không hợp lệ."}
        )
        self.fields["kind"].error_messages.update({"invalid_choice": "Loại không hợp lệ."})
        self.fields["email"].error_messages.update({"invalid": "Địa chỉ thư điện tử không hợp lệ."})
        self.fields["location"].error_messages.update({"max_length": "Địa điểm quá dài (tối đa 255 ký tự)."})
        for name in ("pow_token", "submission_key"):
            self.fields[name].error_messages.update(
                {
                    "required": "Biểu mẫu không đầy đủ, vui lòng tải lại trang.",
                    "min_length": "Biểu mẫu không hợp lệ, vui lòng tải lại trang.",
                    "max_length": "Biểu mẫu không hợp lệ, vui lòng tải lại trang.",
                }
            )

    def clean_title(self):
        return clean_text(self.cleaned_data["title"]).replace("\n", " ")

    def clean_body(self):
        body = clean_text(self.cleaned_data["body"])
        if len(body) < 20:
            raise ValidationError("Nội dung quá ngắn (ít nhất 20 ký tự).")
        return body

    def clean_name(self):
        name = clean_text(self.cleaned_data["name"]).replace("\n", " ")
        if len(name) < 2:
            raise ValidationError("Vui lòng nhập họ và tên.")
        return name

    def clean_location(self):
        return clean_text(self.cleaned_data["location"]).replace("\n", " ")

    def clean_phone(self):
        raw = self.cleaned_data["phone"].strip()
        if not raw:
            return ""
        phone = normalise_phone(raw)
        if not phone:
            raise ValidationError("Số điện thoại không hợp lệ (ví dụ: 0912 345 678).")
        return phone

    def clean(self):
        data = super().clean()
        if self.errors.get("phone") is None and self.errors.get("email") is None:
            if not data.get("phone") and not data.get("email"):
                self.add_error("phone", "Vui lòng để lại số điện thoại hoặc thư điện tử để nhận trả lời.")
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            data["latitude"] = data["longitude"] = None
        return data

    @property
    def is_spam(self):
        return bool(self.data.get("website"))


class LookupForm(forms.Form):
    ma = forms.CharField(
        label="Mã tra cứu",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "placeholder": "VD: 7KQ2M-XH4PA",
            }
        ),
        error_messages={
            "required": "Vui lòng nhập mã tra cứu.",
            "max_length": "Mã tra cứu gồm 10 ký tự, ví dụ 7KQ2M-XH4PA.",
        },
    )

    def clean_ma(self):
        code = normalise_code(self.cleaned_data["ma"])
        if not code:
            raise ValidationError("Mã tra cứu gồm 10 ký tự chữ và số, ví dụ 7KQ2M-XH4PA. Vui lòng kiểm tra lại.")
        return code


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Bạn hài lòng với câu trả lời ở mức nào?",
        coerce=int,
        widget=forms.RadioSelect,
        choices=[(5, "Rất hài lòng"), (4, "Hài lòng"), (3, "Bình thường"), (2, "Chưa hài lòng"), (1, "Không hài lòng")],
        error_messages={"required": "Vui lòng chọn một mức.", "invalid_choice": "Mức đánh giá không hợp lệ."},
    )
    comment = forms.CharField(
        label="Góp ý thêm (không bắt buộc)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "Góp ý quá dài (tối đa 1.000 ký tự)."},
    )

    def clean_comment(self):
        return clean_text(self.cleaned_data["comment"])

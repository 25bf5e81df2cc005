"""The forms of directives: composing (sender), answering (recipient), extending a deadline.

Dates are typed and shown in Vietnam time (core.periods.local_zone), whatever zone the request
has activated. Every refusal is a Vietnamese message on the form; the views then answer 400 and
save nothing.
"""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from areas.widgets import GroupedCheckboxSelectMultiple
from core.periods import FORMATS_HELP, Period, local_zone
from directives import access, files
from directives.models import DirectiveKind
from inquiries.forms import MultipleFileInput

OUTSIDE_CHOICE = "Nơi nhận không thuộc địa bàn của đơn vị gửi. Hãy chọn trong danh sách."
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
YEARS = range(2000, 2101)  # a deadline outside these years is a typing slip (and year 1 overflows in UTC)
MAX_TEXT = 50_000  # characters of a body or an answer (a long report goes as a file)
TOO_LONG = f"{MAX_TEXT:,} ký tự".replace(",", ".")  # "50.000 ký tự", the Vietnamese way
_PK = re.compile(r"\d{1,18}")  # a primary key the database can hold; anything else is not a choice


def _whitespace_folded(value):
    """One line: a title goes into e-mail subjects, where a line break is refused."""
    return " ".join(value.split())


class SafeModelChoiceField(forms.ModelChoiceField):
    """A choice by primary key that refuses an absurd id ("9" × 25 overflows SQLite) before the query."""

    def to_python(self, value):
        if value not in self.empty_values and not _PK.fullmatch(str(value).strip()):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for pk in value:
            if not _PK.fullmatch(str(pk).strip()):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked later by directives.files."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class LocalDateTimeField(forms.DateTimeField):
    """A datetime-local input read in Vietnam time."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("input_formats", [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"])
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        for fmt in self.input_formats:
            try:
                naive = datetime.datetime.strptime(str(value).strip(), fmt)
            except ValueError:
                continue
            if naive.year not in YEARS:
                break
            return timezone.make_aware(naive, local_zone())
        raise ValidationError(self.error_messages["invalid"], code="invalid")

    def prepare_value(self, value):
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            return timezone.localtime(value, local_zone()).strftime(DATETIME_FORMAT)
        return value


def checked_files(form, name="files"):
    """The form's uploads checked by content (an error on the field otherwise)."""
    try:
        return files.check_uploads(form.cleaned_data.get(name) or [])
    except ValidationError as error:
        form.add_error(name, error)
        return []


class ComposeForm(forms.Form):
    sender = SafeModelChoiceField(
        label="Đơn vị gửi",
        queryset=None,
        error_messages={
            "required": "Chọn đơn vị gửi.",
            "invalid_choice": "Bạn không gửi văn bản thay đơn vị này được.",
        },
    )
    kind = forms.ChoiceField(
        label="Loại văn bản",
        choices=DirectiveKind.choices,
        initial=DirectiveKind.DIRECTIVE,
        widget=forms.RadioSelect,
        error_messages={"required": "Chọn loại văn bản.", "invalid_choice": "Loại văn bản không hợp lệ."},
    )
    number = forms.CharField(label="Số, ký hiệu", max_length=60, required=False, help_text="Ví dụ: 125/UBND-VHTT.")
    issued_on = forms.DateField(
        label="Ngày ban hành",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Nhập ngày ban hành.", "invalid": "Ngày ban hành không hợp lệ."},
    )
    title = forms.CharField(
        label="Trích yếu",
        max_length=300,
        error_messages={
            "required": "Nhập trích yếu của văn bản.",
            "max_length": "Trích yếu dài quá (tối đa 300 ký tự).",
        },
    )
    body = forms.CharField(
        label="Nội dung",
        required=False,
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"max_length": f"Nội dung dài quá (tối đa {TOO_LONG}); hãy gửi kèm thành tệp."},
    )
    period_key = forms.CharField(
        label="Kỳ báo cáo",
        max_length=30,
        required=False,
        help_text=f"Chỉ với yêu cầu báo cáo: {FORMATS_HELP}.",
    )
    deadline = LocalDateTimeField(
        label="Hạn trả lời (giờ Việt Nam)",
        error_messages={"required": "Nhập hạn trả lời.", "invalid": "Hạn trả lời không hợp lệ."},
    )
    whole_area = forms.BooleanField(label="Gửi tất cả xã, phường, thị trấn trong địa bàn", required=False)
    communes = SafeModelMultipleChoiceField(
        label="Các xã nhận",
        queryset=None,
        required=False,
        error_messages={"invalid_choice": OUTSIDE_CHOICE, "invalid_pk_value": OUTSIDE_CHOICE},
    )
    departments = SafeModelMultipleChoiceField(
        label="Sở, ngành, phòng ban nhận",
        queryset=None,
        required=False,
        error_messages={"invalid_choice": OUTSIDE_CHOICE, "invalid_pk_value": OUTSIDE_CHOICE},
    )
    files = MultipleFileField(label="Tệp đính kèm", help_text=f"{files.ACCEPTED_TEXT}; tối đa {files.MAX_FILES} tệp.")

    def __init__(self, *args, user, sending=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.sending = sending
        senders = access.sender_units(user)
        self.fields["sender"].queryset = access.sender_units_queryset(senders)
        self.fields["sender"].label_from_instance = lambda unit: unit.title
        if len(senders) == 1:
            self.fields["sender"].initial = senders[0].pk
        communes = self.fields["communes"]
        communes.queryset = access.commune_choices(senders)
        communes.label_from_instance = lambda page: page.title
        communes.widget = GroupedCheckboxSelectMultiple()
        communes.widget.choices = communes.choices
        departments = self.fields["departments"]
        departments.queryset = access.department_choices(senders)
        departments.label_from_instance = lambda d: d.name
        departments.widget = GroupedCheckboxSelectMultiple(owner="area")
        departments.widget.choices = departments.choices
        self.uploads = []

    def clean_title(self):
        return _whitespace_folded(self.cleaned_data["title"])

    def clean_number(self):
        return _whitespace_folded(self.cleaned_data["number"])

    def clean_period_key(self):
        value = self.cleaned_data["period_key"].strip()
        if value:
            try:
                return Period.parse(value).key
            except ValueError as error:
                raise ValidationError(str(error)) from None
        return value

    def clean(self):
        data = super().clean()
        sender = data.get("sender")
        if (
            data.get("kind") == DirectiveKind.REPORT_REQUEST
            and not data.get("period_key")
            and "period_key" not in self.errors
        ):
            self.add_error("period_key", "Yêu cầu báo cáo cần kỳ báo cáo, ví dụ 2026 (báo cáo năm 2026).")
        if sender is not None:
            communes = list(data.get("communes") or [])
            if data.get("whole_area"):
                communes = list(access.commune_choices([sender]))
            departments = list(data.get("departments") or [])
            names = access.outside(sender, communes, departments)
            if names:
                raise ValidationError(
                    f"Nơi nhận ngoài địa bàn {sender.title}: {', '.join(names)}. Không có gì được lưu."
                )
            if self.sending and not communes and not departments:
                raise ValidationError(
                    "Chọn ít nhất một nơi nhận: cả địa bàn, một số xã hoặc một số sở, ngành, phòng ban."
                )
            data["recipient_communes"], data["recipient_departments"] = communes, departments
        deadline = data.get("deadline")
        if self.sending and deadline is not None and deadline <= timezone.now():
            self.add_error("deadline", "Hạn trả lời phải sau thời điểm gửi.")
        self.uploads = checked_files(self)
        return data


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label="Nội dung trả lời, báo cáo",
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Nhập nội dung trả lời (không được để trống).",
            "max_length": f"Nội dung trả lời dài quá (tối đa {TOO_LONG}); hãy gửi kèm thành tệp.",
        },
    )
    files = MultipleFileField(
        label="Tệp gửi kèm",
        help_text=f"{files.ACCEPTED_TEXT}; tối đa {files.MAX_FILES} tệp. Tệp đã gửi trước được giữ lại.",
    )

    def clean_answer(self):
        text = self.cleaned_data["answer"].strip()
        if not text:
            raise ValidationError("Nhập nội dung trả lời (không được để trống).")
        return text

    def clean(self):
        data = super().clean()
        self.uploads = checked_files(self)
        return data


class ExtendForm(forms.Form):
    deadline = LocalDateTimeField(
        label="Hạn trả lời mới (giờ Việt Nam)",
        error_messages={"required": "Nhập hạn mới.", "invalid": "Hạn mới không hợp lệ."},
    )

    def __init__(self, *args, directive, **kwargs):
        super().__init__(*args, **kwargs)
        self.directive = directive

    def clean_deadline(self):
        value = self.cleaned_data["deadline"]
        if value <= self.directive.deadline:
            raise ValidationError("Hạn mới phải sau hạn hiện tại.")
        if value <= timezone.now():
            raise ValidationError("Hạn mới phải sau thời điểm hiện tại.")
        return value

"""The forms of the second factor: a code, and "your password or a current code" before a change."""

from django import forms

from signin.two_factor import normalise, token_kind


class CodeForm(forms.Form):
    """A 6-digit code of the app, or (when `recovery` is on) a recovery code abcd-efgh."""

    otp_token = forms.CharField(
        label="Mã xác thực",
        max_length=32,
        strip=True,
        error_messages={"required": "Nhập mã 6 chữ số đang hiện trong ứng dụng xác thực."},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false", "autofocus": True}
        ),
    )

    def __init__(self, *args, recovery=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.recovery = recovery
        if recovery:
            self.fields["otp_token"].label = "Mã xác thực hoặc mã dự phòng"
            self.fields["otp_token"].help_text = (
                "6 chữ số trong ứng dụng xác thực trên điện thoại; mất điện thoại thì nhập một mã dự phòng "
                "(dạng abcd-efgh), mỗi mã chỉ dùng được một lần."
            )
        else:
            self.fields["otp_token"].help_text = "6 chữ số đang hiện trong ứng dụng, dưới tên trang."
            self.fields["otp_token"].widget.attrs["inputmode"] = "numeric"

    def clean_otp_token(self):
        token = normalise(self.cleaned_data["otp_token"])
        kind = token_kind(token)
        if kind == "app" or (kind == "recovery" and self.recovery):
            return token
        if self.recovery:
            raise forms.ValidationError("Mã gồm 6 chữ số (ứng dụng xác thực) hoặc 8 chữ cái, số (mã dự phòng).")
        raise forms.ValidationError("Mã gồm đúng 6 chữ số, ví dụ 123456.")


class ConfirmForm(forms.Form):
    """Before turning off or new recovery codes: the password, or a current code."""

    action = forms.ChoiceField(choices=[("codes", "codes"), ("off", "off")], widget=forms.HiddenInput)
    confirm = forms.CharField(
        label="Mật khẩu hoặc mã xác thực hiện tại",
        max_length=128,
        strip=False,
        error_messages={"required": "Nhập mật khẩu của bạn, hoặc mã 6 chữ số đang hiện trong ứng dụng."},
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

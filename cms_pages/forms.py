"""Public forms of the sites (filters); every field is checked and errors are in Vietnamese."""

from django import forms
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext_lazy as _

from cms_pages.models import DocumentType, number_key
from core.text import fold_key


class DocumentFilterForm(forms.Form):
    """Filter a listing of legal documents by type, year, issuer and number."""

    loai = forms.ChoiceField(label=_("Loại văn bản"), required=False)
    nam = forms.TypedChoiceField(label=_("Năm ban hành"), required=False, coerce=int, empty_value=None)
    co_quan = forms.ChoiceField(label=_("Cơ quan ban hành"), required=False)
    so = forms.CharField(
        label=_("Số, ký hiệu"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"placeholder": "35/KH-UBND"}),
    )

    def __init__(self, *args, documents, **kwargs):
        super().__init__(*args, **kwargs)
        present_types = set(documents.values_list("doc_type", flat=True))
        self.fields["loai"].choices = [("", _("Tất cả"))] + [
            (value, label) for value, label in DocumentType.choices if value in present_types
        ]
        years = sorted(
            {y for y in documents.annotate(y=ExtractYear("issue_date")).values_list("y", flat=True) if y}, reverse=True
        )
        self.fields["nam"].choices = [("", _("Tất cả"))] + [(y, y) for y in years]
        issuers = sorted(set(documents.values_list("issuer", flat=True)), key=fold_key)
        self.fields["co_quan"].choices = [("", _("Tất cả"))] + [(i, i) for i in issuers]

    def filter(self, documents):
        data = self.cleaned_data
        if data.get("loai"):
            documents = documents.filter(doc_type=data["loai"])
        if data.get("nam"):
            documents = documents.filter(issue_date__year=data["nam"])
        if data.get("co_quan"):
            documents = documents.filter(issuer=data["co_quan"])
        if data.get("so"):
            key = number_key(data["so"])
            if key:
                documents = documents.filter(number_key__contains=key)
        return documents

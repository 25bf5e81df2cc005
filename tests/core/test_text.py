import unicodedata

import pytest

from core.text import fold, fold_key, slugify_vi


@pytest.mark.parametrize(
    "text, folded",
    [
        ("Đông Hải", "Dong Hai"),
        ("đường Điện Biên", "duong Dien Bien"),
        ("Thông báo tiêm chủng", "Thong bao tiem chung"),
        ("Nguyễn Thị Ữ", "Nguyen Thi U"),
    ],
)
def test_fold_removes_marks_and_d_bar(text, folded):
    assert fold(text) == folded


def test_both_tone_placements_fold_alike():
    assert fold_key("Hòa Thuận") == fold_key("Hoà Thuận") == "hoa thuan"
    assert fold_key("Thủy") == fold_key("Thuỷ") == "thuy"


def test_nfd_input_folds_like_nfc():
    text = "Trà Vinh"
    assert fold_key(unicodedata.normalize("NFD", text)) == fold_key(text) == "tra vinh"


@pytest.mark.parametrize(
    "text, slug",
    [
        ("Đông Hải", "dong-hai"),
        ("Phường 1", "phuong-1"),
        ("Bà Rịa - Vũng Tàu", "ba-ria-vung-tau"),
        ("  Hoà  Lợi ", "hoa-loi"),
    ],
)
def test_slugify(text, slug):
    assert slugify_vi(text) == slug

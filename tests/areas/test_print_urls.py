"""`manage.py print_urls` (what `make run` prints): the admin, the three levels of sites, the
boards' registry and map, the indicators, the directives and the exchange API, each on the province
portal's host."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_print_urls_lists_the_sites_and_the_boards_screens(province):
    out = io.StringIO()
    call_command("print_urls", port=8000, stdout=out)
    text = out.getvalue()
    host = province.portal.get_site().hostname
    assert "Trang quản trị" in text and f"http://{host}:8000/admin/" in text
    assert "Cổng tỉnh (Tỉnh Trà Vinh)" in text
    lines = {line.split("  ")[1].strip(): line.split()[-1] for line in text.splitlines() if line.startswith("  ")}
    assert lines["Bảng điện tử"] == f"http://{host}:8000/admin/bang-dien-tu/"
    assert lines["Bản đồ bảng và loa"] == f"http://{host}:8000/admin/bang-dien-tu-ban-do/"
    assert lines["Chỉ tiêu thông tin cơ sở"] == f"http://{host}:8000/admin/chi-tieu-thong-tin-co-so/"
    assert lines["Văn bản chỉ đạo đã gửi"] == f"http://{host}:8000/admin/van-ban-chi-dao/da-gui/"
    assert lines["API liên thông (OpenAPI)"] == f"http://{host}:8000/api/lien-thong/v1/"

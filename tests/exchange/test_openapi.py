"""The OpenAPI document: valid OpenAPI 3.1, served, every route of the API described, and a
readable Vietnamese page that loads nothing from elsewhere."""

import re

import pytest
from django.urls import URLPattern
from openapi_spec_validator import validate

from exchange import openapi
from exchange.urls import urlpatterns


def test_the_document_is_valid_openapi():
    validate(openapi.document())


def test_every_route_is_described():
    described = set(openapi.document()["paths"])
    routes = set()
    for pattern in urlpatterns:
        assert isinstance(pattern, URLPattern)
        route = "/api/lien-thong/v1/" + re.sub(
            r"<(?:\w+:)?(\w+)>", lambda m: "{" + ("id" if m[1] == "pk" else m[1]) + "}", str(pattern.pattern)
        )
        routes.add(route)
    routes.discard("/api/lien-thong/v1/")  # this HTML page itself
    assert routes == described


def test_every_error_code_in_the_code_is_documented():
    from pathlib import Path

    source = "".join(Path(f"exchange/{name}.py").read_text() for name in ("api", "receive", "signing"))
    used = set(
        re.findall(r'(?:Refused\(\d+, |SignatureError\(|refuse\(request, \d+, |error\(\d+, )"([a-z_]+)"', source)
    )
    used |= set(re.findall(r'bad\([^)]*?, "([a-z_]+)"\)', source))
    # core.http's parse_json and ContentLengthMiddleware answer the API's malformed bodies too
    used |= set(re.findall(r'BadRequestData\(\s*"([a-z_]+)"', Path("core/http.py").read_text()))
    documented = openapi.SCHEMAS["Error"]["properties"]["error"]["properties"]["code"]["description"]
    missing = sorted(code for code in used if code not in documented)
    assert used and not missing


@pytest.mark.django_db
def test_served_as_json_and_as_a_page(client):
    response = client.get("/api/lien-thong/v1/openapi.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json() == openapi.document()
    page = client.get("/api/lien-thong/v1/")
    html = page.content.decode()
    assert page.status_code == 200 and 'lang="vi"' in html
    assert "/api/lien-thong/v1/reports/device-status/" in html and "Signature-Input" in html
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
    assert external == []

"""/api/lien-thong/v1/ (included by site/tincoso/urls.py): exchange/api.py, described by exchange/openapi.py."""

from django.urls import path

from exchange import api

urlpatterns = [
    path("", api.openapi_html, name="exchange_api_doc"),
    path("openapi.json", api.openapi_json, name="exchange_openapi"),
    path("key/", api.key_view, name="exchange_key"),
    path("audio/<int:pk>/", api.audio_view, name="exchange_audio"),
    *[
        path(endpoint, api.message_view, {"endpoint": endpoint}, name=f"exchange_{kind}")
        for endpoint, kind in api.ENDPOINTS.items()
    ],
]

"""Player API v1 (boards/api.py), included at /api/boards/v1/ before Wagtail's catch-all."""

from django.urls import path, re_path

from boards import api

app_name = "boards_api"

urlpatterns = [
    path("me", api.me, name="me"),
    path("<int:board_id>/playlist.json", api.playlist_json, name="playlist_json"),
    path("<int:board_id>/playlist.smil", api.playlist_smil, name="playlist_smil"),
    path("<int:board_id>/playlist.m3u", api.playlist_m3u, name="playlist_m3u"),
    path("<int:board_id>/heartbeat", api.heartbeat, name="heartbeat"),
    path("<int:board_id>/screenshot", api.screenshot, name="screenshot"),
    path("<int:board_id>/plays", api.plays, name="plays"),
    re_path(r"^media/(?P<sha256>[0-9a-fA-F]{64})\.(?P<ext>png|jpg|jpeg|mp4|mp3|ttf)$", api.media, name="media"),
]

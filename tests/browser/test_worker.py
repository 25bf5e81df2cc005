"""The django-q2 worker that `make run` starts publishes and expires pages on schedule:
a real `manage.py qcluster` process against the live site's database and broker."""

import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from .conftest import ROOT

HOST = "an-truong.cang-long.tra-vinh.localhost"

SETUP = """
import datetime
from django.utils import timezone
from areas.models import CommuneHomePage
from cms_pages.models import NewsIndexPage, NewsPage
home = CommuneHomePage.objects.get(structure="2024", code="29275")
index = NewsIndexPage.objects.child_of(home).get()
soon = timezone.now() + datetime.timedelta(seconds=2)
scheduled = NewsPage(title="Tin hẹn giờ của hàng đợi", summary="Lên trang theo lịch.", live=False)
index.add_child(instance=scheduled)
scheduled.save_revision(approved_go_live_at=soon)
expiring = NewsPage(title="Tin sắp hết hạn của hàng đợi", summary="Tự gỡ theo lịch.")
index.add_child(instance=expiring)
expiring.save_revision().publish()
NewsPage.objects.filter(pk=expiring.pk).update(expire_at=soon)
print(scheduled.url_path, expiring.url_path)
"""


def _status(url):
    """GET through 127.0.0.1 with the site's Host header (Python does not resolve *.localhost)."""
    parts = urllib.parse.urlsplit(url)
    request = urllib.request.Request(f"http://127.0.0.1:{parts.port}{parts.path}", headers={"Host": parts.netloc})
    try:
        return urllib.request.urlopen(request, timeout=5).status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_worker_publishes_and_expires_on_schedule(live_site):
    result = live_site.manage("shell", "-c", SETUP)
    assert result.returncode == 0, result.stderr
    scheduled_path, expiring_path = result.stdout.split()[-2:]
    home_path = "/tra-vinh/cang-long/an-truong/"
    scheduled_url = live_site.url(HOST, "/" + scheduled_path[len(home_path) :])
    expiring_url = live_site.url(HOST, "/" + expiring_path[len(home_path) :])
    assert _status(scheduled_url) == 404
    assert _status(expiring_url) == 200
    time.sleep(3)

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=live_site.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if _status(scheduled_url) == 200 and _status(expiring_url) == 404:
                break
            time.sleep(1)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert _status(scheduled_url) == 200, "the worker did not publish the scheduled page"
    assert _status(expiring_url) == 404, "the worker did not unpublish the expired page"

"""Two installations side by side on this machine, each a real `manage.py runserver` process
with its own SQLite database: "national" (A) publishes down, "province" (B) subscribes to
Càng Long (844) and reports up. The test process is the operator: it pairs them with the
commands of the guide, publishes on A as an editor would, reads B's commune sites over HTTP,
and, holding A's key, sends B a tampered and a replayed message.

Why not pytest-django's live_server for A: it needs transactional_db, whose flush at the end
would empty the session's provisioned province under every later test. Both sides start from
one copy of the session's migrated and provisioned test database (SQLite's VACUUM INTO, well
under a second) or, on PostgreSQL, from one migrate + provision into SQLite.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from exchange import keys, signing
from exchange.models import fingerprint
from tests.exchange.conftest import source_item

ROOT = Path(settings.BASE_DIR)
AN_TRUONG = "an-truong.cang-long.tra-vinh.localhost"  # 29275, in Càng Long
DONG_HAI = "dong-hai.duyen-hai.tra-vinh.localhost"  # 29536, Duyên Hải: outside the subscription

# The test database must exist (its copy is both installations' start); the tests themselves
# never use it.
pytestmark = pytest.mark.django_db


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Installation:
    def __init__(self, name, tmp, template):
        self.name = name
        self.port = _free_port()
        self.key = Ed25519PrivateKey.generate()
        self.public_key = signing.public_key_b64(self.key)
        db = tmp / f"{name}.sqlite3"
        shutil.copyfile(template, db)
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{db}",
            "SITE_PORT": str(self.port),
            "MEDIA_ROOT": str(tmp / f"{name}-media"),
            "PRIVATE_MEDIA_ROOT": str(tmp / f"{name}-private"),
            "DEBUG": "1",
            "PYTHONUNBUFFERED": "1",
            "PAGE_CACHE_SECONDS": "0",
            "EXCHANGE_PRIVATE_KEY": keys.seed_b64(self.key),
            "EXCHANGE_TIMEOUT_S": "20",
        }
        for name_ in ("SECRET_KEY", "REDIS_URL", "TEST_SQLITE_NAME", "EXCHANGE_KEY_FILE"):
            self.env.pop(name_, None)
        self.log = tmp / f"{self.name}.log"
        self.server = None

    @property
    def origin(self):
        return f"http://127.0.0.1:{self.port}"

    def command(self, *args):
        return [sys.executable, "manage.py", *args]

    def run(self, *args, check=True):
        done = subprocess.run(self.command(*args), cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300)
        if check and done.returncode:
            raise AssertionError(f"{self.name} {args[:2]}: {done.returncode}\n{done.stdout}\n{done.stderr}")
        return done

    def shell(self, code):
        """Run `code` in the installation's `manage.py shell`; the last line of output, parsed as JSON."""
        done = self.run("shell", "-c", code)
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start(self):
        self.log_handle = open(self.log, "w")
        self.server = subprocess.Popen(
            self.command("runserver", f"127.0.0.1:{self.port}", "--noreload"),
            cwd=ROOT,
            env=self.env,
            stdout=self.log_handle,
            stderr=subprocess.STDOUT,
        )

    def wait(self):
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(self.origin + "/api/lien-thong/v1/key/", timeout=2)
                return
            except OSError:
                if time.time() > deadline or self.server.poll() is not None:
                    raise RuntimeError(f"{self.name} did not start: {self.log.read_text()}") from None
                time.sleep(0.2)

    def stop(self):
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=20)
            self.log_handle.close()

    def get(self, host, path="/"):
        request = urllib.request.Request(self.origin + path, headers={"Host": f"{host}:{self.port}"})
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.read().decode()

    def post(self, path, body, headers):
        request = urllib.request.Request(
            self.origin + path, data=body, headers={"Content-Type": "application/json", **headers}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())


def _template(tmp, django_db_blocker):
    """A migrated database with the demo province: a copy of the session's test database when it
    is an in-memory SQLite one (clean between tests: each rolls back), else made from scratch."""
    from django.db import connection

    path = tmp / "template.sqlite3"
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        with django_db_blocker.unblock():
            connection.ensure_connection()
            assert not connection.in_atomic_block
            connection.cursor().execute("VACUUM INTO %s", [str(path)])
        return path
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{path}", "DEBUG": "1"}
    env.pop("REDIS_URL", None)
    for args in (
        ("migrate", "--noinput"),
        ("provision", "--structure", "2024", "--province", "Trà Vinh", "--no-progress"),
    ):
        subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, timeout=600
        )
    return path


@pytest.fixture(scope="module")
def installations(tmp_path_factory, django_db_setup, django_db_blocker):
    tmp = tmp_path_factory.mktemp("exchange")
    template = _template(tmp, django_db_blocker)
    national, province = Installation("national", tmp, template), Installation("province", tmp, template)
    try:
        national.start()
        province.start()
        # Pairing, as the guide says: each side enters the other's public key (both at once,
        # while the servers start).
        pairing = [
            subprocess.Popen(
                a.command(
                    "exchange_peer",
                    "--name",
                    name,
                    "--url",
                    b.origin,
                    "--public-key",
                    b.public_key,
                    "--role",
                    role,
                    "--area",
                    "84",
                    "--subscribe",
                    "844",
                ),
                cwd=ROOT,
                env=a.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for a, b, name, role in (
                (national, province, "Tỉnh Trà Vinh", "downstream"),
                (province, national, "Hệ thống thông tin nguồn trung ương", "upstream"),
            )
        ]
        for process in pairing:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0, out + err
            assert "Đã thêm" in out
        national.wait()
        province.wait()
        yield national, province
    finally:
        national.stop()
        province.stop()


PUBLISH = """
import datetime, json
from django.utils import timezone
from areas.models import AreaPage, CommuneHomePage
from sources.models import SourceIndexPage, SourceItemPage, EmergencyAlertPage
from station.models import Programme
from station.tasks import process_programme
from django.core.files import File
from exchange.outbox import send_due
from exchange.models import OutgoingMessage

province = AreaPage.objects.get(structure="2024", level="province", code="84")
section = SourceIndexPage.objects.child_of(province.portal).first()
cang_long = AreaPage.objects.get(structure="2024", code="844")
cau_ke = AreaPage.objects.get(structure="2024", code="845")
an_truong = CommuneHomePage.objects.get(structure="2024", code="29275")

def publish(page, **targets):
    for name, value in targets.items():
        setattr(page, name, value)
    section.add_child(instance=page)
    page.save_revision().publish()
    return page

publish(SourceItemPage(title="Lịch tiêm vắc xin sởi đợt 2", summary="Trạm y tế tiêm từ thứ Hai."),
        target_areas=[cang_long])
publish(EmergencyAlertPage(title="Cảnh báo triều cường", summary="Nước dâng cao 0,5 m.", event="Triều cường",
                           valid_until=timezone.now() + datetime.timedelta(days=1)), target_communes=[an_truong])
publish(SourceItemPage(title="Tin chỉ cho Cầu Kè", summary="Không gửi cho Trà Vinh."), target_areas=[cau_ke])
programme = Programme(owner=province, title="Bản tin sức khoẻ tuần này")
with open(AUDIO, "rb") as handle:
    programme.upload.save("ban-tin.mp3", File(handle), save=False)
programme.save()
programme.target_units.set([cang_long])
programme.save()
process_programme(programme.pk)
result = send_due()
print(json.dumps({"send": result, "outbox": sorted(
    [m.kind, m.subject, m.state, m.last_error] for m in OutgoingMessage.objects.all())}, ensure_ascii=False))
"""

REPORT = """
import json
from django.core.management import call_command
from areas.models import CommuneHomePage
from boards.models import Board
from station.models import Programme
from exchange.models import ReceivedItem
Board.objects.create(owner=CommuneHomePage.objects.get(structure="2024", code="29275"), name="Bảng chợ An Trường",
                     width=1920, height=1080)
call_command("exchange_send_report", no_progress=True)
print(json.dumps({
    "programmes": [[p.title, p.state, p.owner.specific.code, sorted(u.specific.code for u in p.target_units.all()),
                    bool(p.upload)] for p in Programme.objects.all()],
    "received": sorted([r.kind, r.remote_id] for r in ReceivedItem.objects.all()),
}, ensure_ascii=False))
"""

WITHDRAW_AND_READ = """
import json
from exchange.models import PeerReport
from exchange.outbox import send_due
from sources.models import EmergencyAlertPage
EmergencyAlertPage.objects.get(title="Cảnh báo triều cường").unpublish()
result = send_due()
print(json.dumps({"send": result, "reports": sorted(
    [r.kind, r.unit_code, r.peer.name, r.data.get("counts"), [d["unit_code"] for d in r.data.get("devices", [])]]
    for r in PeerReport.objects.all())}, ensure_ascii=False))
"""


def test_two_installations_exchange_both_ways(installations, tmp_path):
    national, province = installations
    from tests.station.sounds import programme

    audio = programme(tmp_path / "ban-tin.mp3", seconds=3.0)

    # National publishes: an item for Càng Long, an alert for An Trường, an item for Cầu Kè
    # (outside what the province subscribed to: never sent) and a programme for Càng Long.
    published = national.shell(f"AUDIO = {str(audio)!r}\n" + PUBLISH)
    assert published["send"] == {"sent": 3, "tried": 3}, published
    kinds = sorted((kind, state) for kind, _, state, _ in published["outbox"])
    assert kinds == [("alert", "sent"), ("programme", "sent"), ("source_item", "sent")], published

    # The province shows them on the targeted commune's site, not on another commune's.
    an_truong = province.get(AN_TRUONG)
    assert "Lịch tiêm vắc xin sởi đợt 2" in an_truong
    assert "Cảnh báo triều cường" in an_truong
    assert "Tin chỉ cho Cầu Kè" not in an_truong
    assert "Lịch tiêm vắc xin sởi đợt 2" not in province.get(DONG_HAI)

    # The province reports up (its indicators, its boards); the programme's audio was fetched.
    reported = province.shell(REPORT)
    assert reported["received"] == [
        ["alert", reported["received"][0][1]],
        ["programme", reported["received"][1][1]],
        ["source_item", reported["received"][2][1]],
    ]
    [(title, state, owner, targets, has_audio)] = reported["programmes"]
    assert (title, owner, targets, has_audio) == ("Bản tin sức khoẻ tuần này", "84", ["844"], True)
    assert state == "processing"  # fetched, checked, waiting for the worker to normalise it

    # National: the alert withdrawn goes down; the reports are stored.
    read = national.shell(WITHDRAW_AND_READ)
    assert read["send"] == {"sent": 1, "tried": 1}, read
    assert [r[:3] for r in read["reports"]] == [
        ["device_status", "84", "Tỉnh Trà Vinh"],
        ["indicators", "84", "Tỉnh Trà Vinh"],
    ]
    device_status = read["reports"][0]
    assert device_status[3] == {"online": 0, "offline": 0, "never": 1} and device_status[4] == ["29275"]
    an_truong = province.get(AN_TRUONG)
    assert "Cảnh báo triều cường" not in an_truong and "Lịch tiêm vắc xin sởi đợt 2" in an_truong


def test_the_real_server_refuses_a_tampered_and_a_replayed_message(installations):
    national, province = installations
    path = "/api/lien-thong/v1/source-items/"
    key_id = fingerprint(national.public_key)
    message = source_item(["29269"], remote_id="tin-thu", title="Tin thật")
    message["recipient"] = "ed25519:" + "ab" * 16  # another installation's: refused
    elsewhere = json.dumps(message, ensure_ascii=False).encode()
    status, answer = province.post(path, elsewhere, signing.sign(national.key, key_id, "POST", path, elsewhere))
    assert (status, answer["error"]["code"]) == (403, "wrong_recipient")
    message["recipient"] = fingerprint(province.public_key)
    body = json.dumps(message, ensure_ascii=False).encode()
    tampered = body.replace("Tin thật".encode(), "Tin giả".encode())
    status, answer = province.post(path, tampered, signing.sign(national.key, key_id, "POST", path, body))
    assert (status, answer["error"]["code"]) == (401, "digest_mismatch")
    headers = signing.sign(national.key, key_id, "POST", path, body)
    status, answer = province.post(path, body, headers)
    assert status == 200 and answer["status"] == "created"
    status, answer = province.post(path, body, headers)
    assert (status, answer["error"]["code"]) == (409, "replayed")
    stranger = Ed25519PrivateKey.generate()
    status, answer = province.post(path, body, signing.sign(stranger, key_id, "POST", path, body))
    assert (status, answer["error"]["code"]) == (401, "bad_signature")
    my_commune = province.get("my-cam.cang-long.tra-vinh.localhost")
    assert "Tin thật" in my_commune and "Tin giả" not in my_commune

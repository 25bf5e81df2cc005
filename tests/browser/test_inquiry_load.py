"""200 questions from 20 parallel clients make exactly 200 records, each with its own code:
real HTTP against gunicorn (2 worker processes × 8 threads, as in production) on the live
site's database (its own SQLite file, or PostgreSQL and Redis when DATABASE_URL points there), each client doing what a browser does (GET the form with its cookie, solve
the proof of work, POST), and each form's POST sent twice at
once, as a double click would."""

import concurrent.futures
import http.cookiejar
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from inquiries import captcha

from .conftest import ROOT, _free_port

pytestmark = pytest.mark.browser

HOST = "an-truong.cang-long.tra-vinh.localhost"
CLIENTS = 20
EACH = 10
MARK = "Kiểm thử tải"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _client():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())


def _request(port, path, data=None):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        headers={"Host": f"{HOST}:{port}", "Referer": f"http://{HOST}:{port}{path}"},
    )
    return request


def _one(port, client_no, n):
    opener = _client()
    html = opener.open(_request(port, "/hoi-dap/gui/"), timeout=60).read().decode()
    fields = dict(re.findall(r'name="(csrfmiddlewaretoken|pow_token|submission_key)" value="([^"]*)"', html))
    difficulty = int(re.search(r'data-pow-difficulty="(\d+)"', html).group(1))
    data = urllib.parse.urlencode(
        {
            **fields,
            "pow_nonce": captcha.solve(fields["pow_token"], difficulty),
            "kind": "hoi_dap",
            "topic": "khac",
            "title": f"{MARK} {client_no}-{n}",
            "body": f"Câu hỏi số {n} của người dùng thử {client_no}, gửi đồng thời với các người khác.",
            "name": f"Người thử {client_no}",
            "phone": f"09{client_no:02d}{n:06d}",
            "consent": "on",
            "website": "",
        }
    ).encode()

    def post(_):
        try:
            opener.open(_request(port, "/hoi-dap/gui/", data), timeout=60)
        except urllib.error.HTTPError as exc:
            assert exc.code == 303, exc.read().decode()[:500]
            return exc.headers["Location"]
        raise AssertionError("expected a redirect to the receipt")

    # A double click: the same form posted twice at the same moment.
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pair:
        locations = list(pair.map(post, range(2)))
    assert locations[0] == locations[1]
    return locations[0].rstrip("/").rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def gunicorn(live_site, tmp_path_factory):
    port = _free_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = {**live_site.env, "SITE_PORT": str(port)}
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "tincoso.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "8",
                "--chdir",
                str(ROOT / "site"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.time() + 60
            while True:
                try:
                    urllib.request.urlopen(_request(port, "/hoi-dap/"), timeout=2).read()
                    break
                except OSError:
                    if time.time() > deadline or server.poll() is not None:
                        raise RuntimeError("gunicorn did not start: " + log_path.read_text())
                    time.sleep(0.3)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=20)


def test_200_submissions_from_20_parallel_clients_make_200_records(live_site, gunicorn):
    jobs = [(c, n) for c in range(CLIENTS) for n in range(EACH)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        codes = list(pool.map(lambda job: _one(gunicorn, *job), jobs))
    assert len(codes) == 200 and len(set(codes)) == 200
    counted = live_site.manage(
        "shell",
        "--no-imports",
        "-c",
        (
            "from inquiries.models import Inquiry; "
            f"q = Inquiry.objects.filter(title__startswith='{MARK}'); "
            "print(q.count(), q.values('code').distinct().count(), q.values('commune').distinct().count())"
        ),
    ).stdout.split()
    assert counted == ["200", "200", "1"]


def test_a_parallel_burst_from_one_phone_stops_at_its_daily_limit(live_site, gunicorn):
    """Eight different questions from the same phone number, posted at the same moment: the
    limit (3 a day) holds, because counting and inserting happen under one lock."""
    phone = "0912 777 888"

    def ask(n):
        opener = _client()
        html = opener.open(_request(gunicorn, "/hoi-dap/gui/"), timeout=60).read().decode()
        fields = dict(re.findall(r'name="(csrfmiddlewaretoken|pow_token|submission_key)" value="([^"]*)"', html))
        difficulty = int(re.search(r'data-pow-difficulty="(\d+)"', html).group(1))
        data = urllib.parse.urlencode(
            {
                **fields,
                "pow_nonce": captcha.solve(fields["pow_token"], difficulty),
                "kind": "phan_anh",
                "topic": "khac",
                "title": f"Cùng số điện thoại {n}",
                "body": "Phản ánh gửi cùng lúc từ một số điện thoại.",
                "name": "Người thử giới hạn",
                "phone": phone,
                "consent": "on",
                "website": "",
            }
        ).encode()
        return data, opener

    prepared = [ask(n) for n in range(8)]

    def post(pair):
        data, opener = pair
        try:
            return opener.open(_request(gunicorn, "/hoi-dap/gui/", data), timeout=60).read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, prepared))
    accepted = [a for a in answers if isinstance(a, tuple) and a[0] == 303]
    refused = [a for a in answers if isinstance(a, tuple) and a[0] == 429]
    assert len(accepted) == 3 and len(refused) == 5, [a[0] if isinstance(a, tuple) else 200 for a in answers]
    assert all("Số điện thoại này đã gửi nhiều câu hỏi" in body for _code, body in refused)
    stored = live_site.manage(
        "shell",
        "--no-imports",
        "-c",
        ("from inquiries.models import Inquiry; print(Inquiry.objects.filter(phone='0912777888').count())"),
    ).stdout.split()[-1]
    assert stored == "3"

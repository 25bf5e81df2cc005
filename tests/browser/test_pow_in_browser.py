"""pow.js in a real browser (Debian's chromium, the shared Playwright fixture): it solves the
challenge on a plain-http page, fills the nonce, holds an early submit until done, and
guards against double submission. The server side is in tests/inquiries/test_captcha.py."""

from pathlib import Path

import pytest
from django.conf import settings as django_settings

from inquiries.captcha import new_challenge, verify

POW_JS = Path(django_settings.BASE_DIR) / "themes" / "default" / "static" / "js" / "pow.js"

FORM_PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8">
<script src="/static/default/js/pow.js" defer></script></head><body>
<form method="post" action="/gui" data-pow-token="{token}" data-pow-difficulty="{difficulty}">
  <input type="hidden" name="pow_token" value="{token}">
  <input type="hidden" name="pow_nonce">
  <input name="title" value="Hỏi về thủ tục">
  <p data-pow-status role="status" aria-live="polite"></p>
  <button type="submit" name="action" value="send">Gửi</button>
</form></body></html>"""


@pytest.fixture
def form_page(browser):
    """Opens the form of a fresh challenge on a plain-http page; returns (page, challenge, posts)."""
    context = browser.new_context()
    page = context.new_page()
    posts = []

    def open_form(difficulty):
        challenge = new_challenge(difficulty)

        def handle(route):
            request = route.request
            if request.url.endswith("/static/default/js/pow.js"):
                route.fulfill(body=POW_JS.read_text(), content_type="text/javascript")
            elif request.method == "POST":
                posts.append(request.post_data)
                route.fulfill(body="<!doctype html><p>Đã nhận</p>", content_type="text/html; charset=utf-8")
            else:
                route.fulfill(
                    body=FORM_PAGE.format(token=challenge.token, difficulty=difficulty),
                    content_type="text/html; charset=utf-8",
                )

        page.route("http://xa.test/**", handle)
        page.goto("http://xa.test/hoi-dap/gui/")
        return challenge

    yield page, open_form, posts
    context.close()


def _fields(post_data):
    from urllib.parse import parse_qs

    return {k: v[0] for k, v in parse_qs(post_data).items()}


@pytest.mark.browser
def test_browser_fills_the_nonce_and_reports_done(form_page):
    page, open_form, posts = form_page
    challenge = open_form(10)
    page.wait_for_function("() => document.querySelector('[data-pow-status]').textContent.startsWith('Đã xác minh')")
    assert page.text_content("[data-pow-status]") == "Đã xác minh, có thể gửi."
    nonce = page.input_value("input[name=pow_nonce]")
    verify(challenge.token, nonce, consume=False)
    page.click("button")
    page.wait_for_url("**/gui")
    fields = _fields(posts[0])
    assert fields["pow_nonce"] == nonce and fields["action"] == "send"
    assert page.text_content("p") == "Đã nhận"


@pytest.mark.browser
def test_browser_submit_before_the_work_waits_then_sends(form_page):
    page, open_form, posts = form_page
    # Hold the work back until the click has been made, whatever the machine's speed.
    page.add_init_script(
        "window.__realMC = window.MessageChannel; window.MessageChannel = undefined;"
        "window.__realST = window.setTimeout; window.__queue = [];"
        "window.setTimeout = (fn, ms) => window.__queue.push(fn);"
    )
    challenge = open_form(8)
    assert page.text_content("[data-pow-status]") == "Đang xác minh chống spam… (chỉ vài giây)"
    page.click("button")
    assert page.text_content("[data-pow-status]") == "Vui lòng chờ xác minh chống spam hoàn tất…"
    assert posts == []
    # Let the work run: it finishes, fills the nonce and sends the form by itself.
    page.evaluate("window.setTimeout = window.__realST; window.__queue.forEach((fn) => fn());")
    page.wait_for_url("**/gui")
    fields = _fields(posts[0])
    assert fields["action"] == "send"  # the clicked button is still the submitter
    verify(challenge.token, fields["pow_nonce"])


@pytest.mark.browser
def test_browser_disables_buttons_while_sending_and_restores_them_from_bfcache(form_page):
    page, open_form, posts = form_page
    open_form(4)
    page.wait_for_function("() => document.querySelector('input[name=pow_nonce]').value !== ''")
    # Send the form into a frame so that this page stays to be looked at.
    page.evaluate("""() => {
        const sink = document.createElement("iframe");
        sink.name = "sink";
        document.body.appendChild(sink);
        document.querySelector("form").target = "sink";
    }""")
    page.click("button")
    page.wait_for_function("() => document.querySelector('button').disabled")
    assert len(posts) == 1
    page.evaluate("window.dispatchEvent(new PageTransitionEvent('pageshow', {persisted: true}))")
    assert page.evaluate("document.querySelector('button').disabled") is False


@pytest.mark.browser
def test_browser_leaves_buttons_alone_when_another_handler_stops_the_submit(form_page):
    page, open_form, posts = form_page
    open_form(4)
    page.wait_for_function("() => document.querySelector('input[name=pow_nonce]').value !== ''")
    page.evaluate("document.querySelector('form').addEventListener('submit', (e) => e.preventDefault())")
    page.click("button")
    page.evaluate("new Promise((resolve) => setTimeout(resolve, 50))")
    assert page.evaluate("document.querySelector('button').disabled") is False
    assert posts == []

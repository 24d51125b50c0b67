"""The web app and the widget, driven for real: gradio_client through a conversation, Chromium through both UIs."""

import os
import shutil
import sys
from pathlib import Path

import pytest

from advisor.settings import REPO_ROOT

from .conftest import free_port, start_server, stop_server, wait_for_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(os.environ.get("ADVISOR_ARTIFACTS", REPO_ROOT / "artifacts"))
XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script>'


@pytest.fixture(scope="module")
def server(advisor, settings, tmp_path_factory):
    """`advisor serve` in a subprocess on loopback, sharing the test index."""
    port = free_port()
    home = tmp_path_factory.mktemp("web-home")
    shutil.copytree(settings.index_dir, home / "index")
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ADVISOR_HOME": str(home), "ADVISOR_ALLOWED_ORIGINS": f'["{url}"]', "HF_HUB_OFFLINE": "1",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    proc = start_server([sys.executable, "-m", "advisor", "serve", "--port", str(port)], port, env)
    yield url
    stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_gradio_client_conversation(server):
    """A whole conversation through the official client: start, describe, answer, recommendation, correction."""
    from gradio_client import Client

    client = Client(server + "/", verbose=False)
    client.predict(api_name="/start")
    out = client.predict("Leads come in but revenue is flat and our forecast is a guess", api_name="/send")
    history = out[1]
    assert history[-1]["role"] == "assistant" and "annual revenue" in str(history[-1]["content"]).lower()
    out = client.predict("$10–30M", api_name="/send")
    assert "My recommendation" in str(out[1][-1]["content"]) and "Fractional CRO" in str(out[1][-1]["content"])
    assert "Revenue is flat, lumpy or unpredictable" in str(out), "the profile panel lists what was learned"
    out = client.predict("Preparing for private equity or M&A", "yes", api_name="/correct")
    last = str(out[1][-1]["content"])
    assert "updated recommendation" in last and "Full-time CRO" in last


def widget(page):
    return page.locator("revenue-advisor")


def open_widget(browser, server, width=1280, height=900):
    """A fresh visitor on the demo page with the chat panel open."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(server + "/demo")
    widget(page).locator("button.bubble").click()
    return page, widget(page)


def test_widget_conversation_survives_reload(server, browser):
    page, w = open_widget(browser, server)
    w.get_by_role("button", name="Leads come in but revenue is flat").click()
    w.locator(".replies button").first.wait_for()
    for _ in range(6):  # answer quick replies until a recommendation card appears
        if w.locator(".rec").count():
            break
        w.locator(".replies button").last.click() if w.locator(".replies button").count() else None
        page.wait_for_timeout(700)
    assert w.locator(".rec h3").count() == 1, "a recommendation card is shown"
    assert "Fractional CRO" in w.locator(".rec h3").inner_text()
    w.locator(".rec details summary").click()
    assert w.locator(".rec blockquote").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "widget-recommendation.png"))
    turns = w.locator(".msg.user").count()
    page.reload()
    widget(page).locator("button.bubble").click()
    widget(page).locator(".rec").wait_for()
    assert widget(page).locator(".msg.user").count() == turns
    widget(page).get_by_role("button", name="New conversation").click()
    assert widget(page).locator(".msg.user").count() == 0
    page.close()


def test_widget_shows_markup_as_text(server, browser):
    page, w = open_widget(browser, server)
    w.locator("textarea").fill(XSS)
    w.locator("form button").click()
    w.locator(".log > .card").last.wait_for()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    assert XSS in w.locator(".msg.user").last.inner_text()
    assert w.locator("img").count() == 0
    page.screenshot(path=str(ARTIFACTS / "widget-xss.png"))
    page.close()


def test_widget_full_screen_on_phone(server, browser):
    page, w = open_widget(browser, server, width=390, height=800)
    box = w.locator(".panel").bounding_box()
    assert box["width"] == 390 and box["height"] == 800
    page.screenshot(path=str(ARTIFACTS / "widget-phone.png"))
    page.close()


def test_gradio_page_conversation_and_markup(server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(server + "/")
    page.get_by_text("Hi — I help founders").first.wait_for()
    page.locator("#message textarea").fill(XSS)
    page.locator("#send").click()
    page.get_by_text('onerror="window.__pwned=1"').first.wait_for()
    assert page.evaluate("window.__pwned") is None
    page.locator("#message textarea").fill("Leads come in but revenue is flat and our forecast is a guess")
    page.locator("#send").click()
    for _ in range(6):  # tap quick replies until the recommendation arrives
        page.wait_for_timeout(1500)
        if "My recommendation" in page.content():
            break
        page.locator("button.quick-reply:visible").first.click()
    page.get_by_text("My recommendation").first.wait_for()
    page.screenshot(path=str(ARTIFACTS / "gradio.png"), full_page=True)
    assert "My recommendation" in page.content()
    page.close()


def test_gradio_page_fits_a_phone(server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(server + "/")
    page.get_by_text("Hi — I help founders").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "gradio-phone.png"), full_page=True)
    page.close()


def test_widget_is_keyboard_usable(server, browser):
    page = browser.new_page()
    page.goto(server + "/demo")
    w = widget(page)
    w.locator("button.bubble").focus()
    page.keyboard.press("Enter")
    assert w.locator("textarea").evaluate("el => el === el.getRootNode().activeElement")
    assert w.locator(".log").get_attribute("aria-live") == "polite"
    assert w.locator("label[for=ra-input]").count() == 1
    page.keyboard.type("Nobody knows we exist and the pipeline is empty")
    page.keyboard.press("Enter")
    w.locator(".log > .card").last.wait_for()
    page.keyboard.press("Escape")
    assert w.locator(".panel").is_hidden()
    assert w.locator("button.bubble").get_attribute("aria-expanded") == "false"
    page.close()


def test_memo_has_the_trace_and_citations(advisor):
    from advisor.conversation import Conversation
    from ui.gradio_app import memo

    conv = Conversation()
    advisor.respond(conv, "Nobody knows we exist and the pipeline is empty")
    reply = advisor.respond(conv, "just tell me")
    text = memo(reply, conv, advisor)
    assert text.startswith("# Revenue leadership recommendation")
    assert "Fractional CMO" in text and "## Why" in text and "## What I learned" in text
    assert any(c.quote in text for c in reply.recommendation.citations)
    assert "001-fractional-cro-vs-fractional-cmo.md" in text


@pytest.fixture
def model_server(advisor, settings, tmp_path):
    """The API and widget in-process (uvicorn in a thread) over an advisor whose model replies are queued per test."""
    import threading

    import uvicorn

    from advisor.server import create_app

    from .conftest import fake, with_model

    def serve(*replies: str) -> str:
        adv = with_model(advisor, fake(*replies))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        app = create_app(settings.model_copy(update={"home": tmp_path, "allowed_origins": [url]}), adv, with_ui=False)
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        threading.Thread(target=server.run, daemon=True).start()
        servers.append(server)
        assert wait_for_port(port, 30), "the in-process server did not start"
        return url

    servers: list = []
    yield serve
    for s in servers:
        s.should_exit = True


DEMAND = "Nobody has heard of us and leads are a trickle, but we usually win. Just give me your recommendation."


def test_widget_streams_model_wording_and_replaces_a_reply_the_guard_stops(model_server, browser):
    good = "You should hire a Fractional CMO [1]. Buyers who meet you buy; too few know you [2]."
    url = model_server('{"facts": []}', good, '{"facts": []}', "Hire a Fractional CMO [1]. Or rather a VP of Sales [2].")
    page, w = open_widget(browser, url)
    for expected in (good.split(" [1]")[0], "My recommendation: Fractional CMO"):
        w.locator("textarea").fill(DEMAND)
        w.locator("form button").click()
        w.locator(".rec").last.wait_for()
        page.wait_for_timeout(300)
        text = w.locator(".rec .msg.bot").last.inner_text()
        assert expected in text
        assert "VP of Sales [2]" not in text  # the sentence the guard stopped never stays on screen
    assert "Runner-up" in w.locator(".rec .msg.bot").first.inner_text()  # the documented tail stays under model wording
    page.screenshot(path=str(ARTIFACTS / "widget-model-wording.png"))
    page.close()

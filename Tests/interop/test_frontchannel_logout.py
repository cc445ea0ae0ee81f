"""OpenID Connect Front-Channel Logout 1.0 in headless Chromium: the demo app's client
registers a front-channel logout page on a small relying party; signing out through the
demo app shows Permiso's signed-out page, which loads that page in a hidden frame (the RP
records the call, with iss and sid) and then lands on the post-logout URI."""

import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import ROOT, Permiso, example_config, free_port
from test_browser import browser  # noqa: F401 (the Chromium fixture)

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


class FrontChannelRP:
    """Records each GET of its front-channel logout page."""

    def __init__(self):
        self.calls: list[dict] = []
        rp = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                rp.calls.append({k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query).items()})
                body = b"<!doctype html><title>signed out</title>"
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    folder = tmp_path_factory.mktemp("frontchannel")
    rp = FrontChannelRP()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = example_config(folder, base)
    text = config.read_text().replace("http://127.0.0.1:8080", base)
    config.write_text(text.replace("  - id: demo\n", f"  - id: demo\n    frontchannelLogoutURI: http://127.0.0.1:{rp.port}/fc\n"
                                                    "    frontchannelLogoutSessionRequired: true\n", 1))
    permiso = Permiso(config, port, log=folder / "serve.log")
    yield base, rp
    permiso.stop()
    rp.server.shutdown()


def test_the_signed_out_page_frames_the_rp_and_lands_on_the_post_logout_uri(deployment, browser):  # noqa: F811
    base, rp = deployment
    browser.get(f"{base}/demo/")
    browser.find_element(By.LINK_TEXT, "Sign in with Permiso Demo").click()
    WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.ID, "username"))).send_keys("alice")
    browser.find_element(By.ID, "password").send_keys("alice-password")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    claims = WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "pre.claims")))
    sid = json.loads(claims.text)["sid"]

    # The demo app's sign-out link: RP-initiated logout with its ID token and post-logout URI.
    logout = browser.find_element(By.LINK_TEXT, "Sign out").get_attribute("href")
    started = time.monotonic()
    browser.get(logout)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "26-signing-out-frontchannel.png"))
    WebDriverWait(browser, 10).until(lambda driver: urllib.parse.urlparse(driver.current_url).path == "/demo/")
    # Before the 3-second refresh could: /assets/logout.js ran under the page's CSP.
    assert time.monotonic() - started < 2.9
    assert rp.calls == [{"iss": base, "sid": sid}], "the frame loaded the RP's logout page with iss and sid"
    browser.save_screenshot(str(SCREENSHOTS / "27-after-frontchannel-logout.png"))

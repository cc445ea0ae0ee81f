"""A real device client: Debian's oidc-agent (`oidc-gen --flow=device`) gets tokens from
Permiso's scaled-out deployment (nginx + three instances + Redis) while headless Chromium
plays the person who types the user code. The access token it prints is checked against
the JWKS with joserfc."""

import json
import os
import re
import shutil
import signal
import subprocess
import threading

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from cluster import Cluster
from test_browser import browser, shot, wait_for  # noqa: F401 (the browser fixture)


@pytest.fixture
def cluster(tmp_path):
    started = Cluster(tmp_path)
    yield started
    started.stop()


@pytest.fixture
def agent(tmp_path):
    if not shutil.which("oidc-agent"):
        pytest.fail("oidc-agent is not installed: scripts/install-test-deps installs Debian's oidc-agent-cli")
    environment = {**os.environ, "OIDC_CONFIG_DIR": str(tmp_path / "oidc-agent")}
    os.makedirs(environment["OIDC_CONFIG_DIR"])
    started = json.loads(subprocess.run(["oidc-agent", "--json"], capture_output=True, text=True, env=environment, check=True).stdout)
    environment["OIDC_SOCK"] = started["socket"]
    yield environment
    os.kill(int(started["dpid"]), signal.SIGTERM)


def test_oidc_agent_gets_tokens_through_the_device_flow(cluster, agent, browser):  # noqa: F811
    generator = subprocess.Popen(
        ["oidc-gen", "--flow=device", f"--issuer={cluster.base}", "--client-id=cli", "--client-secret=",
         "--scope=openid email offline_access", "--only-at", "--no-url-call", "--prompt=none", "--confirm-default",
         "permiso-test"],
        env=agent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    # oidc-gen prints the verification URL and the code on stderr, then polls until approved.
    seen: list[str] = []
    found = threading.Event()

    def read_stderr():
        for line in generator.stderr:
            seen.append(line)
            if re.search(r"enter the code: [A-Z]{4}-[A-Z]{4}", line):
                found.set()

    threading.Thread(target=read_stderr, daemon=True).start()
    assert found.wait(30), "oidc-gen printed no user code: " + "".join(seen)
    output = "".join(seen)
    user_code = re.search(r"enter the code: ([A-Z]{4}-[A-Z]{4})", output).group(1)
    verification = re.search(r"(http://127\.0\.0\.1:\d+/device)", output).group(1)
    assert verification == cluster.base + "/device"

    browser.get(verification)
    field = wait_for(browser, "input#user_code")
    shot(browser, "10-device-code")
    assert browser.switch_to.active_element.get_attribute("id") == "user_code"
    field.send_keys(user_code.lower().replace("-", ""))
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, "input#username").send_keys("alice")
    shot(browser, "11-device-login")
    browser.find_element(By.ID, "password").send_keys("alice-password")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, "button[value=allow]")
    assert user_code in browser.find_element(By.CSS_SELECTOR, ".device-code").text
    shot(browser, "12-device-consent")
    browser.set_window_size(390, 844)
    shot(browser, "12-device-consent-phone")
    browser.set_window_size(1000, 800)
    browser.find_element(By.CSS_SELECTOR, "button[value=allow]").click()
    WebDriverWait(browser, 10).until(lambda driver: "Device connected" in driver.page_source)
    shot(browser, "13-device-connected")

    stdout, _ = generator.communicate(timeout=60)
    assert generator.returncode == 0, "".join(seen)
    access_token = stdout.strip().splitlines()[-1]
    keys = KeySet.import_key_set(requests.get(cluster.base + "/.well-known/jwks.json", timeout=5).json())
    token = jwt.decode(access_token, keys)
    assert token.header["typ"] == "at+jwt"
    assert token.claims["sub"] == "alice" and token.claims["client_id"] == "cli" and token.claims["iss"] == cluster.base
    assert {"openid", "email"} <= set(token.claims["scope"].split())

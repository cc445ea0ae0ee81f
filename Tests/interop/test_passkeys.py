"""Passkeys as a person uses them, in headless Chromium with its virtual authenticator (CTAP2,
resident keys, user verification) standing in for a phone or a security key: add one at
/account/passkeys, put the entry Permiso shows into the config and reload, sign in with it
without a username, and use it as the second factor after the password. Python's `webauthn`
package verifies each credential the browser made, independently of Permiso. Every new page
is saved as a screenshot, desktop and phone, under test-artifacts/screenshots/."""

import base64
import json
import os
import re
import signal
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.virtual_authenticator import VirtualAuthenticatorOptions
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait
from webauthn import verify_authentication_response, verify_registration_response
from webauthn.helpers import decode_credential_public_key
from webauthn.helpers.cose import COSEKTY

from conftest import ROOT, Permiso, example_config, free_port

SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PHONE = (390, 844)
DESKTOP = (1000, 800)

# Saves what the browser sent, before the page posts it: the tests verify it independently.
CAPTURE = """
const encode = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "");
const create = navigator.credentials.create.bind(navigator.credentials);
navigator.credentials.create = async (options) => {
  const c = await create(options);
  localStorage.setItem("registration", JSON.stringify({
    id: c.id, rawId: encode(c.rawId), type: c.type,
    response: { clientDataJSON: encode(c.response.clientDataJSON), attestationObject: encode(c.response.attestationObject) },
  }));
  return c;
};
const get = navigator.credentials.get.bind(navigator.credentials);
navigator.credentials.get = async (options) => {
  const c = await get(options);
  localStorage.setItem("assertion", JSON.stringify({
    id: c.id, rawId: encode(c.rawId), type: c.type,
    response: { clientDataJSON: encode(c.response.clientDataJSON), authenticatorData: encode(c.response.authenticatorData),
                signature: encode(c.response.signature), userHandle: c.response.userHandle ? encode(c.response.userHandle) : null },
  }));
  return c;
};
"""


def decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Deployment:
    """`permiso serve` at http://localhost (browsers refuse IP addresses as RP IDs), with a
    config the tests add passkey entries to and reload with SIGHUP."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.base = f"http://localhost:{self.port}"
        self.config = example_config(folder, self.base)
        self.original = self.config.read_text().replace("http://127.0.0.1:8080", self.base)
        self.config.write_text(self.original)
        self.entries: list[str] = []
        self.permiso = Permiso(self.config, self.port, log=folder / "serve.log")
        self.reloads = 0

    def list_passkeys(self, entries: list[str]) -> None:
        """Lists `entries` (as the account page showed them) under alice, then reloads."""
        self.entries = entries
        block = "    passkeys:\n" if entries else ""
        block += "".join(f"      {line}\n" for entry in entries for line in entry.splitlines())
        self.config.write_text(self.original.replace("  - username: alice\n", "  - username: alice\n" + block, 1))
        log = self.permiso.log_path
        before = log.read_text().count("reloaded configuration")
        self.permiso.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 15
        while log.read_text().count("reloaded configuration") == before:
            assert "reload failed" not in log.read_text()[-2000:], log.read_text()[-2000:]
            assert time.monotonic() < deadline, "the reload did not happen"
            time.sleep(0.1)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    deployment = Deployment(tmp_path_factory.mktemp("passkeys"))
    yield deployment
    deployment.permiso.stop()


def authenticator_options() -> VirtualAuthenticatorOptions:
    """A platform authenticator with a PIN or biometric that always says yes."""
    options = VirtualAuthenticatorOptions()
    options.protocol = VirtualAuthenticatorOptions.Protocol.CTAP2
    options.transport = VirtualAuthenticatorOptions.Transport.INTERNAL
    options.has_resident_key = True
    options.has_user_verification = True
    options.is_user_verified = True
    options.is_user_consenting = True
    return options


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(20)
    driver.add_virtual_authenticator(authenticator_options())
    yield driver
    driver.quit()


def wait_for(driver, css: str, timeout: float = 10):
    return WebDriverWait(driver, timeout).until(expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css)))


def shot(driver, name: str) -> None:
    """The page at desktop and phone width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))
    driver.set_window_size(*PHONE)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}-phone.png"))
    driver.set_window_size(*DESKTOP)


def sign_out(driver, deployment) -> None:
    driver.delete_all_cookies()
    driver.get(f"{deployment.base}/demo/")


def captured(driver, name: str) -> dict:
    return json.loads(driver.execute_script(f"return localStorage.getItem('{name}')"))


def enrol(driver, deployment, name: str, algorithms: str | None = None) -> tuple[str, dict]:
    """Adds a passkey at /account/passkeys (signing in first when the session is not recent)
    and returns the config entry shown and what the browser sent."""
    driver.get(f"{deployment.base}/account/passkeys")
    if driver.find_elements(By.CSS_SELECTOR, "form[action='/account/login']"):
        driver.find_element(By.ID, "username").send_keys("alice")
        driver.find_element(By.ID, "password").send_keys("alice-password")
        driver.find_element(By.CSS_SELECTOR, "form[action='/account/login'] button[type=submit]").click()
        if driver.find_elements(By.CSS_SELECTOR, "form[action='/login/passkey']"):
            wait_for(driver, "#passkey-button").click()
    button = wait_for(driver, "#passkey-button")
    driver.execute_script(CAPTURE)
    if algorithms:
        driver.execute_script(f"document.querySelector('form[data-passkey=create]').dataset.algorithms = '{algorithms}'")
    driver.find_element(By.ID, "name").send_keys(name)
    challenge = driver.find_element(By.CSS_SELECTOR, "form[data-passkey=create]").get_attribute("data-challenge")
    button.click()
    entry = wait_for(driver, "pre#passkey-entry").text
    registration = captured(driver, "registration")
    registration["challenge"] = challenge
    return entry, registration


def test_enrol_a_passkey_and_verify_it_independently(deployment, browser):
    browser.get(f"{deployment.base}/account/passkeys")
    wait_for(browser, "form[action='/account/login']")
    assert not browser.find_elements(By.CSS_SELECTOR, "#passkey-button"), "nobody has a passkey yet: no button"
    shot(browser, "20-account-login")
    browser.find_element(By.ID, "username").send_keys("alice")
    browser.find_element(By.ID, "password").send_keys("alice-password")
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_for(browser, "#passkey-button")
    assert browser.find_element(By.CSS_SELECTOR, "[data-passkey-needs-script]").is_displayed() is False
    shot(browser, "21-account-passkeys")
    entry, registration = enrol(browser, deployment, "Chromium")
    shot(browser, "22-passkey-added")

    # The entry Permiso shows is the credential the browser made, as an independent verifier reads it.
    verified = verify_registration_response(
        credential=registration, expected_challenge=decode(registration["challenge"]),
        expected_origin=deployment.base, expected_rp_id="localhost", require_user_verification=True,
    )
    key = decode_credential_public_key(verified.credential_public_key)
    assert key.kty == COSEKTY.EC2
    assert f"id: {registration['rawId']}" in entry
    jwk = json.loads(re.search(r"publicKey: (\{.*\})", entry).group(1))
    assert jwk == {"kty": "EC", "crv": "P-256", "x": base64.urlsafe_b64encode(key.x).rstrip(b"=").decode(),
                   "y": base64.urlsafe_b64encode(key.y).rstrip(b"=").decode()}
    assert 'name: "Chromium"' in entry and "transports: [internal]" in entry

    # Nothing works until a config lists it.
    browser.delete_all_cookies()
    browser.get(f"{deployment.base}/demo/")
    browser.find_element(By.LINK_TEXT, "Sign in with Permiso Demo").click()
    wait_for(browser, "input#username")
    assert not browser.find_elements(By.CSS_SELECTOR, "#passkey-button")

    deployment.list_passkeys([entry])
    record_fixture("es256", deployment, registration)


def test_eddsa_and_rs256_credentials_enrol_too(deployment, browser):
    # Signed in again with every factor alice now has: the password, then the listed passkey.
    browser.delete_all_cookies()
    browser.get(f"{deployment.base}/account/passkeys")
    wait_for(browser, "input#username").send_keys("alice")
    browser.find_element(By.ID, "password").send_keys("alice-password")
    browser.find_element(By.CSS_SELECTOR, "form[action='/account/login'] button[type=submit]").click()
    wait_for(browser, "form[action='/login/passkey'] #passkey-button").click()
    wait_for(browser, "form[data-passkey=create]")
    # The authenticator holding the listed passkey makes no second one (excludeCredentials).
    browser.find_element(By.ID, "name").send_keys("Again")
    browser.find_element(By.ID, "passkey-button").click()
    assert "The passkey was not used" in wait_for(browser, "[data-passkey-error]").text

    # Other authenticators, one per algorithm; then the first one back, with its credential.
    saved = browser.get_credentials()
    browser.remove_virtual_authenticator()
    entries = list(deployment.entries)
    for algorithm, kty in (("-8", "OKP"), ("-257", "RSA")):
        browser.add_virtual_authenticator(authenticator_options())
        entry, registration = enrol(browser, deployment, f"Key {algorithm}", algorithms=algorithm)
        browser.remove_virtual_authenticator()
        verified = verify_registration_response(
            credential=registration, expected_challenge=decode(registration["challenge"]),
            expected_origin=deployment.base, expected_rp_id="localhost",
        )
        assert decode_credential_public_key(verified.credential_public_key).kty == (COSEKTY.OKP if kty == "OKP" else COSEKTY.RSA)
        assert f'"kty": "{kty}"' in entry
        entries.append(entry)
        record_fixture(kty.lower(), deployment, registration)
    browser.add_virtual_authenticator(authenticator_options())
    for credential in saved:
        browser.add_credential(credential)
    deployment.list_passkeys(entries)


def test_sign_in_with_a_passkey_without_a_username(deployment, browser):
    sign_out(browser, deployment)
    browser.find_element(By.LINK_TEXT, "Sign in with Permiso Demo").click()
    button = wait_for(browser, "#passkey-button")
    assert button.text == "Sign in with a passkey"
    shot(browser, "23-login-with-passkey")
    browser.execute_script(CAPTURE)
    challenge = browser.find_element(By.CSS_SELECTOR, "form[data-passkey=get]").get_attribute("data-challenge")
    button.click()
    claims = wait_for(browser, "pre.claims").text
    assert '"sub" : "alice"' in claims
    assert re.search(r'"amr" : \[\s*"hwk",\s*"user",\s*"mfa"\s*\]', claims), claims
    assert '"acr" : "urn:permiso:acr:mfa"' in claims

    assertion = captured(browser, "assertion")
    entry = next(e for e in deployment.entries if assertion["rawId"] in e)
    verified = verify_authentication_response(
        credential=assertion, expected_challenge=decode(challenge), expected_origin=deployment.base,
        expected_rp_id="localhost", credential_public_key=cose_key(entry), credential_current_sign_count=0,
        require_user_verification=True,
    )
    assert verified.new_sign_count >= 1
    record_fixture("assertion", deployment, {**assertion, "challenge": challenge, "entry": entry})


def test_a_passkey_as_the_second_factor(deployment, browser):
    sign_out(browser, deployment)
    browser.find_element(By.LINK_TEXT, "Sign in with Permiso Demo").click()
    wait_for(browser, "input#username").send_keys("alice")
    browser.find_element(By.ID, "password").send_keys("alice-password")
    password_form = browser.find_element(By.CSS_SELECTOR, "form[action='/login']")
    password_form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # The sign-in page has a #passkey-button of its own: wait for the next page first.
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(password_form))
    button = wait_for(browser, "#passkey-button")
    assert button.text == "Use a passkey"
    assert not browser.find_elements(By.ID, "code"), "alice has no authenticator app: no code field"
    shot(browser, "24-second-factor-passkey")
    button.click()
    claims = wait_for(browser, "pre.claims").text
    assert re.search(r'"amr" : \[\s*"pwd",\s*"hwk",\s*"user",\s*"mfa"\s*\]', claims), claims


def test_a_credential_removed_from_the_config_stops_working(deployment, browser):
    first = deployment.entries[0]
    deployment.list_passkeys([])
    sign_out(browser, deployment)
    browser.find_element(By.LINK_TEXT, "Sign in with Permiso Demo").click()
    wait_for(browser, "input#username")
    assert not browser.find_elements(By.CSS_SELECTOR, "#passkey-button"), "no passkeys listed: no button"
    # Listed again but under another id: the browser's credential is unknown, and refused.
    deployment.list_passkeys([re.sub(r"id: (\S+)", "id: AAAAAAAAAAAAAAAAAAAAAA", first, count=1)])
    sign_out(browser, deployment)
    browser.find_element(By.LINK_TEXT, "Sign in with Permiso Demo").click()
    wait_for(browser, "#passkey-button").click()
    alert = wait_for(browser, "[role=alert]")
    assert "This passkey cannot be used to sign in here" in alert.text
    assert "not (or no longer) in the config" in deployment.permiso.log_path.read_text()
    shot(browser, "25-passkey-refused")


def cose_key(entry: str) -> bytes:
    """The COSE form of an entry's ES256 JWK, as `webauthn` takes it."""
    import cbor2

    jwk = json.loads(re.search(r"publicKey: (\{.*\})", entry).group(1))
    return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: decode(jwk["x"]), -3: decode(jwk["y"])})


def record_fixture(name: str, deployment, value: dict) -> None:
    """With PERMISO_RECORD_PASSKEYS=folder, keeps what the browser sent as a known-answer
    vector for the Swift tests (Tests/PermisoCoreTests/Fixtures/chromium-passkeys.json)."""
    folder = os.environ.get("PERMISO_RECORD_PASSKEYS")
    if not folder:
        return
    path = Path(folder) / "chromium-passkeys.json"
    recorded = json.loads(path.read_text()) if path.exists() else {}
    recorded[name] = {**value, "origin": deployment.base, "rpID": "localhost"}
    path.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")

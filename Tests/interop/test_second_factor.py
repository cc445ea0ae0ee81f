"""A TOTP second factor as a user meets it: `permiso totp enroll` prints a secret, its
otpauth:// URI and a QR code; an independent TOTP implementation (pyotp) reads the URI, the
terminal QR code decodes (zbar) to the same URI, and the code pyotp computes signs alice in
through the real pages of a running release binary."""

import base64
import json
import re
import time
import urllib.parse

import pyotp
import pytest
import requests
from PIL import Image
from pyzbar import pyzbar

from conftest import Permiso, example_config, free_port, run_permiso

CALLBACK = "http://127.0.0.1:8080/demo/callback"


def terminal_qr(text: str) -> Image.Image:
    """The QR code `permiso totp enroll` drew with half blocks, as an image zbar can read:
    each character is two modules stacked (█ both light, ▀ light over dark, ▄ dark over
    light, space both dark)."""
    lines = [line for line in text.splitlines() if line and set(line) <= set("█▀▄ ")]
    rows: list[list[bool]] = []
    for line in lines:
        rows.append([c in "█▀" for c in line])  # upper module light?
        rows.append([c in "█▄" for c in line])  # lower module light?
    scale = 6
    image = Image.new("L", (len(rows[0]) * scale, len(rows) * scale), 255)
    for y, row in enumerate(rows):
        for x, light in enumerate(row):
            if not light:
                image.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    return image


@pytest.fixture
def enrolled(tmp_path):
    port = free_port()
    config = example_config(tmp_path, f"http://127.0.0.1:{port}")
    result = run_permiso("totp", "enroll", "alice", "--config", str(config), "--secret-file", "secrets/alice.totp")
    uri = re.search(r"otpauth://totp/\S+", result.stdout).group(0)
    return tmp_path, config, result.stdout, uri, port


def test_enroll_prints_a_uri_pyotp_reads_and_a_qr_code_that_decodes_to_it(enrolled):
    folder, _, output, uri, _ = enrolled
    totp = pyotp.parse_uri(uri)
    assert totp.name == "alice" and totp.issuer == "Permiso Demo" and totp.digits == 6 and totp.interval == 30
    secret_file = folder / "secrets" / "alice.totp"
    assert secret_file.read_text().strip() == totp.secret and oct(secret_file.stat().st_mode & 0o777) == "0o600"
    decoded = pyzbar.decode(terminal_qr(output))
    assert [symbol.data.decode() for symbol in decoded] == [uri]
    # With --secret-file, the secret itself is printed only inside the URI and the QR code.
    assert "secret: ./secrets/alice.totp" in output and output.count(totp.secret) == 1


def test_enroll_refuses_an_unknown_user_and_an_existing_secret_file(enrolled):
    folder, config, _, _, _ = enrolled
    unknown = run_permiso("totp", "enroll", "mallory", "--config", str(config), check=False)
    assert unknown.returncode != 0 and "no user mallory" in unknown.stderr
    again = run_permiso("totp", "enroll", "alice", "--config", str(config), "--secret-file", "secrets/alice.totp", check=False)
    assert again.returncode != 0 and "exists" in again.stderr
    assert (folder / "secrets" / "alice.totp").read_text().strip() != ""


def test_the_code_pyotp_computes_signs_alice_in_with_mfa(enrolled):
    _, config, _, uri, port = enrolled
    # The lines the command printed, added under alice as an operator would.
    config.write_text(config.read_text().replace(
        "  - username: alice\n", "  - username: alice\n    totp:\n      secret: ./secrets/alice.totp\n", 1))
    server = Permiso(config, port=port)
    try:
        browser = requests.Session()
        query = urllib.parse.urlencode({"client_id": "demo", "redirect_uri": CALLBACK, "response_type": "code",
                                        "scope": "openid email", "state": "s"})
        login = browser.get(f"{server.base}/oauth/authorize?{query}", allow_redirects=False, timeout=10)
        tx = re.search(r'name="tx" value="([^"]+)"', login.text).group(1)
        form = browser.post(f"{server.base}/login", data={"tx": tx, "username": "alice", "password": "alice-password"},
                            allow_redirects=False, timeout=10)
        assert form.status_code == 200 and "Enter your code" in form.text, form.text[:300]
        tx = re.search(r'name="tx" value="([^"]+)"', form.text).group(1)
        wrong = browser.post(f"{server.base}/login/code", data={"tx": tx, "code": "12345"}, allow_redirects=False, timeout=10)
        assert wrong.status_code == 401
        done = browser.post(f"{server.base}/login/code", data={"tx": tx, "code": pyotp.parse_uri(uri).now()},
                            allow_redirects=False, timeout=10)
        assert done.status_code == 303, done.text[:300]
        code = urllib.parse.parse_qs(urllib.parse.urlparse(done.headers["Location"]).query)["code"][0]
        tokens = requests.post(f"{server.base}/oauth/token", auth=("demo", "demo-secret"), timeout=10, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK}).json()
        payload = tokens["id_token"].split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        assert claims["amr"] == ["pwd", "otp", "mfa"] and claims["sub"] == "alice"
    finally:
        server.stop()


def test_recovery_codes_generate_and_each_signs_in_once(enrolled):
    _, config, _, uri, port = enrolled
    config.write_text(config.read_text().replace(
        "  - username: alice\n", "  - username: alice\n    totp:\n      secret: ./secrets/alice.totp\n", 1))
    output = run_permiso("recovery-codes", "generate", "alice", "--config", str(config)).stdout
    codes = re.findall(r"^  ([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})$", output, re.M)
    assert len(codes) == 10 and len(set(codes)) == 10
    lines = output[output.index("    recoveryCodes:"):]
    assert all(code not in lines for code in codes), "the config lines hold hashes only"
    config.write_text(config.read_text().replace("      secret: ./secrets/alice.totp\n",
                                                 "      secret: ./secrets/alice.totp\n" + lines, 1))
    assert run_permiso("check", "--config", str(config), check=False).returncode == 0
    server = Permiso(config, port=port)
    try:
        def second_factor(session):
            query = urllib.parse.urlencode({"client_id": "demo", "redirect_uri": CALLBACK, "response_type": "code",
                                            "scope": "openid", "state": "s"})
            login = session.get(f"{server.base}/oauth/authorize?{query}", allow_redirects=False, timeout=10)
            tx = re.search(r'name="tx" value="([^"]+)"', login.text).group(1)
            form = session.post(f"{server.base}/login", data={"tx": tx, "username": "alice", "password": "alice-password"},
                                allow_redirects=False, timeout=10)
            assert "Use a recovery code" in form.text
            return re.search(r'name="tx" value="([^"]+)"', form.text).group(1)

        browser = requests.Session()
        done = browser.post(f"{server.base}/login/code", data={"tx": second_factor(browser), "recovery_code": codes[3]},
                            allow_redirects=False, timeout=10)
        assert done.status_code == 303 and "code=" in done.headers["Location"]
        other = requests.Session()
        replay = other.post(f"{server.base}/login/code", data={"tx": second_factor(other), "recovery_code": codes[3]},
                            allow_redirects=False, timeout=10)
        assert replay.status_code == 401 and "already used" in replay.text
        log = server.log_path.read_text()
        assert "recovery code used" in log and "4 of 10" in log and codes[3] not in log
    finally:
        server.stop()


def test_authlib_sees_amr_and_acr_and_a_client_requiring_mfa_never_gets_a_password_only_token(enrolled):
    """Authlib as the relying party of a client with requireMFA: alice (mfa: optional) gets a
    token only after the code, with amr and acr saying so; a password-only session is
    refused silently (interaction_required) and bob, with no second factor, is denied."""
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.jose import JsonWebKey, jwt
    from authlib.oidc.core import CodeIDToken

    _, config, _, uri, port = enrolled
    text = config.read_text().replace(
        "  - username: alice\n", "  - username: alice\n    mfa: optional\n    totp:\n      secret: ./secrets/alice.totp\n", 1)
    text = text.replace("  - id: demo\n", "  - id: demo\n    requireMFA: true\n", 1)
    text = text.replace("http://127.0.0.1:8080", f"http://127.0.0.1:{port}")
    config.write_text(text)
    server = Permiso(config, port=port)
    callback = f"{server.base}/demo/callback"
    try:
        def client():
            return OAuth2Session("demo", "demo-secret", redirect_uri=callback, scope="openid", code_challenge_method="S256")

        def password(browser, url):
            login = browser.get(url, allow_redirects=False, timeout=10)
            tx = re.search(r'name="tx" value="([^"]+)"', login.text).group(1)
            return browser.post(f"{server.base}/login", data={"tx": tx, "username": "alice", "password": "alice-password"},
                                allow_redirects=False, timeout=10)

        rp, browser, verifier, nonce = client(), requests.Session(), "V" * 64, "n-" + "x" * 16
        url, _ = rp.create_authorization_url(f"{server.base}/oauth/authorize", code_verifier=verifier, nonce=nonce)
        form = password(browser, url)
        assert form.status_code == 200 and "Enter your code" in form.text, "the client needs mfa: the code is asked"
        tx = re.search(r'name="tx" value="([^"]+)"', form.text).group(1)
        done = browser.post(f"{server.base}/login/code", data={"tx": tx, "code": pyotp.parse_uri(uri).now()},
                            allow_redirects=False, timeout=10)
        token = rp.fetch_token(f"{server.base}/oauth/token", authorization_response=done.headers["Location"],
                               code_verifier=verifier)
        jwks = JsonWebKey.import_key_set(requests.get(f"{server.base}/.well-known/jwks.json", timeout=5).json())
        claims = jwt.decode(token["id_token"], jwks, claims_cls=CodeIDToken,
                            claims_params={"nonce": nonce, "client_id": "demo", "access_token": token["access_token"]})
        claims.validate()
        assert claims["amr"] == ["pwd", "otp", "mfa"] and claims["acr"] == "urn:permiso:acr:mfa"

        # A password-only session (from a client that needs no more) is not enough, silently or not.
        weak = requests.Session()
        plain = urllib.parse.urlencode({"client_id": "cli", "redirect_uri": "http://127.0.0.1/callback",
                                        "response_type": "code", "scope": "openid", "state": "s",
                                        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                                        "code_challenge_method": "S256"})
        consent = password(weak, f"{server.base}/oauth/authorize?{plain}")
        weak.post(f"{server.base}/consent", data={"tx": re.search(r'name="tx" value="([^"]+)"', consent.text).group(1),
                                                  "decision": "allow"}, allow_redirects=False, timeout=10)
        silent, _ = client().create_authorization_url(f"{server.base}/oauth/authorize", code_verifier=verifier,
                                                       nonce=nonce, prompt="none")
        refused = weak.get(silent, allow_redirects=False, timeout=10)
        error = urllib.parse.parse_qs(urllib.parse.urlparse(refused.headers["Location"]).query)
        assert error["error"] == ["interaction_required"] and "code" not in error
        stepped = weak.get(client().create_authorization_url(f"{server.base}/oauth/authorize", code_verifier=verifier)[0],
                           allow_redirects=False, timeout=10)
        assert stepped.status_code == 200 and "Enter your code" in stepped.text, "interactively, the session steps up"

        # bob has no second factor: denied, not signed in with less.
        bob = requests.Session()
        login = bob.get(client().create_authorization_url(f"{server.base}/oauth/authorize", code_verifier=verifier)[0],
                        allow_redirects=False, timeout=10)
        tx = re.search(r'name="tx" value="([^"]+)"', login.text).group(1)
        denied = bob.post(f"{server.base}/login", data={"tx": tx, "username": "bob", "password": "bob-password"},
                          allow_redirects=False, timeout=10)
        location = urllib.parse.parse_qs(urllib.parse.urlparse(denied.headers.get("Location", "")).query)
        assert location.get("error") == ["access_denied"] and "code" not in location, denied.text[:300]
    finally:
        server.stop()


def test_pyotp_codes_replayed_two_steps_old_or_wrong_are_refused_and_wrong_ones_are_counted(enrolled):
    """pyotp as the authenticator app: the current code works once; the code of two steps
    ago does not; wrong codes count in the sign-in throttle until even the right one is
    refused from that address."""
    _, config, _, uri, port = enrolled
    config.write_text(config.read_text().replace(
        "  - username: alice\n", "  - username: alice\n    totp:\n      secret: ./secrets/alice.totp\n", 1))
    server = Permiso(config, port=port)
    totp = pyotp.parse_uri(uri)
    try:
        def code_form(session):
            query = urllib.parse.urlencode({"client_id": "demo", "redirect_uri": CALLBACK, "response_type": "code",
                                            "scope": "openid", "state": "s"})
            login = session.get(f"{server.base}/oauth/authorize?{query}", allow_redirects=False, timeout=10)
            tx = re.search(r'name="tx" value="([^"]+)"', login.text).group(1)
            form = session.post(f"{server.base}/login", data={"tx": tx, "username": "alice", "password": "alice-password"},
                                allow_redirects=False, timeout=10)
            return re.search(r'name="tx" value="([^"]+)"', form.text).group(1)

        def answer(session, tx, code):
            return session.post(f"{server.base}/login/code", data={"tx": tx, "code": code}, allow_redirects=False, timeout=10)

        # Far enough from a step boundary that "now" is one step throughout.
        if 30 - time.time() % 30 < 5:
            time.sleep(30 - time.time() % 30 + 0.5)
        first = requests.Session()
        current = totp.now()
        assert answer(first, code_form(first), current).status_code == 303
        second = requests.Session()
        replay = answer(second, code_form(second), current)
        assert replay.status_code == 401 and "already used" in replay.text
        old = answer(second, code_form(second), totp.at(time.time() - 60))
        assert old.status_code == 401, "two steps ago is outside the window"

        third = requests.Session()
        tx = code_form(third)
        for _ in range(8):  # with the refusals above: 10 on alice from this address
            wrong = answer(third, tx, "000000" if totp.now() != "000000" else "111111")
            assert wrong.status_code == 401
        throttled = answer(third, tx, totp.at(time.time() + 30))
        assert throttled.status_code == 401 and "Too many sign-in attempts" in throttled.text
    finally:
        server.stop()

"""OpenID Connect Back-Channel Logout 1.0 as relying parties meet it: a small RP on loopback
receives the logout tokens Permiso POSTs and validates them with joserfc (signature from the
JWKS, typ, events, no nonce, sid equal to the ID token's). Beside it, relying parties that
hang, answer 500, or are not there at all: the person's logout still completes within the
cap, and the deliveries are retried, then given up and logged. Signing in through one
instance and out through another tells every relying party of the session, since the
session's sealed cookie carries the list."""

import base64
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from cluster import Cluster
from conftest import Permiso, example_config, free_port

DEMO_SECRET_HASH = "$2b$10$w8DqfrQXk/VkhdQqzC2PdOXsOsC3s5hIB4E.cQQvED98nG5FI05aa"  # demo-secret


class Receiver:
    """Relying parties' back-channel endpoints on one loopback port: /ok records each body
    and answers 200, /error answers 500, /hang never answers in time."""

    def __init__(self):
        self.received: dict[str, list[str]] = {"/ok": [], "/error": [], "/hang": []}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                receiver.received.setdefault(self.path, []).append(body)
                assert self.headers["Content-Type"] == "application/x-www-form-urlencoded"
                if self.path == "/hang":
                    time.sleep(10)
                status = 500 if self.path == "/error" else 200
                self.send_response(status)
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tokens(self, path: str) -> list[str]:
        return [urllib.parse.parse_qs(body)["logout_token"][0] for body in self.received[path]]


@pytest.fixture
def deployment(tmp_path):
    receiver = Receiver()
    unreachable = free_port()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = example_config(tmp_path, base)
    text = config.read_text().replace("http://127.0.0.1:8080", base)
    text = text.replace("  - id: demo\n", f"  - id: demo\n    backchannelLogoutURI: http://127.0.0.1:{receiver.port}/ok\n"
                                          "    backchannelLogoutSessionRequired: true\n", 1)
    extra = "".join(
        f"  - id: {name}\n    secretHash: \"{DEMO_SECRET_HASH}\"\n    redirectURIs: [http://127.0.0.1:{receiver.port}/cb]\n"
        f"    firstParty: true\n    backchannelLogoutURI: {uri}\n"
        for name, uri in (("hangs", f"http://127.0.0.1:{receiver.port}/hang"),
                          ("fails", f"http://127.0.0.1:{receiver.port}/error"),
                          ("gone", f"http://127.0.0.1:{unreachable}/logout")))
    text = text.replace("\nclients:\n", "\nclients:\n" + extra, 1)
    config.write_text(text)
    first = Permiso(config, port, log=tmp_path / "first.log")
    second = Permiso(config, free_port(), log=tmp_path / "second.log")
    yield first, second, receiver
    first.stop()
    second.stop()
    receiver.server.shutdown()


def sign_in(browser: requests.Session, server: Permiso, client: str, redirect: str) -> str:
    """The code for `client`, signing in as alice if the browser has no session yet."""
    query = urllib.parse.urlencode({"client_id": client, "redirect_uri": redirect, "response_type": "code",
                                    "scope": "openid", "state": "s"})
    page = browser.get(f"{server.base}/oauth/authorize?{query}", allow_redirects=False, timeout=10)
    if page.status_code == 200:
        tx = __import__("re").search(r'name="tx" value="([^"]+)"', page.text).group(1)
        page = browser.post(f"{server.base}/login", data={"tx": tx, "username": "alice", "password": "alice-password"},
                            allow_redirects=False, timeout=10)
    assert page.status_code in (302, 303), page.text[:300]
    return urllib.parse.parse_qs(urllib.parse.urlparse(page.headers["Location"]).query)["code"][0]


def payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_every_relying_party_of_the_session_is_told_and_slow_ones_delay_nobody(deployment):
    first, second, receiver = deployment
    browser = requests.Session()
    demo_redirect = f"{first.base}/demo/callback"
    code = sign_in(browser, first, "demo", demo_redirect)
    tokens = requests.post(f"{first.base}/oauth/token", auth=("demo", "demo-secret"), timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": demo_redirect}).json()
    for client in ("hangs", "fails", "gone"):
        sign_in(browser, first, client, f"http://127.0.0.1:{receiver.port}/cb")

    # Signed out at the other instance: the cookie alone says whom to tell.
    started = time.monotonic()
    logout = browser.get(f"{second.base}/oauth/logout", params={"id_token_hint": tokens["id_token"]},
                         allow_redirects=False, timeout=20)
    elapsed = time.monotonic() - started
    assert logout.status_code == 200 and "You are signed out" in logout.text
    assert elapsed < 3, f"the logout waited {elapsed:.1f}s on relying parties; the cap is 1.5s"

    # The one that works got one token, valid as joserfc reads it.
    assert len(receiver.tokens("/ok")) == 1
    token = receiver.tokens("/ok")[0]
    keys = KeySet.import_key_set(requests.get(f"{first.base}/.well-known/jwks.json", timeout=5).json())
    decoded = jwt.decode(token, keys)
    assert decoded.header["typ"] == "logout+jwt"
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": first.base}, aud={"essential": True, "value": "demo"},
                          jti={"essential": True}).validate(decoded.claims)
    claims = decoded.claims
    assert claims["events"] == {"http://schemas.openid.net/event/backchannel-logout": {}}
    assert "nonce" not in claims and claims["sub"] == "alice"
    assert claims["sid"] == payload(tokens["id_token"])["sid"], "sid is the ID token's"

    # The failing ones are retried (three attempts), then given up and logged, not shown.
    deadline = time.monotonic() + 20
    log = second.log_path
    while log.read_text().count("back-channel logout not delivered") < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    text = log.read_text()
    assert text.count("back-channel logout not delivered") == 3, text[-3000:]
    assert len(receiver.received["/error"]) == 3 and len(receiver.received["/hang"]) == 3
    assert tokens["id_token"] not in text and token not in text, "no token in the log"

    # The session is over everywhere: a silent authorization at either instance asks to sign in.
    for server in (first, second):
        query = urllib.parse.urlencode({"client_id": "demo", "redirect_uri": demo_redirect, "response_type": "code",
                                        "scope": "openid", "prompt": "none"})
        silent = browser.get(f"{server.base}/oauth/authorize?{query}", allow_redirects=False, timeout=10)
        assert "error=login_required" in silent.headers["Location"]


def test_another_user_signing_in_ends_the_previous_session_and_tells_its_relying_parties(deployment):
    first, _, receiver = deployment
    browser = requests.Session()
    sign_in(browser, first, "demo", f"{first.base}/demo/callback")
    # bob signs in on the same browser (prompt=login): alice's session ends as a logout would.
    query = urllib.parse.urlencode({"client_id": "demo", "redirect_uri": f"{first.base}/demo/callback",
                                    "response_type": "code", "scope": "openid", "prompt": "login"})
    page = browser.get(f"{first.base}/oauth/authorize?{query}", allow_redirects=False, timeout=10)
    tx = __import__("re").search(r'name="tx" value="([^"]+)"', page.text).group(1)
    done = browser.post(f"{first.base}/login", data={"tx": tx, "username": "bob", "password": "bob-password"},
                        allow_redirects=False, timeout=10)
    assert done.status_code == 303
    tokens = receiver.tokens("/ok")
    assert len(tokens) == 1 and payload(tokens[0])["sub"] == "alice"


def test_through_nginx_signed_in_at_one_instance_and_out_at_another(tmp_path):
    receiver = Receiver()
    cluster = Cluster(tmp_path, count=2, edit=lambda text: text.replace(
        "  - id: demo\n", f"  - id: demo\n    backchannelLogoutURI: http://127.0.0.1:{receiver.port}/ok\n", 1))
    try:
        browser = requests.Session()
        redirect = "http://127.0.0.1:8080/demo/callback"  # as registered; the browser never follows it
        query = urllib.parse.urlencode({"client_id": "demo", "redirect_uri": redirect, "response_type": "code",
                                        "scope": "openid", "state": "s"})
        page = browser.get(f"{cluster.base}/oauth/authorize?{query}", allow_redirects=False, timeout=10)
        tx = __import__("re").search(r'name="tx" value="([^"]+)"', page.text).group(1)
        done = browser.post(f"{cluster.base}/login", data={"tx": tx, "username": "alice", "password": "alice-password"},
                            allow_redirects=False, timeout=10)
        assert done.status_code == 303
        signed_in_at = cluster.upstream(done)
        # Round robin: keep asking until the logout lands on the other instance.
        for _ in range(6):
            out = browser.get(f"{cluster.base}/oauth/logout", allow_redirects=False, timeout=10)
            if cluster.upstream(out) != signed_in_at:
                break
        assert cluster.upstream(out) != signed_in_at and out.status_code == 200
        tx = __import__("re").search(r'name="logout_tx" value="([^"]+)"', out.text)
        assert tx, out.text[:500]
        tx = tx.group(1)
        for _ in range(6):
            confirmed = browser.post(f"{cluster.base}/oauth/logout", data={"logout_tx": tx}, allow_redirects=False, timeout=10)
            if cluster.upstream(confirmed) != signed_in_at:
                break
        assert cluster.upstream(confirmed) != signed_in_at and "You are signed out" in confirmed.text
        tokens = receiver.tokens("/ok")
        assert len(tokens) == 1 and payload(tokens[0])["sub"] == "alice"
    finally:
        cluster.stop()
        receiver.server.shutdown()

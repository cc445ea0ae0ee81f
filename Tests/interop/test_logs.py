"""What `permiso serve --log-format json --log-level debug` writes over a whole run of flows:
every line one JSON object, a line per request with its route, status, duration and request
id, and none of the values the run sent or received — passwords, client secrets, codes,
tokens, cookies, form transactions."""

import json
import re
import urllib.parse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

import sent_values
from conftest import Permiso, example_config, free_port
from test_code_flow import browse_to_callback

REDIRECT = "http://127.0.0.1:43210/callback"


def test_json_logs_of_a_whole_run_hold_no_secret(tmp_path):
    port = free_port()
    config = example_config(tmp_path, f"http://127.0.0.1:{port}")
    log = tmp_path / "serve.log"
    permiso = Permiso(config, port, args=("--log-format", "json", "--log-level", "debug"), log=log)
    sent: set[str] = {"alice-password", "demo-secret", "service-secret", "api-secret", "wrong-password-7"}
    try:
        browser = requests.Session()
        client = OAuth2Session("cli", redirect_uri=REDIRECT, scope="openid email offline_access",
                               code_challenge_method="S256", token_endpoint_auth_method="none")
        verifier = "L" * 64
        url, state = client.create_authorization_url(permiso.url("/oauth/authorize"), code_verifier=verifier, nonce="n" * 20)
        login = browser.get(url, timeout=5)
        sent.add(re.search(r'name="tx" value="([^"]*)"', login.text).group(1))
        callback = browse_to_callback(browser, permiso.base, url)
        sent.add(urllib.parse.parse_qs(urllib.parse.urlparse(callback).query)["code"][0])
        token = client.fetch_token(permiso.url("/oauth/token"), authorization_response=callback, code_verifier=verifier)
        refreshed = client.refresh_token(permiso.url("/oauth/token"), refresh_token=token["refresh_token"])
        for issued in (token, refreshed):
            sent.update(issued[kind] for kind in ("access_token", "refresh_token", "id_token"))
        sent.update(cookie.value for cookie in browser.cookies)
        bearer = {"Authorization": f"Bearer {refreshed['access_token']}"}
        assert requests.get(permiso.url("/oauth/userinfo"), headers=bearer, timeout=5).status_code == 200
        introspected = requests.post(permiso.url("/oauth/introspect"), data={"token": refreshed["access_token"]},
                                     auth=("api", "api-secret"), timeout=5)
        assert introspected.json()["active"] is True
        assert client.revoke_token(permiso.url("/oauth/revoke"), token=refreshed["refresh_token"]).status_code == 200
        service = requests.post(permiso.url("/oauth/token"), timeout=5, data={
            "grant_type": "client_credentials", "client_id": "service", "client_secret": "service-secret"}).json()
        sent.add(service["access_token"])
        # A failed sign-in and a failed client authentication, with their wrong secrets.
        page = requests.Session()
        form = page.get(url, timeout=5)
        tx = re.search(r'name="tx" value="([^"]*)"', form.text).group(1)
        sent.add(tx)
        page.post(permiso.url("/login"), data={"tx": tx, "username": "alice", "password": "wrong-password-7"}, timeout=5)
        requests.post(permiso.url("/oauth/token"), auth=("demo", "wrong-password-7"), timeout=5,
                      data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
        device = requests.post(permiso.url("/oauth/device/code"), data={"client_id": "cli", "scope": "openid"}, timeout=5).json()
        sent.update((device["device_code"], device["user_code"]))
    finally:
        permiso.stop()

    lines = log.read_text().splitlines()
    assert len(lines) > 15
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    requests_logged = [entry for entry in entries if entry["message"] == "request"]
    routes = {entry["route"] for entry in requests_logged}
    assert {"/oauth/authorize", "/login", "/oauth/token", "/oauth/userinfo", "/oauth/introspect", "/oauth/revoke",
            "/oauth/device/code"} <= routes
    for entry in requests_logged:
        assert {"time", "level", "hb.request.id", "method", "route", "status", "duration_ms"} <= set(entry), entry
    text = log.read_text()
    leaked = [value for value in sent if value and value in text]
    assert not leaked, f"values sent or received appear in the log: {[value[:12] + '…' for value in leaked]}"


@pytest.mark.after_all
def test_no_log_of_the_whole_interop_run_holds_a_value_it_sent_or_received():
    # The values every other test exchanged with Permiso (sent_values.py), against every log
    # every `permiso serve` of the run wrote, whatever its level and format.
    if len(sent_values.serve_logs) < 20:
        pytest.skip("reads the logs of the whole interop run: run Tests/interop")
    kinds = set(sent_values.seen.values())
    # The recorder saw each kind of secret, or this check would be empty.
    assert {"password", "client_secret", "code", "access_token", "refresh_token", "id_token", "cookie", "tx"} <= kinds, sorted(kinds)
    text = "\n".join(path.read_text(errors="replace") for path in sent_values.serve_logs if path.exists())
    assert len(text) > 10_000
    leaked = sorted(f"{kind} {value[:10]}…" for value, kind in sent_values.seen.items() if value in text)
    assert not leaked, f"{len(leaked)} of {len(sent_values.seen)} values appear in the serve logs: {leaked[:20]}"

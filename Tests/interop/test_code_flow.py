"""The authorization code flow with real relying-party libraries against running
`permiso serve` instances: Authlib builds the request and redeems the code, Authlib's OIDC
validator checks the ID token (signature, iss, aud, nonce, at_hash), and requests plays the
browser through the real login and consent forms."""

import re
import urllib.parse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken

from conftest import Permiso, free_port
from test_serve import write_config


@pytest.fixture
def instances(tmp_path):
    """Two instances with the same config and keys; the issuer is the first one's URL."""
    first_port, second_port = free_port(), free_port()
    config = write_config(tmp_path, first_port)
    started = [Permiso(config, first_port), Permiso(config, second_port)]
    yield started
    for instance in started:
        instance.stop()


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field in the page"
    return match.group(1)


def browse_to_callback(browser: requests.Session, base: str, authorize_url: str) -> str:
    """Log in as alice, allow consent, and return the redirect the browser would follow."""
    login = browser.get(authorize_url, allow_redirects=False)
    assert login.status_code == 200 and "Sign in" in login.text
    consent = browser.post(
        f"{base}/login", data={"tx": hidden(login.text, "tx"), "username": "alice", "password": "alice-password"},
        allow_redirects=False,
    )
    assert consent.status_code == 200 and "Allow Permiso CLI?" in consent.text
    done = browser.post(f"{base}/consent", data={"tx": hidden(consent.text, "tx"), "decision": "allow"}, allow_redirects=False)
    assert done.status_code == 303, "RFC 9700 §4.12: a redirect answering a POST is a 303"
    return done.headers["Location"]


def test_authlib_runs_the_code_flow_with_pkce_across_two_instances(instances):
    first, second = instances
    issuer = first.base
    client = OAuth2Session(
        "cli", redirect_uri="http://127.0.0.1:43210/callback", scope="openid email offline_access",
        code_challenge_method="S256", token_endpoint_auth_method="none",
    )
    verifier = "V" * 64
    nonce = "nonce-" + "x" * 16
    url, state = client.create_authorization_url(f"{first.base}/oauth/authorize", code_verifier=verifier, nonce=nonce)

    # The browser logs in at the first instance; the code is redeemed at the second.
    callback = browse_to_callback(requests.Session(), first.base, url)
    query = urllib.parse.parse_qs(urllib.parse.urlparse(callback).query)
    assert query["iss"] == [issuer] and query["state"] == [state]
    token = client.fetch_token(f"{second.base}/oauth/token", authorization_response=callback, code_verifier=verifier)
    assert {"access_token", "id_token", "refresh_token"} <= set(token)

    jwks = JsonWebKey.import_key_set(requests.get(f"{second.base}/.well-known/jwks.json", timeout=5).json())
    claims = jwt.decode(
        token["id_token"], jwks, claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": issuer}, "aud": {"essential": True, "value": "cli"}},
        claims_params={"nonce": nonce, "client_id": "cli", "access_token": token["access_token"]},
    )
    claims.validate()  # exp, iat, iss, aud, nonce, at_hash
    assert claims["sub"] == "alice" and claims["email"] == "alice@example.com"

    # userinfo at the first instance, a refresh at the second, and the old refresh token refused.
    userinfo = requests.get(f"{first.base}/oauth/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=5)
    assert userinfo.status_code == 200 and userinfo.json()["sub"] == "alice"
    refreshed = client.refresh_token(f"{second.base}/oauth/token", refresh_token=token["refresh_token"])
    assert refreshed["refresh_token"] != token["refresh_token"]
    # Replaying the rotated refresh token fails. (With the memory store each instance remembers
    # only its own redemptions; the Redis store of the device-grant issue shares them.)
    replay = requests.post(
        f"{second.base}/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"], "client_id": "cli"}, timeout=5,
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_a_code_is_single_use_on_one_instance(instances):
    first, _ = instances
    client = OAuth2Session(
        "cli", redirect_uri="http://127.0.0.1/callback", scope="openid", code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    verifier = "W" * 64
    url, _ = client.create_authorization_url(f"{first.base}/oauth/authorize", code_verifier=verifier)
    callback = browse_to_callback(requests.Session(), first.base, url)
    code = urllib.parse.parse_qs(urllib.parse.urlparse(callback).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "client_id": "cli", "redirect_uri": "http://127.0.0.1/callback"}
    wrong = requests.post(f"{first.base}/oauth/token", data={**form, "code_verifier": "X" * 64}, timeout=5)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    ok = requests.post(f"{first.base}/oauth/token", data={**form, "code_verifier": verifier}, timeout=5)
    assert ok.status_code == 200
    bearer = {"Authorization": f"Bearer {ok.json()['access_token']}"}
    assert requests.get(f"{first.base}/oauth/userinfo", headers=bearer, timeout=5).status_code == 200
    again = requests.post(f"{first.base}/oauth/token", data={**form, "code_verifier": verifier}, timeout=5)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    # RFC 6749 §4.1.2: the replay also revokes the access token the first redemption got.
    refused = requests.get(f"{first.base}/oauth/userinfo", headers=bearer, timeout=5)
    assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["WWW-Authenticate"]


def test_the_demo_app_signs_in_and_shows_the_id_token(instances):
    first, _ = instances
    browser = requests.Session()
    home = browser.get(f"{first.base}/demo/", timeout=5)
    assert home.status_code == 200
    login_url = re.search(r'href="([^"]*oauth/authorize[^"]*)"', home.text).group(1).replace("&amp;", "&")
    login = browser.get(login_url, allow_redirects=False)
    # demo is first-party: no consent page, straight back to its callback.
    done = browser.post(
        f"{first.base}/login", data={"tx": hidden(login.text, "tx"), "username": "alice", "password": "alice-password"},
        allow_redirects=False,
    )
    assert done.status_code == 303
    # The example config registers the demo's callback on port 8080; this instance runs elsewhere.
    location = urllib.parse.urlparse(done.headers["Location"])
    assert location.path == "/demo/callback"
    page = browser.get(f"{first.base}{location.path}?{location.query}", timeout=5)
    assert page.status_code == 200, page.text
    assert "Signed in" in page.text and "&quot;sub&quot; : &quot;alice&quot;" in page.text

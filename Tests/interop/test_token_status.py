"""Revocation (RFC 7009), introspection (RFC 7662) and operator revocation across two
`permiso serve` instances sharing one Redis: Authlib is the client that revokes its tokens
and the resource server that introspects them, joserfc checks the access token as a
resource server would offline, and `permiso revoke` writes the epochs an operator would."""

import os
import signal
import time
import urllib.parse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from cluster import Redis
from conftest import Permiso, example_config, free_port, run_permiso
from relying_party import save_log
from test_code_flow import browse_to_callback

REDIRECT = "http://127.0.0.1:43210/callback"


@pytest.fixture
def pair(tmp_path):
    """Two instances over one Redis; the issuer is the first one's URL."""
    redis = Redis(tmp_path)
    first_port = free_port()
    config = example_config(tmp_path, f"http://127.0.0.1:{first_port}", state_store="${REDIS_URL}")
    environment = {"REDIS_URL": f"redis://127.0.0.1:{redis.port}/0"}
    started = [Permiso(config, first_port, env=environment), Permiso(config, env=environment)]
    yield {"first": started[0], "second": started[1], "config": config, "env": environment, "folder": tmp_path}
    for instance in started:
        instance.stop()
        save_log(instance.log_path, f"token-status-{instance.port}")
    redis.stop()


def cli_tokens(first: Permiso, second: Permiso) -> tuple[OAuth2Session, dict]:
    """alice's tokens for the public client cli: signed in at the first instance, redeemed at the second."""
    client = OAuth2Session("cli", redirect_uri=REDIRECT, scope="openid email offline_access",
                           code_challenge_method="S256", token_endpoint_auth_method="none")
    verifier = "R" * 64
    url, _ = client.create_authorization_url(f"{first.base}/oauth/authorize", code_verifier=verifier)
    callback = browse_to_callback(requests.Session(), first.base, url)
    return client, client.fetch_token(f"{second.base}/oauth/token", authorization_response=callback, code_verifier=verifier)


def resource_server() -> OAuth2Session:
    """The example config's `api` client, which may introspect, as a resource server uses Authlib."""
    return OAuth2Session("api", "api-secret", token_endpoint_auth_method="client_secret_basic")


def introspect(instance: Permiso, token: str) -> dict:
    response = resource_server().introspect_token(instance.url("/oauth/introspect"), token=token)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    return response.json()


def userinfo(instance: Permiso, token: str) -> requests.Response:
    return requests.get(instance.url("/oauth/userinfo"), headers={"Authorization": f"Bearer {token}"}, timeout=5)


def refresh(instance: Permiso, token: str) -> requests.Response:
    return requests.post(instance.url("/oauth/token"), timeout=5,
                         data={"grant_type": "refresh_token", "refresh_token": token, "client_id": "cli"})


def test_authlib_revokes_its_refresh_token_at_one_instance_and_the_other_refuses_the_whole_grant(pair):
    first, second = pair["first"], pair["second"]
    client, token = cli_tokens(first, second)

    # The resource server's view: joserfc verifies the RFC 9068 token offline, introspection agrees.
    keys = KeySet.import_key_set(requests.get(first.url("/.well-known/jwks.json"), timeout=5).json())
    offline = jwt.decode(token["access_token"], keys)
    assert offline.header["typ"] == "at+jwt" and offline.claims["client_id"] == "cli"
    described = introspect(second, token["access_token"])
    assert described["active"] is True and described["sub"] == "alice" and described["client_id"] == "cli"
    assert described["jti"] == offline.claims["jti"] and described["exp"] == offline.claims["exp"]
    refresh_description = introspect(first, token["refresh_token"])
    assert refresh_description["active"] is True and "token_type" not in refresh_description

    revoked = client.revoke_token(first.url("/oauth/revoke"), token=token["refresh_token"], token_type_hint="refresh_token")
    assert revoked.status_code == 200 and revoked.text == ""

    for instance in (first, second):
        assert introspect(instance, token["refresh_token"]) == {"active": False}
        assert introspect(instance, token["access_token"]) == {"active": False}
        refused = userinfo(instance, token["access_token"])
        assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert refresh(second, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_an_access_token_revoked_at_one_instance_is_refused_at_the_other_and_nothing_else_is(pair):
    first, second = pair["first"], pair["second"]
    client, token = cli_tokens(first, second)
    assert client.revoke_token(second.url("/oauth/revoke"), token=token["access_token"]).status_code == 200
    assert userinfo(first, token["access_token"]).status_code == 401
    assert introspect(first, token["access_token"]) == {"active": False}
    # The refresh token of the grant still works, and so does its new access token.
    renewed = refresh(first, token["refresh_token"])
    assert renewed.status_code == 200
    assert userinfo(second, renewed.json()["access_token"]).status_code == 200


def test_negative_cases_introspection_without_permission_and_another_clients_token(pair):
    first, second = pair["first"], pair["second"]
    _, token = cli_tokens(first, second)
    # demo authenticates fine but may not introspect.
    demo = OAuth2Session("demo", "demo-secret", token_endpoint_auth_method="client_secret_basic")
    refused = demo.introspect_token(first.url("/oauth/introspect"), token=token["access_token"])
    assert refused.status_code == 400 and refused.json()["error"] == "unauthorized_client"
    anonymous = requests.post(first.url("/oauth/introspect"), data={"token": token["access_token"]}, timeout=5)
    assert anonymous.status_code == 401 and anonymous.json()["error"] == "invalid_client"
    # demo cannot revoke cli's tokens; they stay good.
    for kind in ("access_token", "refresh_token"):
        other = demo.revoke_token(second.url("/oauth/revoke"), token=token[kind])
        assert other.status_code == 400 and other.json()["error"] == "unauthorized_client"
    assert introspect(first, token["access_token"])["active"] is True
    assert refresh(second, token["refresh_token"]).status_code == 200


def test_permiso_revoke_subject_refuses_tokens_issued_before_it_on_every_instance(pair):
    first, second = pair["first"], pair["second"]
    _, before = cli_tokens(first, second)
    service = requests.post(first.url("/oauth/token"), timeout=5, data={
        "grant_type": "client_credentials", "client_id": "service", "client_secret": "service-secret"}).json()["access_token"]

    done = run_permiso("revoke", "--config", str(pair["config"]), "--subject", "alice", env=pair["env"])
    assert "Revoked every token and session of subject alice" in done.stdout
    assert refresh(second, before["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo(first, before["access_token"]).status_code == 401
    assert introspect(second, before["access_token"]) == {"active": False}
    assert introspect(first, service)["active"] is True, "another subject's token is untouched"

    done = run_permiso("revoke", "--config", str(pair["config"]), "--client", "service", env=pair["env"])
    assert introspect(second, service) == {"active": False}

    # A sign-in after the epoch is good again (it reaches two seconds ahead, for clock differences).
    time.sleep(3.1)
    _, after = cli_tokens(first, second)
    assert userinfo(second, after["access_token"]).status_code == 200
    assert refresh(first, after["refresh_token"]).status_code == 200


def test_permiso_revoke_session_ends_that_session_everywhere(pair):
    first, second = pair["first"], pair["second"]
    _, token = cli_tokens(first, second)
    sid = introspect(first, token["access_token"])  # introspection does not expose sid; the ID token does
    assert sid["active"] is True
    keys = KeySet.import_key_set(requests.get(first.url("/.well-known/jwks.json"), timeout=5).json())
    session = jwt.decode(token["id_token"], keys).claims["sid"]
    run_permiso("revoke", "--config", str(pair["config"]), "--session", session, env=pair["env"])
    assert introspect(second, token["refresh_token"]) == {"active": False}
    assert refresh(first, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_user_disabled_in_the_config_is_refused_after_a_reload(pair):
    first, second = pair["first"], pair["second"]
    _, token = cli_tokens(first, second)
    config = pair["config"]
    text = config.read_text()
    config.write_text(text.replace("  - username: alice\n", "  - username: alice\n    disabled: true\n", 1))
    run_permiso("check", "--config", str(config), env=pair["env"])
    for instance in (first, second):
        instance.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while introspect(first, token["access_token"])["active"] and time.monotonic() < deadline:
        time.sleep(0.1)
    while introspect(second, token["access_token"])["active"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert refresh(second, token["refresh_token"]).json()["error"] == "invalid_grant"
    assert userinfo(first, token["access_token"]).status_code == 401
    # Signing in is refused like a wrong password.
    page = requests.get(first.url("/oauth/authorize?" + urllib.parse.urlencode({
        "client_id": "demo", "response_type": "code", "scope": "openid",
        "redirect_uri": "http://127.0.0.1:8080/demo/callback", "state": "s"})), timeout=5)
    tx = page.text.split('name="tx" value="', 1)[1].split('"', 1)[0]
    login = requests.post(first.url("/login"), data={"tx": tx, "username": "alice", "password": "alice-password"},
                          cookies=page.cookies, allow_redirects=False, timeout=5)
    assert login.status_code != 303 and "The username or password is incorrect." in login.text


def test_permiso_revoke_needs_a_shared_store(tmp_path):
    config = example_config(tmp_path, "http://127.0.0.1:8080")
    refused = run_permiso("revoke", "--config", str(config), "--subject", "alice", check=False)
    assert refused.returncode == 2 and "stateStore is memory" in refused.stderr
    # Ids may begin with "-" (a session id is base64url): still the option's value.
    dashed = run_permiso("revoke", "--config", str(config), "--session", "-bRCcVZcxSXYt", check=False)
    assert dashed.returncode == 2 and "stateStore is memory" in dashed.stderr, dashed.stderr
    both = run_permiso("revoke", "--config", str(config), "--subject", "alice", "--client", "demo", check=False)
    assert both.returncode == 2 and "exactly one" in both.stderr
    # An unreachable Redis is one clear line, without the URL's password.
    environment = {**os.environ, "REDIS_URL": f"redis://:hunter2@127.0.0.1:{free_port()}/0"}
    unreachable = example_config(tmp_path, "http://127.0.0.1:8080", state_store="${REDIS_URL}")
    down = run_permiso("revoke", "--config", str(unreachable), "--client", "demo", check=False, env=environment)
    assert down.returncode == 2 and "run the command again" in down.stderr and "hunter2" not in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1, down.stderr

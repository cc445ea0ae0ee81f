"""The OpenID Foundation's Back-Channel OP plan
(oidcc-backchannel-rp-initiated-logout-certification-test-plan), mirrored module by module:
discovery, then RP-initiated logout with the relying party's back-channel endpoint on
loopback, checking the POST and its logout token as the plan's conditions do, the
post-logout redirect, and that a prompt=none authorization needs the user again."""

import secrets
import time
import urllib.parse

import pytest
from joserfc import jwt

from relying_party import Callback, Provider, RelyingParty
from test_backchannel_logout import Receiver

LOGGED_OUT = "https://rp.example.com/logged-out"
SECRET_HASH = "$2b$04$7f692JpBtB2PI6Znh0KdwuBDfQ.MKmh3bVUwgeACvvTn3O5E4ajGa"  # conformance-secret
EVENT = "http://schemas.openid.net/event/backchannel-logout"


@pytest.fixture(scope="module")
def receiver():
    started = Receiver()
    yield started
    started.server.shutdown()


@pytest.fixture(scope="module")
def provider(tmp_path_factory, receiver):
    started = Provider(tmp_path_factory.mktemp("conformance-backchannel"), extra_clients=f"""  - id: conformance-backchannel
    secretHash: "{SECRET_HASH}"
    redirectURIs: [https://rp.example.com/callback]
    postLogoutRedirectURIs: [{LOGGED_OUT}]
    scopes: [openid]
    firstParty: true
    backchannelLogoutURI: http://127.0.0.1:{receiver.port}/ok
    backchannelLogoutSessionRequired: true
""")
    yield started
    started.stop()


def end_session_state() -> str:
    """The module's state: 50 of RFC 6749's VSCHAR, with '+', ' ' and ';' replaced by '~'."""
    characters = "".join(chr(c) for c in range(0x20, 0x7F))
    return "".join(secrets.choice(characters) for _ in range(50)).replace("+", "~").replace(" ", "~").replace(";", "~")


def test_oidcc_backchannel_logout_discovery_endpoint_verification(provider):
    discovery = provider.discovery
    assert discovery["backchannel_logout_supported"] is True
    assert discovery["backchannel_logout_session_supported"] is True
    # The plan wants https endpoints; here the issuer is loopback http, so every endpoint is under it.
    for name in [key for key in discovery if key.endswith("_endpoint")] + ["end_session_endpoint"]:
        assert discovery[name].startswith(discovery["issuer"] + "/"), name


def test_oidcc_backchannel_rp_initiated_logout(provider, receiver):
    rp = RelyingParty(provider, client_id="conformance-backchannel")
    callback = rp.sign_in(state=secrets.token_urlsafe(96)[:128])
    tokens = rp.tokens(callback)
    assert rp.userinfo(tokens["access_token"]).status_code == 200
    before = len(receiver.tokens("/ok"))
    state = end_session_state()
    url = provider.discovery["end_session_endpoint"] + "?" + urllib.parse.urlencode(
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGGED_OUT, "state": state})
    response = rp.browser.get(url, allow_redirects=False, timeout=10)

    # The back-channel POST: only logout_token, a signed JWT with the plan's claims.
    bodies = receiver.received["/ok"][before:]
    assert len(bodies) == 1 and set(urllib.parse.parse_qs(bodies[0])) == {"logout_token"}  # unexpected parameters
    decoded = jwt.decode(receiver.tokens("/ok")[-1], provider.keys)  # ValidateLogoutTokenSignature
    claims = decoded.claims
    assert claims["iss"] == provider.discovery["issuer"]
    assert claims["aud"] == rp.client_id or (isinstance(claims["aud"], list) and rp.client_id in claims["aud"])
    assert time.time() - 86_400 < claims["iat"] <= time.time() + 300
    assert claims["jti"]
    assert claims["events"] == {EVENT: {}}
    assert claims["sub"] == tokens["claims"]["sub"] and claims["sid"] == tokens["claims"]["sid"]
    assert "nonce" not in claims

    # The post-logout redirect: state, and nothing else.
    assert response.status_code == 302
    location = urllib.parse.urlparse(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == LOGGED_OUT
    assert urllib.parse.parse_qs(location.query) == {"state": [state]}

    # Signed out: prompt=none needs the user, with the error's own checks.
    again = Callback(rp.authorize(prompt="none", state=secrets.token_urlsafe(96)[:128]))
    rp.check_callback(again)
    assert "code" not in again.params
    assert again["error"] in ("interaction_required", "login_required", "account_selection_required", "consent_required")

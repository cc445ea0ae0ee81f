"""The OpenID Foundation's Front-Channel OP plan
(oidcc-frontchannel-rp-initiated-logout-certification-test-plan), mirrored module by module.
The browser's part is played here: after RP-initiated logout, the signed-out page's frames
are loaded as a browser would (a GET of each `src`), the relying party's front-channel
request is checked as the plan's conditions do (iss and sid only, iss the issuer, sid the ID
token's), then the page's way on is followed to the post-logout redirect."""

import html
import re
import secrets
import urllib.parse

import pytest
import requests

from relying_party import Callback, Provider, RelyingParty
from test_conformance_backchannel import LOGGED_OUT, SECRET_HASH, end_session_state

FRONT_CHANNEL = "https://rp.example.com/frontchannel_logout"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    started = Provider(tmp_path_factory.mktemp("conformance-frontchannel"), extra_clients=f"""  - id: conformance-frontchannel
    secretHash: "{SECRET_HASH}"
    redirectURIs: [https://rp.example.com/callback]
    postLogoutRedirectURIs: [{LOGGED_OUT}]
    scopes: [openid]
    firstParty: true
    frontchannelLogoutURI: {FRONT_CHANNEL}
    frontchannelLogoutSessionRequired: true
""")
    yield started
    started.stop()


def test_oidcc_frontchannel_logout_discovery_endpoint_verification(provider):
    response = requests.get(provider.base + "/.well-known/openid-configuration", timeout=5)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    discovery = response.json()
    assert discovery["frontchannel_logout_supported"] is True
    assert discovery["frontchannel_logout_session_supported"] is True
    assert discovery["end_session_endpoint"].startswith(discovery["issuer"] + "/")


def test_oidcc_frontchannel_rp_initiated_logout(provider):
    rp = RelyingParty(provider, client_id="conformance-frontchannel")
    tokens = rp.tokens(rp.sign_in(state=secrets.token_urlsafe(96)[:128]))
    assert rp.userinfo(tokens["access_token"]).status_code == 200
    state = end_session_state()
    url = provider.discovery["end_session_endpoint"] + "?" + urllib.parse.urlencode(
        {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": LOGGED_OUT, "state": state})
    page = rp.browser.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 200

    # The frame a browser loads: the relying party's front-channel URI with iss and sid.
    frames = [html.unescape(src) for src in re.findall(r'<iframe src="([^"]+)" class="frontchannel"', page.text)]
    assert len(frames) == 1
    frame = urllib.parse.urlparse(frames[0])
    assert f"{frame.scheme}://{frame.netloc}{frame.path}" == FRONT_CHANNEL
    query = urllib.parse.parse_qs(frame.query)
    assert set(query) <= {"iss", "sid"}  # CheckForUnexpectedParametersInFrontchannelLogoutRequest
    assert query["iss"] == [provider.discovery["issuer"]]  # ValidateFrontchannelLogoutIss
    assert query["sid"] == [tokens["claims"]["sid"]]  # CheckIdTokenSidMatchesFrontChannelLogoutRequest
    directives = dict(part.strip().split(" ", 1) for part in page.headers["Content-Security-Policy"].split(";"))
    assert directives["frame-src"] == "https://rp.example.com", "exactly the framed origin"
    refresh = html.unescape(re.search(r'<meta http-equiv="refresh" content="([^"]+)">', page.text).group(1))

    # The page's way on: the post-logout redirect with state, and nothing else.
    link = html.unescape(re.search(r'<a class="button" href="([^"]+)" data-continue>', page.text).group(1))
    assert refresh == "3;url=" + link, "the refresh goes where the link does"
    location = urllib.parse.urlparse(link)
    assert f"{location.scheme}://{location.netloc}{location.path}" == LOGGED_OUT
    assert urllib.parse.parse_qs(location.query) == {"state": [state]}

    again = Callback(rp.authorize(prompt="none", state=secrets.token_urlsafe(96)[:128]))
    rp.check_callback(again)
    assert "code" not in again.params
    assert again["error"] in ("interaction_required", "login_required", "account_selection_required", "consent_required")

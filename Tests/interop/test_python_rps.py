"""Two more independent relying-party libraries drive Permiso: pyoidc (`oic`) runs the whole
code flow — provider config, authorization request, token request with its own ID token
validation against the JWKS, userinfo — and idpyoidc verifies the provider configuration,
the token response's ID token and the userinfo response with its message classes. Tokens
are also checked with jwcrypto, a third JOSE library beside joserfc and Authlib.

Both libraries refuse an http issuer in discovery (pyoidc always, idpyoidc unless
`allow_http`): pyoidc is handed the configuration document read over http, idpyoidc
verifies it with `allow_http=True`; test_static_site.py has pyoidc discover over TLS."""

import json
import re
import urllib.parse

import pytest
import requests
from idpyoidc.client.client_auth import ClientSecretBasic  # noqa: F401 (import proves the library loads)
from idpyoidc.message.oidc import AccessTokenResponse, OpenIDSchema
from idpyoidc.message.oidc import ProviderConfigurationResponse as IdpyProviderConfiguration
from cryptojwt.key_jar import KeyJar
from jwcrypto import jwk as jwcrypto_jwk
from jwcrypto import jwt as jwcrypto_jwt
from oic.oic import Client as PyoidcClient
from oic.oic.message import AuthorizationResponse, ProviderConfigurationResponse, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD

from relying_party import PASSWORD, REDIRECT, SECRET, Provider, RelyingParty


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    started = Provider(tmp_path_factory.mktemp("python-rps"))
    yield started
    started.stop()


def follow_login(browser: requests.Session, provider: Provider, url: str) -> str:
    """Plays the browser: the login form, then the redirect back to the client."""
    page = browser.get(url, allow_redirects=False, timeout=10)
    tx = re.search(r'name="tx" value="([^"]*)"', page.text).group(1)
    done = browser.post(provider.base + "/login", data={"tx": tx, "username": "conformance", "password": PASSWORD},
                        allow_redirects=False, timeout=10)
    assert done.status_code == 303, done.text[:300]
    return done.headers["Location"]


def test_pyoidc_runs_the_code_flow_and_calls_userinfo(provider):
    client = PyoidcClient(client_authn_method=CLIENT_AUTHN_METHOD)
    configuration = ProviderConfigurationResponse(**requests.get(provider.base + "/.well-known/openid-configuration", timeout=5).json())
    client.handle_provider_config(configuration, provider.base)
    client.store_registration_info(RegistrationResponse(client_id="conformance", client_secret=SECRET, redirect_uris=[REDIRECT]))
    client.redirect_uris = [REDIRECT]
    state, nonce = "pyoidc-state", "pyoidc-nonce"
    request = client.construct_AuthorizationRequest(request_args={
        "client_id": "conformance", "response_type": "code", "scope": ["openid", "email", "profile"],
        "state": state, "nonce": nonce, "redirect_uri": REDIRECT})
    location = follow_login(requests.Session(), provider, request.request(provider.discovery["authorization_endpoint"]))
    response = client.parse_response(AuthorizationResponse, info=urllib.parse.urlparse(location).query, sformat="urlencoded")
    assert response["state"] == state and "code" in response

    # pyoidc fetches the JWKS itself and validates the ID token (signature, iss, aud, nonce, exp).
    tokens = client.do_access_token_request(state=state, request_args={"code": response["code"], "redirect_uri": REDIRECT},
                                            authn_method="client_secret_basic")
    id_token = tokens["id_token"]
    assert id_token["sub"] == "conformance" and id_token["nonce"] == nonce and id_token["aud"] == ["conformance"]
    userinfo = client.do_user_info_request(state=state)
    assert userinfo["sub"] == "conformance" and userinfo["email"] == "connie@example.com" and userinfo["name"] == "Connie Formance"


def test_idpyoidc_verifies_the_configuration_the_token_response_and_userinfo(provider):
    document = requests.get(provider.base + "/.well-known/openid-configuration", timeout=5).json()
    configuration = IdpyProviderConfiguration(**document)
    assert configuration.verify(allow_http=True)

    keyjar = KeyJar()
    keyjar.import_jwks(requests.get(document["jwks_uri"], timeout=5).json(), document["issuer"])
    rp = RelyingParty(provider)
    body = rp.redeem(rp.sign_in(scope="openid email")).json()
    response = AccessTokenResponse(**body)
    # verify() decodes the ID token and checks its signature with the issuer's keys, iss and aud.
    assert response.verify(keyjar=keyjar, iss=document["issuer"], client_id="conformance", skew=5)
    assert response["__verified_id_token"]["sub"] == "conformance"
    userinfo = OpenIDSchema(**rp.userinfo(body["access_token"]).json())
    assert userinfo.verify() and userinfo["email"] == "connie@example.com"


def test_jwcrypto_verifies_id_and_access_tokens_against_the_jwks(provider):
    keys = jwcrypto_jwk.JWKSet.from_json(requests.get(provider.discovery["jwks_uri"], timeout=5).text)
    rp = RelyingParty(provider)
    body = rp.redeem(rp.sign_in(scope="openid email")).json()
    id_token = jwcrypto_jwt.JWT(jwt=body["id_token"], key=keys, expected_type="JWS",
                                check_claims={"iss": provider.base, "aud": "conformance", "exp": None})
    assert json.loads(id_token.claims)["sub"] == "conformance"
    access = jwcrypto_jwt.JWT(jwt=body["access_token"], key=keys, expected_type="JWS", check_claims={"iss": provider.base, "exp": None})
    assert json.loads(access.header)["typ"] == "at+jwt"
    assert json.loads(access.claims)["client_id"] == "conformance"
    # A token with one changed byte in its signature does not verify.
    forged = body["access_token"][:-3] + ("AAA" if not body["access_token"].endswith("AAA") else "BBB")
    with pytest.raises(Exception):
        jwcrypto_jwt.JWT(jwt=forged, key=keys, expected_type="JWS")

"""APIs as config (RFC 8707 resource indicators, RFC 9728 metadata) through real clients:
Authlib asks for a token for an API at the authorization and token endpoints and with
client credentials; joserfc checks the access token's audience as that API would; the
metadata `permiso build` writes is read back, and the one at the issuer's origin is served."""

import json
import urllib.parse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from conftest import Permiso, example_config, free_port, run_permiso
from relying_party import save_log
from test_code_flow import browse_to_callback

EXAMPLE_API = "http://127.0.0.1:8080/api"
REDIRECT = "http://127.0.0.1:43210/callback"


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The example config, plus a reports API at the issuer's own origin; cli may ask for both."""
    folder = tmp_path_factory.mktemp("resources")
    port = free_port()
    config = example_config(folder, f"http://127.0.0.1:{port}", extra_scope="  reports:read:\n    description: Read reports\n")
    text = config.read_text()
    text = text.replace("\nresources:\n", f"\nresources:\n  - id: http://127.0.0.1:{port}/reports\n    scopes: [reports:read]\n", 1)
    text = text.replace("    scopes: [openid, profile, email, offline_access]\n    idTokenSignedResponseAlg: ES256\n",
                        "    scopes: [openid, profile, email, offline_access, api:read, reports:read]\n    idTokenSignedResponseAlg: ES256\n"
                        f"    resources: [{EXAMPLE_API}, http://127.0.0.1:{port}/reports]\n", 1)
    config.write_text(text)
    started = Permiso(config, port)
    yield {"permiso": started, "config": config, "folder": folder, "reports": f"http://127.0.0.1:{port}/reports"}
    started.stop()
    save_log(started.log_path, "resources")


def keys(permiso: Permiso) -> KeySet:
    return KeySet.import_key_set(requests.get(permiso.url("/.well-known/jwks.json"), timeout=5).json())


def audience_checked(permiso: Permiso, token: str, audience: str) -> dict:
    """What the API itself does: verify the RFC 9068 token offline and insist on its own aud."""
    decoded = jwt.decode(token, keys(permiso))
    assert decoded.header["typ"] == "at+jwt"
    jwt.JWTClaimsRegistry(iss={"essential": True, "value": permiso.base},
                          aud={"essential": True, "value": audience}).validate(decoded.claims)
    return decoded.claims


def sign_in(permiso: Permiso, scope: str, resources: list[str], **token_args) -> dict:
    client = OAuth2Session("cli", redirect_uri=REDIRECT, scope=scope, code_challenge_method="S256",
                           token_endpoint_auth_method="none")
    verifier = "Q" * 64
    url, _ = client.create_authorization_url(permiso.url("/oauth/authorize"), code_verifier=verifier)
    url += "".join("&resource=" + urllib.parse.quote(resource, safe="") for resource in resources)
    callback = browse_to_callback(requests.Session(), permiso.base, url)
    return client.fetch_token(permiso.url("/oauth/token"), authorization_response=callback, code_verifier=verifier, **token_args)


def test_authlib_gets_a_token_for_one_api_and_refreshes_it_for_another(provider):
    permiso, reports = provider["permiso"], provider["reports"]
    token = sign_in(permiso, "openid api:read reports:read offline_access", [EXAMPLE_API, reports], resource=EXAMPLE_API)
    claims = audience_checked(permiso, token["access_token"], EXAMPLE_API)
    assert claims["scope"] == "api:read" and token["scope"] == "api:read" and token["expires_in"] == 300
    # The reports API refuses it: joserfc sees another audience.
    with pytest.raises(Exception):
        audience_checked(permiso, token["access_token"], reports)
    # Userinfo is a resource of its own.
    refused = requests.get(permiso.url("/oauth/userinfo"), headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=5)
    assert refused.status_code == 401 and "another resource" in refused.headers["WWW-Authenticate"]

    client = OAuth2Session("cli", token_endpoint_auth_method="none")
    refreshed = client.refresh_token(permiso.url("/oauth/token"), refresh_token=token["refresh_token"], resource=reports)
    assert audience_checked(permiso, refreshed["access_token"], reports)["scope"] == "reports:read"
    # Naming none of the two the grant holds is refused: each token is for one API.
    again = requests.post(permiso.url("/oauth/token"), timeout=5, data={
        "grant_type": "refresh_token", "refresh_token": refreshed["refresh_token"], "client_id": "cli"})
    assert again.status_code == 400 and again.json()["error"] == "invalid_target"


def test_client_credentials_with_a_resource(provider):
    permiso = provider["permiso"]
    service = OAuth2Session("service", "service-secret", token_endpoint_auth_method="client_secret_post")
    token = service.fetch_token(permiso.url("/oauth/token"), grant_type="client_credentials", resource=EXAMPLE_API)
    assert audience_checked(permiso, token["access_token"], EXAMPLE_API)["client_id"] == "service"
    # Introspection reports the audience, as the API would want to check it.
    described = requests.post(permiso.url("/oauth/introspect"), data={"token": token["access_token"]},
                              auth=("api", "api-secret"), timeout=5).json()
    assert described["active"] is True and described["aud"] == EXAMPLE_API


def test_unknown_and_forbidden_resources_are_invalid_target(provider):
    permiso = provider["permiso"]
    form = {"grant_type": "client_credentials", "client_id": "service", "client_secret": "service-secret"}
    for resource in ("https://unknown.example.com/api", provider["reports"] + "#fragment", "not a uri"):
        answer = requests.post(permiso.url("/oauth/token"), data={**form, "resource": resource}, timeout=5)
        assert answer.status_code == 400 and answer.json()["error"] == "invalid_target", resource
        assert resource not in answer.text, "the description never echoes the value"
    # demo may ask for no API: the authorization request is redirected with invalid_target.
    query = urllib.parse.urlencode({"client_id": "demo", "response_type": "code", "scope": "openid", "state": "st",
                                    "redirect_uri": "http://127.0.0.1:8080/demo/callback", "resource": EXAMPLE_API})
    answer = requests.get(permiso.url("/oauth/authorize?" + query), allow_redirects=False, timeout=5)
    assert answer.status_code in (302, 303)
    location = urllib.parse.parse_qs(urllib.parse.urlparse(answer.headers["Location"]).query)
    assert location["error"] == ["invalid_target"] and location["state"] == ["st"]


def test_protected_resource_metadata_is_built_and_the_one_at_the_issuers_origin_served(provider):
    permiso, folder = provider["permiso"], provider["folder"]
    run_permiso("build", "--config", str(provider["config"]), "--out", str(folder / "site"), cwd=folder)
    # The example API lives at another origin than this issuer: a folder of its own to publish there.
    elsewhere = folder / "site" / "resources" / "127.0.0.1_8080"
    metadata = json.loads((elsewhere / ".well-known" / "oauth-protected-resource" / "api").read_text())
    assert metadata == {"resource": EXAMPLE_API, "authorization_servers": [permiso.base], "scopes_supported": ["api:read"],
                        "bearer_methods_supported": ["header"], "resource_name": "Example API"}
    assert "/.well-known/oauth-protected-resource/api\n  Content-Type: application/json" in (elsewhere / "_headers").read_text()
    # The reports API shares the issuer's origin: permiso serve answers its metadata with the built bytes.
    served = requests.get(permiso.url("/.well-known/oauth-protected-resource/reports"), timeout=5)
    assert served.status_code == 200 and served.headers["Content-Type"] == "application/json"
    assert served.headers["Access-Control-Allow-Origin"] == "*"
    built = folder / "site" / ".well-known" / "oauth-protected-resource" / "reports"
    assert served.content == built.read_bytes()
    assert served.json()["resource"] == provider["reports"]
    discovery = requests.get(permiso.url("/.well-known/openid-configuration"), timeout=5).json()
    assert discovery["protected_resources"] == [provider["reports"], EXAMPLE_API]

"""The OpenID Foundation's Config OP plan (oidcc-config-certification-test-plan) has one
module, oidcc-discovery-endpoint-verification, which runs every check below against the
discovery document. It insists that every endpoint is https, so it runs against the
deployment users publish: `permiso build`'s site served by nginx over TLS (test CA)."""

import re
import urllib.parse

import requests

from test_static_site import cdn, get  # noqa: F401 (the fixture)

LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def test_oidcc_discovery_endpoint_verification(cdn):  # noqa: F811
    response = get(cdn, "/.well-known/openid-configuration")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    metadata = response.json()

    # Response types for a static client: code, and no implicit or hybrid (OAuth 2.1).
    assert "code" in metadata["response_types_supported"]
    # The discovery URL is the issuer's, and the issuer is a valid https URL without query or fragment.
    assert metadata["issuer"] == cdn["issuer"]
    issuer = urllib.parse.urlparse(metadata["issuer"])
    assert issuer.scheme == "https" and not issuer.query and not issuer.fragment
    assert set(metadata["subject_types_supported"]) <= {"public", "pairwise"} and metadata["subject_types_supported"]
    algorithms = metadata["id_token_signing_alg_values_supported"]
    assert "RS256" in algorithms and "none" not in algorithms
    if "userinfo_signing_alg_values_supported" in metadata:
        assert "none" not in metadata["userinfo_signing_alg_values_supported"]
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert metadata[name].startswith("https://"), name
    assert "registration_endpoint" not in metadata  # static clients only

    # The JWKS: public keys only, each with a kid, no duplicates, no symmetric keys.
    keys = requests.get(metadata["jwks_uri"], verify=cdn["ca"], timeout=10).json()["keys"]
    kids = [key["kid"] for key in keys]
    assert len(kids) == len(set(kids)) and all(kids)
    for key in keys:
        assert key["kty"] in ("RSA", "EC", "OKP")
        assert not {"d", "p", "q", "dp", "dq", "qi", "k"} & set(key), f"private or symmetric members in {key['kid']}"
        assert key.get("use", "sig") == "sig"

    # Request objects and the claims parameter are not supported, and say so.
    assert metadata.get("request_parameter_supported", False) is False
    assert metadata.get("request_uri_parameter_supported", True) is False
    assert metadata.get("claims_parameter_supported", False) is False
    assert "sub" in metadata["claims_supported"]  # recommended (a warning in the module when missing)
    assert "authorization_code" in metadata["grant_types_supported"]
    assert "openid" in metadata["scopes_supported"]
    assert all(" " not in scope and scope for scope in metadata["scopes_supported"])
    for name in ("ui_locales_supported", "claims_locales_supported"):
        assert all(LOCALE.match(locale) for locale in metadata.get(name, []))

    # Every endpoint the document names is https.
    for name, value in metadata.items():
        if name.endswith("_endpoint") or name.endswith("_uri"):
            assert value.startswith("https://"), name
    assert isinstance(metadata["code_challenge_methods_supported"], list)
    assert metadata["code_challenge_methods_supported"] == ["S256"]

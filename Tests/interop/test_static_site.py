"""`permiso build`'s output as a user deploys it: served by nginx over TLS with the generated
snippet, then read by independent libraries: Authlib and pyoidc (discovery), joserfc (JWKS)."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
import requests
import yaml
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from authlib.oidc.discovery import OpenIDProviderMetadata
from joserfc.jwk import KeySet
from oic.oic import Client as PyoidcClient

from conftest import ROOT, Nginx, free_port, run_permiso


@pytest.fixture(scope="module")
def cdn(tmp_path_factory, test_ca):
    """The example config with an https issuer on a loopback port, built and served by nginx."""
    folder = tmp_path_factory.mktemp("cdn")
    port = free_port()
    issuer = f"https://127.0.0.1:{port}"
    config = (ROOT / "permiso.yaml").read_text()
    config = re.sub(r"^issuer: .*$", f"issuer: {issuer}", config, count=1, flags=re.M)
    config = re.sub(r"^keys: .*$", f"keys: {ROOT / 'keys'}", config, count=1, flags=re.M)
    (folder / "permiso.yaml").write_text(config)
    run_permiso("build", "--config", str(folder / "permiso.yaml"), "--out", str(folder / "site"))
    site = folder / "site"
    server = Nginx(folder, site, port, f"include {site / 'nginx.conf'};", tls=test_ca)
    yield {"issuer": issuer, "site": site, "ca": str(test_ca["ca"])}
    server.stop()


def get(cdn, path):
    return requests.get(cdn["issuer"] + path, verify=cdn["ca"], timeout=10)


@pytest.mark.parametrize(
    "path,max_age",
    [
        ("/.well-known/openid-configuration", 3600),
        ("/.well-known/oauth-authorization-server", 3600),
        ("/.well-known/jwks.json", 300),
    ],
)
def test_nginx_serves_each_file_with_its_headers(cdn, path, max_age):
    response = get(cdn, path)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == f"public, max-age={max_age}"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.content == (cdn["site"] / path.lstrip("/")).read_bytes()


@pytest.mark.parametrize("path", ["/_headers", "/nginx.conf"])
def test_host_configuration_is_not_served(cdn, path):
    assert get(cdn, path).status_code == 404


def test_authlib_validates_the_discovery_document(cdn):
    document = get(cdn, "/.well-known/openid-configuration").json()
    metadata = OpenIDProviderMetadata(document)
    metadata.validate()  # raises on any violation of OIDC Discovery 1.0
    assert metadata["issuer"] == cdn["issuer"]
    AuthorizationServerMetadata(get(cdn, "/.well-known/oauth-authorization-server").json()).validate()


def test_joserfc_reads_the_jwks_and_agrees_on_every_kid(cdn):
    jwks = get(cdn, "/.well-known/jwks.json").json()
    key_set = KeySet.import_key_set(jwks)
    assert len(key_set.keys) == len(jwks["keys"]) == 8
    for key, raw in zip(key_set.keys, jwks["keys"]):
        # An independent RFC 7638 implementation must compute the same kid.
        assert key.thumbprint() == raw["kid"]
        assert not key.is_private
        for member in ("d", "p", "q", "dp", "dq", "qi", "k"):
            assert member not in raw
    assert {raw["alg"] for raw in jwks["keys"]} == {"RS256", "PS256", "ES256", "EdDSA"}


def test_pyoidc_loads_the_provider_configuration_and_keys(cdn):
    client = PyoidcClient(verify_ssl=cdn["ca"])
    response = client.provider_config(cdn["issuer"])
    # pyoidc verifies the document, checks that its issuer matches, and loads the JWKS.
    assert response["issuer"] == cdn["issuer"]
    assert client.token_endpoint == cdn["issuer"] + "/oauth/token"
    kids = {key.kid for key in client.keyjar.get_issuer_keys(cdn["issuer"])}
    published = get(cdn, "/.well-known/jwks.json").json()["keys"]
    # pyoidc's key library (pyjwkest) predates RFC 8037 and skips OKP (Ed25519) keys; it loads all the others.
    assert kids == {raw["kid"] for raw in published if raw["kty"] in ("RSA", "EC")}
    assert len(kids) == 6


def test_the_example_config_matches_the_committed_schema():
    schema = json.loads((ROOT / "permiso.schema.json").read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    config = yaml.safe_load((ROOT / "permiso.yaml").read_text())
    jsonschema.Draft7Validator(schema).validate(config)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate({**config, "isuer": "typo"})


def test_bcrypt_from_pyca_verifies_a_hash_permiso_made():
    import bcrypt

    hashed = run_permiso("hash-password", "--cost", "4", cwd=ROOT, check=True, input_text="tr0ub4dor&3").stdout.strip()
    assert bcrypt.checkpw(b"tr0ub4dor&3", hashed.encode())
    assert not bcrypt.checkpw(b"tr0ub4dor&4", hashed.encode())

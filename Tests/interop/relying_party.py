"""A small relying party for the conformance mirrors: it plays the browser through the
login form and checks every answer the way the OpenID conformance suite's conditions do
(state echoed, iss per RFC 9207, error_description's charset per RFC 6749 §5.2, ID token
signature and claims with joserfc against the JWKS)."""

import base64
import hashlib
import html
import re
import secrets
import time
import urllib.parse
from pathlib import Path

import requests
from joserfc import jwt
from joserfc.jwk import KeySet

from conftest import ROOT, Permiso, free_port

REDIRECT = "https://rp.example.com/callback"
PASSWORD = "conformance-password"
SECRET = "conformance-secret"
# RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E.
DESCRIPTION = re.compile(r'^[\x20-\x21\x23-\x5B\x5D-\x7E]*$')


def save_log(path: Path, name: str) -> None:
    """Keeps a server's log with the screenshots, as a test artifact."""
    folder = ROOT / "test-artifacts" / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    if path.exists():
        (folder / name).write_bytes(path.read_bytes())


class Provider:
    """`permiso serve` on Tests/interop/conformance.yaml, on a loopback port."""

    def __init__(self, folder: Path, extra_clients: str = "", response_mode: str | None = None):
        """`response_mode`: what every relying party of this provider asks for (the form_post
        plan sends response_mode=form_post on every authorization request)."""
        self.folder = folder
        self.response_mode = response_mode
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        config = (ROOT / "Tests" / "interop" / "conformance.yaml").read_text()
        config = config.replace("issuer: ISSUER", f"issuer: {self.base}").replace("keys: KEYS", f"keys: {ROOT / 'keys'}")
        config = config.replace("\nclients:\n", "\nclients:\n" + extra_clients, 1)
        (folder / "conformance.yaml").write_text(config)
        self.server = Permiso(folder / "conformance.yaml", self.port, log=folder / "serve.log")
        self.discovery = requests.get(self.base + "/.well-known/openid-configuration", timeout=5).json()
        self.keys = KeySet.import_key_set(requests.get(self.discovery["jwks_uri"], timeout=5).json())

    def stop(self) -> None:
        self.server.stop()
        save_log(self.server.log_path, f"serve-{self.folder.name}.log")


class Callback:
    """The authorization response the browser was redirected with, or, with form_post, the
    self-submitting form it was handed (OAuth 2.0 Form Post Response Mode §2)."""

    def __init__(self, response: requests.Response):
        if response.status_code == 200 and 'id="response"' in response.text:
            self.read_form_post(response)
            return
        # 302 answering a GET, 303 answering a POST (RFC 9700 §4.12).
        assert response.status_code in (302, 303), f"expected a redirect, got {response.status_code}: {response.text[:300]}"
        self.location = response.headers["Location"]
        parsed = urllib.parse.urlparse(self.location)
        self.target = f"{parsed.scheme}://{parsed.netloc}{parsed.path}"
        self.params = {key: values[0] for key, values in urllib.parse.parse_qs(parsed.query).items()}
        self.method = "GET"

    def read_form_post(self, response: requests.Response) -> None:
        """What the browser will POST, checked as the form_post plan's callback conditions do:
        a POST (CheckCallbackHttpMethodIsPost) with the form encoding's content type
        (CheckCallbackContentTypeIsFormUrlEncoded: a form without enctype), and no code or
        error in the URL query (RejectAuthCodeInUrlQuery, RejectErrorInUrlQuery)."""
        form = re.search(r'<form method="(\w+)" action="([^"]*)" id="response"([^>]*)>(.*?)</form>', response.text, re.S)
        assert form, response.text[:300]
        self.method = form.group(1).upper()
        assert self.method == "POST" and "enctype" not in form.group(3)
        self.location = html.unescape(form.group(2))
        parsed = urllib.parse.urlparse(self.location)
        self.target = f"{parsed.scheme}://{parsed.netloc}{parsed.path}"
        query = urllib.parse.parse_qs(parsed.query)
        assert "code" not in query and "error" not in query, self.location
        self.params = {html.unescape(name): html.unescape(value)
                       for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form.group(4))}
        # The page's only script submits the form, and is allowed by a nonce (docs/SECURITY.md "Browser").
        assert re.search(r"<script nonce=\"[^\"]+\">document.getElementById\(\"response\"\).submit\(\)</script>", response.text)

    def __getitem__(self, name: str) -> str:
        return self.params[name]

    def get(self, name: str, default=None):
        return self.params.get(name, default)


class RelyingParty:
    def __init__(self, provider: Provider, client_id: str = "conformance", auth: str = "basic"):
        self.provider = provider
        self.client_id = client_id
        self.auth = auth
        self.browser = requests.Session()
        self.state = self.nonce = None

    # -- the authorization endpoint --------------------------------------------------

    def authorize(self, method: str = "GET", **changes) -> requests.Response:
        """Sends an authorization request: response_type=code, scope openid, fresh state and
        nonce, the first redirect URI; `changes` add parameters, or drop them when None."""
        self.state, self.nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        params = {"response_type": "code", "client_id": self.client_id, "redirect_uri": REDIRECT, "scope": "openid",
                  "state": self.state, "nonce": self.nonce}
        if self.provider.response_mode:
            params["response_mode"] = self.provider.response_mode
        params.update(changes)
        params = {key: value for key, value in params.items() if value is not None}
        self.state, self.nonce = params.get("state"), params.get("nonce")
        url = self.provider.discovery["authorization_endpoint"]
        if method == "POST":
            return self.browser.post(url, data=params, allow_redirects=False, timeout=10)
        return self.browser.get(url + "?" + urllib.parse.urlencode(params), allow_redirects=False, timeout=10)

    def log_in(self, page: requests.Response, username: str = "conformance") -> requests.Response:
        assert page.status_code == 200 and 'name="password"' in page.text, page.text[:300]
        tx = re.search(r'name="tx" value="([^"]*)"', page.text).group(1)
        return self.browser.post(self.provider.base + "/login", data={"tx": tx, "username": username, "password": PASSWORD},
                                 allow_redirects=False, timeout=10)

    def sign_in(self, **changes) -> Callback:
        """The whole front channel: authorize, log in if asked, return the checked callback."""
        response = self.authorize(**changes)
        if response.status_code == 200:
            response = self.log_in(response)
        callback = Callback(response)
        self.check_callback(callback)
        return callback

    def check_callback(self, callback: Callback) -> None:
        if self.provider.response_mode == "form_post":
            # The form_post plan's CheckCallbackHttpMethodIsPost: errors come back that way too.
            assert callback.method == "POST", f"a {callback.method} callback: {callback.location}"
        assert callback.get("state") == self.state
        assert callback.get("iss") == self.provider.discovery["issuer"]  # RFC 9207, advertised in discovery
        if "error" in callback.params:
            assert DESCRIPTION.match(callback.get("error_description", "")), callback.params

    # -- the token and userinfo endpoints --------------------------------------------

    def token(self, form: dict) -> requests.Response:
        form = dict(form)
        auth = None
        if self.auth == "basic":
            auth = (self.client_id, SECRET)
        else:
            form.update({"client_id": self.client_id, "client_secret": SECRET})
        return requests.post(self.provider.discovery["token_endpoint"], data=form, auth=auth, timeout=10)

    def redeem(self, callback: Callback, redirect_uri: str = REDIRECT) -> requests.Response:
        return self.token({"grant_type": "authorization_code", "code": callback["code"], "redirect_uri": redirect_uri})

    def tokens(self, callback: Callback) -> dict:
        response = self.redeem(callback)
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"] == "no-store"
        body = response.json()
        assert body["token_type"] == "Bearer" and body["access_token"] and body["id_token"]
        body["claims"] = self.id_token(body["id_token"], body["access_token"])
        return body

    def id_token(self, token: str, access_token: str | None = None, refreshed: bool = False) -> dict:
        """Verifies an ID token as OIDC Core §3.1.3.7 says (§12.2 after a refresh) and returns its claims."""
        decoded = jwt.decode(token, self.provider.keys)
        claims = decoded.claims
        assert decoded.header["kid"] in {key.kid for key in self.provider.keys}
        assert claims["iss"] == self.provider.discovery["issuer"]
        assert claims["aud"] == self.client_id or self.client_id in claims["aud"]
        now = time.time()
        assert claims["iat"] <= now + 5 and claims["exp"] > now
        if refreshed:
            assert claims.get("nonce") in (None, self.nonce)  # §12.2: none, or the original one
        else:
            assert claims.get("nonce") == self.nonce
        assert isinstance(claims["sub"], str) and claims["sub"]
        if access_token and "at_hash" in claims:
            digest = hashlib.new({"RS256": "sha256", "PS256": "sha256", "ES256": "sha256"}.get(decoded.header["alg"], "sha512"),
                                 access_token.encode()).digest()
            half = digest[: len(digest) // 2]
            assert claims["at_hash"] == base64.urlsafe_b64encode(half).rstrip(b"=").decode()
        return claims

    def userinfo(self, access_token: str, how: str = "get") -> requests.Response:
        url = self.provider.discovery["userinfo_endpoint"]
        if how == "get":
            return requests.get(url, headers={"Authorization": f"Bearer {access_token}"}, timeout=10)
        if how == "post-header":
            return requests.post(url, headers={"Authorization": f"Bearer {access_token}"}, timeout=10)
        return requests.post(url, data={"access_token": access_token}, timeout=10)

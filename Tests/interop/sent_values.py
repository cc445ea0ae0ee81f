"""Every secret value the interop run exchanges with Permiso through `requests` (Authlib's
sessions included): passwords, client secrets, codes, tokens, cookies, form transactions.
`test_logs.py` checks, after every other test, that no log `permiso serve` wrote during the
run holds one of them.

The recorder wraps `requests.Session.send`, so it sees each request as sent (form fields,
query parameters, `Authorization`, `Cookie`) and each answer as received (JSON fields,
`Set-Cookie`, a redirect's parameters, hidden form fields). Clients that are not Python
(Chromium, mod_auth_openidc, oidc-agent) are not recorded, nor the logs of the few `permiso
serve` processes a test starts by hand to watch them fail; the flows recorded carry values
of every kind the others do."""

import base64
import json
import re
import urllib.parse

import requests

#: The fields whose values are secrets, in forms, queries, redirects and JSON answers.
SECRET_FIELDS = frozenset({
    "password", "client_secret", "code", "code_verifier", "refresh_token", "token", "access_token", "id_token",
    "id_token_hint", "device_code", "user_code", "tx", "logout_tx", "recovery_code", "client_assertion", "logout_token",
})
#: Shorter values (a six-digit one-time code, `x` in a negative test) would match by chance.
MINIMUM_LENGTH = 8

#: value -> the kind it was seen as (a field name, "cookie", "basic", "bearer").
seen: dict[str, str] = {}
#: Every log file of a `permiso serve` the run started (conftest's `Permiso`).
serve_logs: list = []

_HIDDEN = re.compile(r'name="(tx|logout_tx)" value="([^"]+)"')


def remember(value, kind: str) -> None:
    if isinstance(value, str) and len(value) >= MINIMUM_LENGTH:
        seen.setdefault(value, kind)
        if kind == "user_code" and "-" in value:
            # Also as Permiso keeps it: without the dash.
            remember(value.replace("-", ""), kind)
    elif isinstance(value, list):
        for item in value:
            remember(item, kind)


def _fields(pairs) -> None:
    for name, value in pairs:
        if name in SECRET_FIELDS:
            remember(value, name)


def _json(value) -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            if name in SECRET_FIELDS or name == "recovery_codes":
                remember(item, name)
            else:
                _json(item)
    elif isinstance(value, list):
        for item in value:
            _json(item)


def _request(request: requests.PreparedRequest) -> None:
    url = urllib.parse.urlsplit(request.url)
    _fields(urllib.parse.parse_qsl(url.query))
    body = request.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    content_type = request.headers.get("Content-Type", "")
    if isinstance(body, str) and "x-www-form-urlencoded" in content_type:
        _fields(urllib.parse.parse_qsl(body))
    elif isinstance(body, str) and "json" in content_type:
        try:
            _json(json.loads(body))
        except ValueError:
            pass
    authorization = request.headers.get("Authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "basic":
        # The header as sent, and the secret both as encoded in it and as meant.
        remember(credentials, "basic")
        try:
            secret = base64.b64decode(credentials).decode().partition(":")[2]
            remember(secret, "basic")
            remember(urllib.parse.unquote_plus(secret), "basic")
        except ValueError:
            pass
    elif scheme.lower() in ("bearer", "dpop"):
        remember(credentials, "bearer")
    for cookie in request.headers.get("Cookie", "").split(";"):
        remember(cookie.strip().partition("=")[2], "cookie")


def _response(response: requests.Response) -> None:
    for cookie in response.cookies:
        remember(cookie.value, "cookie")
    location = urllib.parse.urlsplit(response.headers.get("Location", ""))
    _fields(urllib.parse.parse_qsl(location.query) + urllib.parse.parse_qsl(location.fragment))
    content_type = response.headers.get("Content-Type", "")
    if "json" in content_type:
        try:
            _json(response.json())
        except ValueError:
            pass
    elif "html" in content_type:
        for name, value in _HIDDEN.findall(response.text):
            remember(value, name)


def install() -> None:
    """Records what every `requests.Session` sends and receives from now on."""
    send = requests.Session.send
    if getattr(send, "records_sent_values", False):
        return

    def recording_send(self, request, **kwargs):
        _request(request)
        response = send(self, request, **kwargs)
        if not kwargs.get("stream"):
            _response(response)
        return response

    recording_send.records_sent_values = True
    requests.Session.send = recording_send

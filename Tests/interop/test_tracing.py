"""`permiso serve --tracing` exports OpenTelemetry spans over OTLP/HTTP (swift-otel). A
receiver on loopback decodes them with the OpenTelemetry project's own protobuf definitions
(PyPI `opentelemetry-proto`), as a collector would: a server span per request continuing the
caller's W3C traceparent, and inside it signing, sealing, password hashing and state-store
calls. Nothing secret travels in a span, and without the flag nothing is sent at all."""

import gzip
import http.server
import threading
import time
import urllib.parse

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from conftest import Permiso, example_config, free_port, run_permiso
from test_code_flow import browse_to_callback

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


class Collector:
    """An OTLP/HTTP traces endpoint: keeps every request body and the spans decoded from it."""

    def __init__(self):
        self.bodies: list[bytes] = []
        self.spans: list = []
        collector = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                collector.bodies.append(body)
                for resource in request.resource_spans:
                    for scope in resource.scope_spans:
                        collector.spans.extend((resource.resource, span) for span in scope.spans)
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200 if self.path == "/v1/traces" else 404)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def named(self, name: str) -> list:
        return [span for _, span in self.spans if span.name == name]

    def wait_for(self, *names: str, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(self.named(name) for name in names):
                return
            time.sleep(0.1)
        seen = sorted({span.name for _, span in self.spans})
        pytest.fail(f"no span named {[name for name in names if not self.named(name)]}; saw {seen}")

    def stop(self) -> None:
        self.server.shutdown()


def attributes(span) -> dict:
    values = {}
    for attribute in span.attributes:
        value = attribute.value
        values[attribute.key] = getattr(value, value.WhichOneof("value")) if value.WhichOneof("value") else None
    return values


@pytest.fixture
def collector():
    running = Collector()
    yield running
    running.stop()


def serve(tmp_path, collector: Collector, *args: str) -> Permiso:
    port = free_port()
    config = example_config(tmp_path, f"http://127.0.0.1:{port}")
    return Permiso(config, port, args=args, env={
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, "OTEL_BSP_SCHEDULE_DELAY": "100"})


def test_a_token_request_continues_a_trusted_proxys_trace_with_a_signing_span(tmp_path, collector):
    permiso = serve(tmp_path, collector, "--tracing", "--trusted-proxy", "127.0.0.1")
    try:
        issued = requests.post(permiso.url("/oauth/token"), data={
            "grant_type": "client_credentials", "client_id": "service", "client_secret": "service-secret",
            "scope": "api:read"}, headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"}, timeout=5)
        assert issued.status_code == 200
        collector.wait_for("/oauth/token", "permiso.sign", "permiso.password_verify")
    finally:
        permiso.stop()

    (server,) = collector.named("/oauth/token")
    assert server.trace_id.hex() == TRACE_ID and server.parent_span_id.hex() == PARENT_ID
    assert server.kind == server.SPAN_KIND_SERVER
    assert attributes(server)["http.response.status_code"] == 200
    (sign,) = collector.named("permiso.sign")
    assert sign.trace_id == server.trace_id and sign.parent_span_id == server.span_id
    assert attributes(sign) == {"permiso.alg": "RS256", "permiso.token_type": "at+jwt"}
    # The client secret's hash check is a span of its own, in the same request.
    (secret_check,) = collector.named("permiso.password_verify")
    assert secret_check.trace_id == server.trace_id and attributes(secret_check)["permiso.hash_id"] == "2b"
    resource = {attribute.key: attribute.value.string_value for attribute in collector.spans[0][0].attributes}
    assert resource["service.name"] == "permiso"


def test_a_code_flow_traces_sealing_hashing_and_the_state_store_and_leaks_no_secret(tmp_path, collector):
    permiso = serve(tmp_path, collector, "--tracing")
    secrets = ["alice-password", "service-secret"]
    try:
        client = OAuth2Session("cli", redirect_uri="http://127.0.0.1:43210/callback", scope="openid email offline_access",
                               code_challenge_method="S256", token_endpoint_auth_method="none")
        verifier = "T" * 64
        url, state = client.create_authorization_url(permiso.url("/oauth/authorize"), code_verifier=verifier,
                                                     nonce="tracing-nonce-1234")
        browser = requests.Session()
        callback = browse_to_callback(browser, permiso.base, url)
        code = urllib.parse.parse_qs(urllib.parse.urlparse(callback).query)["code"][0]
        token = client.fetch_token(permiso.url("/oauth/token"), authorization_response=callback, code_verifier=verifier)
        userinfo = requests.get(permiso.url("/oauth/userinfo"), timeout=5,
                                headers={"Authorization": f"Bearer {token['access_token']}"})
        assert userinfo.status_code == 200
        # Secrets in a query, their names percent-encoded as Permiso decodes them: never recorded.
        requests.get(permiso.url("/oauth/authorize") + f"?client_id=cli&c%6Fde={code}&st%61te={state}", timeout=5)
        requests.post(permiso.url("/oauth/token"), data={"grant_type": "client_credentials", "client_id": "service",
                                                        "client_secret": "service-secret"}, timeout=5)
        secrets += [code, state, verifier, token["access_token"], token["refresh_token"], token["id_token"],
                    "tracing-nonce-1234", *browser.cookies.values()]
        collector.wait_for("permiso.password_verify", "permiso.seal", "permiso.open", "permiso.state_store.claim_once",
                           "permiso.verify", "/oauth/userinfo")
        time.sleep(0.5)  # the last batch
    finally:
        permiso.stop()

    purposes = {attributes(span)["permiso.purpose"] for span in collector.named("permiso.seal")}
    assert {"code", "refresh", "tx", "session"} <= purposes
    claims = collector.named("permiso.state_store.claim_once")
    assert all(attributes(claim) == {"db.system.name": "memory", "db.operation.name": "claim_once"} for claim in claims)
    assert all(claim.kind == claim.SPAN_KIND_CLIENT for claim in claims)
    # The code's claim happens inside the token request's span.
    exchanges = collector.named("/oauth/token")
    assert any(claim.parent_span_id == exchange.span_id and claim.trace_id == exchange.trace_id
               for claim in claims for exchange in exchanges)
    (verify,) = collector.named("permiso.verify")
    assert attributes(verify) == {"permiso.token_type": "at+jwt"}
    servers = [span for _, span in collector.spans if span.kind == span.SPAN_KIND_SERVER]
    assert servers and all(set(attributes(span)) <= {"http.request.method", "http.route", "http.response.status_code"}
                           for span in servers), "a request span records method, route and status only"

    exported = b"".join(collector.bodies)
    for secret in secrets:
        assert secret.encode() not in exported, f"a span carries {secret[:12]}…"


def test_a_traceparent_from_an_untrusted_peer_starts_a_new_trace(tmp_path, collector):
    permiso = serve(tmp_path, collector, "--tracing")
    try:
        requests.get(permiso.url("/healthz"), headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"}, timeout=5)
        collector.wait_for("/healthz")
    finally:
        permiso.stop()
    (span,) = collector.named("/healthz")
    assert span.trace_id.hex() != TRACE_ID and span.parent_span_id == b""


def test_without_the_flag_nothing_is_exported(tmp_path, collector):
    permiso = serve(tmp_path, collector)
    try:
        for _ in range(3):
            assert requests.post(permiso.url("/oauth/token"), data={
                "grant_type": "client_credentials", "client_id": "service", "client_secret": "service-secret"},
                timeout=5).status_code == 200
        time.sleep(1.0)
    finally:
        permiso.stop()
    assert collector.bodies == []


def test_an_exporter_protocol_that_is_not_built_in_is_a_clear_start_up_error(tmp_path):
    config = example_config(tmp_path, "http://127.0.0.1:8080")
    # Each of these stops swift-otel with a fatal error; Permiso refuses them first.
    for name, value in (("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
                        ("OTEL_PROPAGATORS", "tracecontext,baggage"), ("OTEL_TRACES_SAMPLER", "jaeger_remote")):
        refused = run_permiso("serve", "--config", str(config), "--port", str(free_port()), "--tracing",
                              env={name: value}, check=False)
        assert refused.returncode == 2, refused.stderr
        assert f"--tracing: {name}={value} is not supported; use " in refused.stderr
        assert "Fatal error" not in refused.stderr

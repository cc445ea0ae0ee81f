"""The prepared documents (discovery, the JWKS, protected resource metadata, /healthz) that
`permiso serve` answers ahead of its router, checked on the wire: byte for byte the router's
answer, in order behind a pipelined request, and counted in the metrics like any other."""

import re
import socket
import time

import pytest
import requests

from conftest import ROOT, Permiso, example_config, free_port

PATHS = sorted("/" + str(path.relative_to(ROOT / "site")) for path in (ROOT / "site" / ".well-known").rglob("*") if path.is_file())


@pytest.fixture
def served(tmp_path):
    port = free_port()
    metrics = free_port()
    config = example_config(tmp_path, f"http://127.0.0.1:{port}")
    # The example API on this issuer's origin, so that its metadata is served here too.
    config.write_text(config.read_text().replace("http://127.0.0.1:8080/api", f"http://127.0.0.1:{port}/api"))
    instance = Permiso(config, port, args=("--metrics-address", f"127.0.0.1:{metrics}"))
    instance.metrics = metrics
    yield instance
    instance.stop()


def read_response(stream) -> tuple[bytes, bytes]:
    """One HTTP/1.1 response from a socket's file: status line and headers as sent, and the body."""
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = stream.readline()
        assert line, f"connection closed in the head: {head!r}"
        head += line
    length = int(re.search(rb"(?im)^content-length: (\d+)\r$", head).group(1))
    return head, stream.read(length)


def exchange(port: int, requests_text: list[str]) -> list[tuple[bytes, bytes]]:
    """Sends every request in one write (pipelined) and reads as many answers, in order."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall("".join(requests_text).encode())
        stream = sock.makefile("rb")
        answers = []
        for _ in requests_text:
            answers.append(read_response(stream))
        return answers


def without_date(head: bytes) -> bytes:
    return re.sub(rb"(?m)^Date: [^\r]*\r$", b"Date: -\r", head)


def test_the_site_lists_the_documents_served():
    assert "/.well-known/openid-configuration" in PATHS and "/.well-known/jwks.json" in PATHS
    assert any(path.startswith("/.well-known/oauth-protected-resource/") for path in PATHS)


@pytest.mark.parametrize("path", [*PATHS, "/healthz"])
def test_a_prepared_answer_is_the_routers_byte_for_byte(served, path):
    # `Connection: close` sends the request through the router (the fast path leaves it alone).
    fast, = exchange(served.port, [f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n"])
    routed, = exchange(served.port, [f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"])
    assert fast[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert without_date(fast[0]) == without_date(routed[0])
    assert fast[1] == routed[1] and len(fast[1]) > 10
    assert re.search(rb"\r\nDate: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n", fast[0])


def test_a_prepared_document_pipelined_behind_a_slower_request_is_answered_after_it(served):
    # A wrong password takes a bcrypt verification: the router answers it well after the
    # /healthz behind it arrives, and HTTP/1.1 must still answer them in order.
    body = "grant_type=client_credentials&client_id=service&client_secret=wrong"
    token = (f"POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
             f"Content-Length: {len(body)}\r\n\r\n{body}")
    answers = exchange(served.port, [token, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", token,
                                     "GET /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n"])
    assert [head.split(b"\r\n")[0] for head, _ in answers] == [
        b"HTTP/1.1 401 Unauthorized", b"HTTP/1.1 200 OK", b"HTTP/1.1 401 Unauthorized", b"HTTP/1.1 200 OK"]
    assert b"invalid_client" in answers[0][1] and answers[1][1] == b'{"status":"ok"}\n'
    assert b'"keys"' in answers[3][1]


def test_prepared_answers_are_counted_in_the_request_metrics(served):
    for _ in range(3):
        assert requests.get(served.url("/.well-known/jwks.json"), timeout=5).status_code == 200
    deadline = time.monotonic() + 5
    pattern = re.compile(r'hb_requests\{[^}]*http_route="/\.well-known/jwks\.json"[^}]*\} (\d+)')
    while True:
        text = requests.get(f"http://127.0.0.1:{served.metrics}/metrics", timeout=5).text
        found = pattern.search(text)
        if (found and int(found.group(1)) >= 3) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert found and int(found.group(1)) == 3, text[:2000]
    assert re.search(r'http_server_request_duration_count\{http_route="/\.well-known/jwks\.json"[^}]*\} 3\b', text)


def test_a_connection_busy_with_prepared_documents_is_not_idle(tmp_path):
    # The idle timeout (here 2 s) must see these requests as activity: a health checker
    # polling every half second on one kept-alive connection keeps it for as long as it polls.
    port = free_port()
    instance = Permiso(example_config(tmp_path, f"http://127.0.0.1:{port}"), port, args=("--request-timeout", "2"))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            stream = sock.makefile("rb")
            for _ in range(10):  # 5 s, two and a half idle timeouts
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                head, body = read_response(stream)
                assert head.startswith(b"HTTP/1.1 200 OK") and body == b'{"status":"ok"}\n'
                time.sleep(0.5)
            # Idle for real, it is closed.
            time.sleep(3.5)
            assert stream.read(1) == b""
    finally:
        instance.stop()


def test_a_head_after_a_prepared_answer_has_no_body_and_the_answer_after_it_has_its_own(served):
    # NIO's encoder frames each answer by its request's method (a HEAD's has no body); a
    # prepared answer that skipped it would shift every later answer onto an earlier method.
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        stream = sock.makefile("rb")
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        head, body = read_response(stream)
        assert head.startswith(b"HTTP/1.1 200 OK") and body == b'{"status":"ok"}\n'
        sock.sendall(b"HEAD /.well-known/jwks.json HTTP/1.1\r\nHost: x\r\n\r\n")
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            line = stream.readline()
            assert line, head
            head += line
        assert head.startswith(b"HTTP/1.1 "), head
        sock.sendall(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
        head, body = read_response(stream)
        assert head.startswith(b"HTTP/1.1 200 OK"), head
        assert b'"status":"ready"' in body, body

"""What a slow or greedy client can cost `permiso serve`: a request must arrive whole within
--request-timeout, headers are bounded, and connections beyond --max-connections are closed
as they open, while the connections already open keep being served. Raw sockets on loopback
against the release binary, as a slowloris tool would use them."""

import socket
import time

import pytest
import requests

from conftest import Permiso, example_config, free_port


@pytest.fixture
def server(tmp_path):
    port = free_port()
    permiso = Permiso(example_config(tmp_path, f"http://127.0.0.1:{port}"), port,
                      args=("--request-timeout", "2", "--max-connections", "8"))
    yield permiso
    permiso.stop()


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """True when the server closes the connection (recv returns b"" or resets) in time."""
    sock.settimeout(seconds)
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def test_a_request_trickled_a_line_at_a_time_is_cut_off(server):
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    started = time.monotonic()
    # Keep trickling header lines: an idle timeout alone would never fire.
    for index in range(3):
        time.sleep(0.8)
        try:
            sock.sendall(f"X-Slow-{index}: 1\r\n".encode())
        except (BrokenPipeError, ConnectionResetError):
            break
    assert closed_within(sock, 5), "the slow request held its connection"
    assert time.monotonic() - started < 6
    # A normal request on a fresh connection is served.
    assert requests.get(server.url("/healthz"), timeout=5).status_code == 200


def test_a_slow_body_is_cut_off_but_a_kept_alive_connection_serves_requests(server):
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: 1000\r\n\r\ngrant_type=")
    assert closed_within(sock, 5)
    with requests.Session() as session:
        for _ in range(3):
            assert session.get(server.url("/healthz"), timeout=5).status_code == 200
            time.sleep(0.5)


def test_oversized_headers_are_refused(server):
    big = requests.get(server.url("/healthz"), headers={"X-Big": "a" * 10_000}, timeout=5)
    assert big.status_code in (400, 431)
    many = requests.get(server.url("/healthz"), headers={f"X-H{index}": "1" for index in range(150)}, timeout=5)
    assert many.status_code in (400, 431)
    assert requests.get(server.url("/healthz"), timeout=5).status_code == 200


@pytest.fixture
def patient_server(tmp_path):
    """The same connection limit with a long request deadline, so the held connections are
    not cut off by the deadline however slow a loaded machine is between steps."""
    port = free_port()
    permiso = Permiso(example_config(tmp_path, f"http://127.0.0.1:{port}"), port,
                      args=("--request-timeout", "60", "--max-connections", "8"))
    yield permiso
    permiso.stop()


def test_connections_beyond_the_limit_are_closed_and_the_open_ones_keep_working(patient_server):
    server = patient_server
    held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(8)]
    try:
        time.sleep(0.2)
        extra = socket.create_connection(("127.0.0.1", server.port))
        assert closed_within(extra, 2), "the ninth connection was kept"
        # The held ones are still served (within their request deadline).
        held[0].sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        held[0].settimeout(2)
        assert b" 200 " in held[0].recv(4096)
    finally:
        for sock in held:
            sock.close()
    time.sleep(0.3)
    assert requests.get(server.url("/healthz"), timeout=5).status_code == 200

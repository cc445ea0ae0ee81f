"""`permiso serve` as an operator runs it: a real process on a loopback port, reloaded with
SIGHUP and stopped with SIGTERM."""

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests

from conftest import Permiso, example_config, free_port, permiso_binary, run_permiso, wait_for_port


def write_config(folder: Path, port: int, extra_scope: str = "") -> Path:
    return example_config(folder, f"http://127.0.0.1:{port}", extra_scope)


@pytest.fixture
def server(tmp_path):
    port = free_port()
    permiso = Permiso(write_config(tmp_path, port), port, log=tmp_path / "serve.log")
    yield {"process": permiso.process, "port": port, "config": permiso.config, "folder": tmp_path, "log": permiso.log}
    if permiso.process.poll() is None:
        permiso.kill()


def url(server, path):
    return f"http://127.0.0.1:{server['port']}{path}"


def wait_until(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_serves_what_build_writes(server):
    run_permiso("build", "--config", str(server["config"]), "--out", str(server["folder"] / "site"))
    for path in ("/.well-known/openid-configuration", "/.well-known/jwks.json"):
        response = requests.get(url(server, path), timeout=5)
        assert response.status_code == 200
        assert response.content == (server["folder"] / "site" / path.lstrip("/")).read_bytes()
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    health = requests.get(url(server, "/healthz"), timeout=5)
    assert health.status_code == 200 and health.json() == {"status": "ok"}


def test_sighup_reloads_and_a_bad_config_keeps_the_old_one(server):
    def scopes():
        return requests.get(url(server, "/.well-known/openid-configuration"), timeout=5).json()["scopes_supported"]

    assert "audit" not in scopes()
    write_config(server["folder"], server["port"], "  audit:\n    description: Audit logs\n    claims: []\n")
    server["process"].send_signal(signal.SIGHUP)
    assert wait_until(lambda: "audit" in scopes())

    server["config"].write_text("issuer: [broken\n")
    server["process"].send_signal(signal.SIGHUP)
    log = server["log"]
    assert wait_until(lambda: "reload failed" in Path(log.name).read_text())
    assert server["process"].poll() is None
    assert "audit" in scopes()
    # The log names the problem, file and line, and no secret.
    text = Path(log.name).read_text()
    assert "permiso.yaml:1:9" in text or "permiso.yaml:2:1" in text
    assert "$2b$" not in text


def test_sigterm_stops_gracefully(server):
    server["process"].send_signal(signal.SIGTERM)
    assert server["process"].wait(timeout=15) == 0


def test_development_keys_are_refused_for_a_public_issuer(tmp_path):
    config = write_config(tmp_path, 8080)
    config.write_text(config.read_text().replace("issuer: http://127.0.0.1:8080", "issuer: https://id.example.com"))
    result = run_permiso("serve", "--config", str(config), "--port", str(free_port()), check=False)
    assert result.returncode == 2
    assert "refusing to serve https://id.example.com with development keys" in result.stderr


def test_authlib_client_credentials_and_an_independent_jwt_check(server):
    """Authlib's OAuth 2 client gets a token; joserfc verifies it against the served JWKS."""
    from authlib.integrations.requests_client import OAuth2Session
    from joserfc import jwt
    from joserfc.jwk import KeySet

    session = OAuth2Session("service", "service-secret", token_endpoint_auth_method="client_secret_post")
    token = session.fetch_token(url(server, "/oauth/token"), grant_type="client_credentials")
    assert token["token_type"] == "Bearer" and token["scope"] == "api:read"

    keys = KeySet.import_key_set(requests.get(url(server, "/.well-known/jwks.json"), timeout=5).json())
    decoded = jwt.decode(token["access_token"], keys, algorithms=["RS256", "PS256", "ES256", "EdDSA"])
    assert decoded.header["typ"] == "at+jwt"
    claims = decoded.claims
    assert claims["iss"] == f"http://127.0.0.1:{server['port']}"
    assert claims["sub"] == claims["client_id"] == "service"
    assert claims["exp"] - claims["iat"] == 600

    # Basic authentication where the client registered client_secret_post is refused.
    refused = requests.post(
        url(server, "/oauth/token"), data={"grant_type": "client_credentials"}, auth=("service", "service-secret"),
        timeout=5,
    )
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert refused.headers["Cache-Control"] == "no-store"


def test_throttles_count_an_ipv6_client_by_its_64_behind_a_trusted_block(tmp_path):
    """Behind a load balancer named as a CIDR block, a guesser rotating through the addresses
    of one IPv6 /64 shares one budget (20 wrong secrets per client per window), while another
    /64 keeps its own; an IPv4 client is counted as itself however the socket spells it."""
    port = free_port()
    permiso = Permiso(write_config(tmp_path, port), port, args=("--trusted-proxy", "127.0.0.0/8"))
    try:
        def guess(address: str) -> requests.Response:
            return requests.post(
                f"http://127.0.0.1:{port}/oauth/token",
                data={"grant_type": "client_credentials", "client_id": "service", "client_secret": "wrong-secret"},
                headers={"X-Forwarded-For": address}, timeout=10,
            )

        answers = [guess(f"2001:db8:7:7:{index:x}::{index + 1:x}").status_code for index in range(20)]
        assert answers == [401] * 20
        refused = guess("2001:db8:7:7:ffff:ffff:ffff:fffe")
        assert refused.status_code == 503 and refused.json()["error"] == "temporarily_unavailable"
        assert guess("2001:db8:7:8::1").status_code == 401, "the next /64 is another client"
        for index in range(20):
            spelled = "198.51.100.9" if index % 2 else "::ffff:198.51.100.9"
            assert guess(spelled).status_code == 401
        assert guess("198.51.100.9").status_code == 503, "both spellings are one IPv4 client"
        assert guess("198.51.100.10").status_code == 401
    finally:
        permiso.stop()


@pytest.mark.parametrize("proxy", ["10.0.0.1/8", "10.0.0.0/33", "10.0.0.0/+8", "lb.internal", "[::1]"])
def test_a_trusted_proxy_that_is_not_an_address_or_block_is_refused_at_start(tmp_path, proxy):
    config = write_config(tmp_path, free_port())
    try:
        result = subprocess.run(
            [str(permiso_binary()), "serve", "--config", str(config), "--trusted-proxy", proxy],
            capture_output=True, text=True, timeout=20,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"permiso serve started with --trusted-proxy {proxy}")
    assert result.returncode != 0
    assert "--trusted-proxy:" in result.stderr and proxy in result.stderr, result.stderr
    assert "Fatal error" not in result.stderr


def resident_kib(pid: int, name_part: str) -> int | None:
    """The resident KiB of the mappings of files whose name contains `name_part`, or None
    if the process maps no such file."""
    total, mapping, found = 0, None, False
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and "-" in fields[0] and not fields[0].endswith(":"):
            mapping = fields[5] if len(fields) > 5 else ""
            found = found or name_part in mapping
        elif fields and fields[0] == "Rss:" and mapping and name_part in mapping:
            total += int(fields[1])
    return total if found else None


def test_tasks_run_on_the_event_loops(tmp_path):
    """`permiso serve` says which executor its tasks got: NIO's event loops, found by name in
    a dynamically linked binary (test_deploy.py checks the static one, which sets the hook
    through the linked symbol)."""
    port = free_port()
    process = subprocess.Popen([str(permiso_binary()), "serve", "--config", str(write_config(tmp_path, port)),
                                "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(port)
        process.send_signal(signal.SIGTERM)
        output = process.communicate(timeout=10)[0]
    finally:
        process.kill()
        process.wait()
    static = "libswiftCore" not in subprocess.run(["ldd", str(permiso_binary())], capture_output=True, text=True).stdout
    # Log metadata is sorted by key: `issuer` follows `executor`.
    expected = "executor=event loops (linked hook) issuer=" if static else "executor=event loops issuer="
    assert expected in output, output


@pytest.mark.parametrize("zone", [None, "UTC", ":Etc/UTC"])
def test_serving_never_touches_icu(tmp_path, zone):
    """ICU is linked (Foundation on Linux depends on it) but never used: config loading and
    the requests below check text byte by byte and read and write times with libc. A use of
    `.regularExpression`, `ISO8601DateFormatter`, `Calendar` in a named time zone or an IDNA
    host conversion would map ICU's code and data (megabytes) into every instance. Started
    without TZ, as a service manager does, and with the names for UTC containers set (any
    other zone is the operator's choice, and ICU's)."""
    port = free_port()
    environment = {name: value for name, value in os.environ.items() if name != "TZ"}
    if zone:
        environment["TZ"] = zone
    process = subprocess.Popen([str(permiso_binary()), "serve", "--config", str(write_config(tmp_path, port)),
                                "--port", str(port)], env=environment, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    server = {"process": process, "port": port}
    before = resident_kib(process.pid, "ICU")
    if before is None:
        process.kill()
        pytest.skip("this binary links ICU statically")
    base = url(server, "")
    requests.get(base + "/.well-known/openid-configuration", timeout=5).raise_for_status()
    requests.get(base + "/.well-known/jwks.json", timeout=5).raise_for_status()
    requests.get(base + "/login", timeout=5)
    for resource in ("http://127.0.0.1:8080/api", "https://caf\u00e9.example/x", "https://xn--caf-dma.example"):
        requests.post(base + "/oauth/token", timeout=5, data={
            "grant_type": "client_credentials", "client_id": "service", "client_secret": "service-secret",
            "resource": resource})
    for client, redirect in (("cli", "http://[::1]:9/callback"), ("cli", "http://127.0.0.1:9/caf\u00e9"),
                             ("cli", "http://\u0661.0.0.1:9/")):
        requests.get(base + "/oauth/authorize", timeout=5, allow_redirects=False, params={
            "client_id": client, "redirect_uri": redirect, "response_type": "code", "scope": "openid"})
    after = resident_kib(process.pid, "ICU")
    process.kill()
    process.wait()
    # What stays is the dynamic linker's: ICU's symbol and relocation tables, read at start
    # (1.1 MiB with this toolchain; a first use of ICU at start maps 2 to 7 MiB).
    assert before < 1600, f"{before} KiB of ICU resident after start"
    assert after == before, f"{after} KiB of ICU resident, {before} KiB after start"

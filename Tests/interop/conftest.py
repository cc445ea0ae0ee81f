"""Shared fixtures for the interop tests: the permiso binary and the one launcher of `permiso serve`,
the example config for a port, a test CA, free ports, nginx."""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

import sent_values

ROOT = Path(__file__).resolve().parents[2]

# Every test's exchanges with Permiso are recorded for test_logs.py's check of the whole run.
sent_values.install()


def pytest_configure(config):
    config.addinivalue_line("markers", "after_all: runs after every other test (it reads what they left behind)")


def pytest_collection_modifyitems(config, items):
    last = [item for item in items if item.get_closest_marker("after_all")]
    items[:] = [item for item in items if not item.get_closest_marker("after_all")] + last


def permiso_binary() -> Path:
    """The binary under test: $PERMISO_BIN (scripts/test sets the release build), else the debug one."""
    path = Path(os.environ.get("PERMISO_BIN", ROOT / ".build" / "debug" / "permiso"))
    if not path.is_absolute():
        path = ROOT / path  # processes run from other folders
    if not path.exists():
        pytest.fail(f"{path} is missing: run `swift build` first (scripts/test does)")
    return path


def run_permiso(
    *args: str, cwd: Path | None = None, check: bool = True, input_text: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(permiso_binary()), *args], cwd=cwd, capture_output=True, text=True, check=check, timeout=120,
        input=input_text, env={**os.environ, **(env or {})},
    )


def example_config(folder: Path, issuer: str, extra_scope: str = "", state_store: str | None = None) -> Path:
    """The example config in `folder`, for `issuer`, with the repository's keys; optionally
    one more scope (YAML lines under `scopes:`) and another state store."""
    config = (ROOT / "permiso.yaml").read_text()
    config = re.sub(r"^issuer: .*$", f"issuer: {issuer}", config, count=1, flags=re.M)
    config = re.sub(r"^keys: .*$", f"keys: {ROOT / 'keys'}", config, count=1, flags=re.M)
    config = config.replace("\nscopes:\n", "\nscopes:\n" + extra_scope, 1)
    if state_store:
        config = re.sub(r"^stateStore: .*$", f"stateStore: {state_store}", config, count=1, flags=re.M)
    path = folder / "permiso.yaml"
    path.write_text(config)
    return path


class Permiso:
    """One `permiso serve` on a loopback port, its output appended to `log`; every interop
    test starts the token service through this."""

    def __init__(self, config: Path, port: int | None = None, *, args: tuple[str, ...] = (), env: dict | None = None,
                 log: Path | None = None):
        self.config, self.args, self.environment = config, list(args), env or {}
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log or config.parent / f"serve-{self.port}.log"
        sent_values.serve_logs.append(self.log_path)
        self.start()

    def start(self) -> None:
        self.log = self.log_path.open("a+")
        self.process = subprocess.Popen(
            [str(permiso_binary()), "serve", "--config", str(self.config), "--port", str(self.port), *self.args],
            stdout=self.log, stderr=self.log, env={**os.environ, **self.environment},
        )
        wait_for_port(self.port)

    def url(self, path: str) -> str:
        return self.base + path

    def kill(self) -> None:
        """Dies as a crashed or evicted instance would: no graceful shutdown."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory) -> dict:
    """A throw-away CA and a server certificate for 127.0.0.1, made with openssl."""
    folder = tmp_path_factory.mktemp("ca")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=Permiso test CA", "-keyout", "ca.key", "-out", "ca.pem")
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=127.0.0.1",
            "-keyout", "server.key", "-out", "server.csr")
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem")
    return {"ca": folder / "ca.pem", "cert": folder / "server.pem", "key": folder / "server.key"}


class Nginx:
    """Debian's nginx on a loopback port, serving one folder with the given extra server directives."""

    def __init__(self, folder: Path, root: Path, port: int, server: str, tls: dict | None, http: str = ""):
        self.folder = folder
        self.port = port
        listen = f"listen 127.0.0.1:{port}" + (" ssl" if tls else "") + ";"
        certs = f"ssl_certificate {tls['cert']};\n        ssl_certificate_key {tls['key']};" if tls else ""
        temp = "\n    ".join(
            f"{name}_temp_path {folder}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # As root (CI), workers would drop to `nobody`, who cannot read pytest's private temp folders.
        user = "user root;" if os.geteuid() == 0 else ""
        (folder / "nginx.conf").write_text(f"""
{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    {temp}
    {http}
    server {{
        {listen}
        {certs}
        root {root};
        {server}
    }}
}}
""")
        self.process = subprocess.Popen(
            [nginx_binary(), "-c", str(folder / "nginx.conf"), "-p", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            wait_for_port(port)
        except TimeoutError:
            self.stop()
            raise RuntimeError("nginx did not start: " + (folder / "error.log").read_text(errors="replace"))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def nginx_binary() -> str:
    path = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(path).exists():
        pytest.fail("nginx is not installed: scripts/install-test-deps installs it")
    return path

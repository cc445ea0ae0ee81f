"""What the benchmark scripts share: ports, processes, wrk, and a Permiso config to run.

Everything runs on loopback; every process a helper starts is stopped by `Processes`.
"""

import base64
import ctypes
import hashlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LUA = ROOT / "bench" / "wrk"
EXAMPLE = (ROOT / "permiso.yaml").read_text()
# The example config's hashes: alice's password at the configured cost (bcrypt, 10), reused
# for generated users and clients (the loader only checks their shape).
PASSWORD_HASH = re.search(r'passwordHash: "([^"]+)"', EXAMPLE).group(1)
SECRET = "bench-secret"
REDIRECT = "http://127.0.0.1/cb"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen | None = None, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{process.args[0]} exited with {process.returncode} before listening on {port}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.01)
    raise SystemExit(f"nothing listens on {port}")


class Processes:
    """Starts background processes and stops them all on exit, even after an error."""

    def __init__(self) -> None:
        self.running: list[subprocess.Popen] = []

    def start(self, command: list[str], **kwargs) -> subprocess.Popen:
        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        process = subprocess.Popen(command, **kwargs)
        self.running.append(process)
        return process

    def stop(self, process: subprocess.Popen) -> None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.running.remove(process)

    def __enter__(self) -> "Processes":
        return self

    def __exit__(self, *exc) -> None:
        for process in list(self.running):
            self.stop(process)


@dataclass
class Load:
    """One wrk run's figures."""

    rps: float
    p50_ms: float
    p99_ms: float


@dataclass
class WrkSettings:
    threads: int = 2
    connections: int = 64
    seconds: float = 5


def _milliseconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def wrk(url: str, settings: WrkSettings, script: str | None = None, args: list[str] = (),
        headers: list[str] = (), env: dict | None = None, expect_redirects: bool = False) -> Load:
    """Runs wrk and fails loudly on any error response, socket error or exhausted input."""
    command = ["wrk", f"-t{settings.threads}", f"-c{settings.connections}", f"-d{settings.seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(LUA / script)]
    command.append(url)
    if args:
        command += ["--", *args]
    environment = {**os.environ, "BENCH_THREADS": str(settings.threads), **(env or {})}
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=environment).stdout
    if "Non-2xx or 3xx" in output and not expect_redirects:
        raise SystemExit(f"error responses while benchmarking {url}:\n{output}")
    # Connect, read and write errors fail the run; wrk's timeouts (2 s) show in the p99 instead.
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+)", output)
    if errors and any(int(count) for count in errors.groups()):
        raise SystemExit(f"socket errors while benchmarking {url}:\n{output}")
    if "EXHAUSTED" in output:
        raise SystemExit(f"ran out of pre-minted values while benchmarking {url}:\n{output}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    return Load(rps, p50, p99)


def start_nginx(processes: Processes, folder: Path, body: str = "") -> int:
    """nginx serving a 1 KB JSON file at /static.json: the "answer from memory" ceiling; and
    an OTLP/HTTP sink at /v1/traces (an empty ExportTraceServiceResponse) for `--tracing`."""
    (folder / "www").mkdir(exist_ok=True)
    (folder / "www" / "static.json").write_text(body or "{" + '"x":"' + "a" * 1016 + '"}')
    port = free_port()
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(f"""{user}
daemon off; worker_processes auto; pid {folder}/nginx.pid; error_log {folder}/nginx.err;
events {{ worker_connections 1024; }}
http {{ access_log off; server {{ listen 127.0.0.1:{port}; root {folder}/www;
    location = /v1/traces {{ default_type application/x-protobuf; return 200 ""; }} }} }}
""")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    process = processes.start([nginx, "-c", str(folder / "nginx.conf"), "-p", str(folder)])
    wait_for(port, process)
    return port


def config_text(issuer: str, keys: Path, secret_hash: str, extra_clients: int = 0, extra_users: int = 0,
                passkey: "SoftwarePasskey | None" = None) -> str:
    """A Permiso config for benchmarks: the example's settings, keys and users, plus
    (all with `secret_hash`, the hash of SECRET)
    - bench-es256 / bench-eddsa / bench-rs256: client_credentials with that token algorithm;
    - bench-web: a confidential first-party web client for the code flow and refresh;
    - `extra_clients` and `extra_users` generated entries, to see whether size matters;
    - with `passkey`, a user `carol` who signs in with it alone, the pages served at
      `__SERVICE__` (a localhost URL: passkeys need a domain name)."""
    config = EXAMPLE.replace("http://127.0.0.1:8080", issuer)
    if passkey:
        config = re.sub(r"^(issuer: .*)$", r"\1\nserviceURL: __SERVICE__", config, count=1, flags=re.M)
    config = re.sub(r"^keys: .*$", f"keys: {keys}", config, count=1, flags=re.M)
    lines = ["clients:"]
    for alg in ("ES256", "EdDSA", "RS256"):
        lines += [f"  - id: bench-{alg.lower()}", f'    secretHash: "{secret_hash}"',
                  "    tokenEndpointAuthMethod: client_secret_post", "    grantTypes: [client_credentials]",
                  "    scopes: [api:read]", f"    idTokenSignedResponseAlg: {alg}"]
    lines += ["  - id: bench-web", f'    secretHash: "{secret_hash}"', "    tokenEndpointAuthMethod: client_secret_post",
              f"    redirectURIs: [{REDIRECT}]", "    grantTypes: [authorization_code, refresh_token]",
              "    scopes: [openid, profile, email, offline_access]", "    firstParty: true",
              "    idTokenSignedResponseAlg: ES256"]
    for i in range(extra_clients):
        lines += [f"  - id: client-{i:06d}", f'    secretHash: "{secret_hash}"',
                  "    tokenEndpointAuthMethod: client_secret_post", "    grantTypes: [client_credentials]",
                  "    scopes: [api:read]", "    idTokenSignedResponseAlg: ES256"]
    config = config.replace("\nclients:\n", "\n" + "\n".join(lines) + "\n", 1)
    users = []
    for i in range(extra_users):
        users += [f"  - username: user-{i:06d}", f'    passwordHash: "{PASSWORD_HASH}"', "    claims:",
                  f"      email: user-{i:06d}@example.com", "      email_verified: true"]
    if passkey:
        users += ["  - username: carol", f'    passwordHash: "{PASSWORD_HASH}"', "    passkeys:"]
        users += [f"      {line}" for line in passkey.entry().splitlines()]
    if users:
        config = config.rstrip("\n") + "\n" + "\n".join(users) + "\n"
    return config


def bench_secret_hash(binary: Path) -> str:
    """A cheap hash for the benchmark clients' secret (Permiso caches verified secrets anyway)."""
    return subprocess.run([str(binary), "hash-password", "--cost", "4"], input=SECRET,
                          capture_output=True, text=True, check=True).stdout.strip()


def pkce() -> tuple[str, str]:
    verifier = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_query(challenge: str, prompt: str | None = None) -> str:
    query = {"client_id": "bench-web", "response_type": "code", "scope": "openid email offline_access",
             "state": "bench", "redirect_uri": REDIRECT, "code_challenge": challenge, "code_challenge_method": "S256"}
    if prompt:
        query["prompt"] = prompt
    return urllib.parse.urlencode(query)


def exchange_body(code: str, verifier: str) -> str:
    return urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
                                   "redirect_uri": REDIRECT, "client_id": "bench-web", "client_secret": SECRET})


def login_flow(session, base: str) -> dict:
    """The whole browserless sign-in: authorize → login form → code → tokens."""
    verifier, challenge = pkce()
    page = session.get(f"{base}/oauth/authorize?{authorize_query(challenge)}", allow_redirects=False, timeout=30)
    tx = re.search(r'name="tx" value="([^"]+)"', page.text).group(1)
    done = session.post(f"{base}/login", data={"tx": tx, "username": "alice", "password": "alice-password"},
                        allow_redirects=False, timeout=30)
    code = urllib.parse.parse_qs(urllib.parse.urlparse(done.headers["Location"]).query)["code"][0]
    tokens = session.post(f"{base}/oauth/token", data=exchange_body(code, verifier), timeout=30,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    tokens.raise_for_status()
    return tokens.json()


class SoftwarePasskey:
    """An ES256 passkey in software, answering the login page's passkey button as a browser
    with a platform authenticator would (user present and verified, no signature counter,
    as synced passkeys have): the load generator of the passwordless sign-in figure."""

    def __init__(self, subject: str = "carol") -> None:
        from cryptography.hazmat.primitives.asymmetric import ec
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.id = os.urandom(16)
        # WebAuthnRelyingParty.userHandle: SHA-256 of a fixed label, a zero byte and the subject.
        self.user_handle = hashlib.sha256(b"permiso webauthn user handle\0" + subject.encode()).digest()

    def entry(self) -> str:
        numbers = self.key.public_key().public_numbers()
        x, y = (b64(n.to_bytes(32, "big")) for n in (numbers.x, numbers.y))
        return (f'- name: "bench"\n  id: {b64(self.id)}\n'
                f'  publicKey: {{"kty": "EC", "crv": "P-256", "x": "{x}", "y": "{y}"}}')

    def answer(self, challenge: str, origin: str, rp_id: str) -> dict:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        client = ('{"type":"webauthn.get","challenge":"%s","origin":"%s","crossOrigin":false}' % (challenge, origin)).encode()
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([0x05, 0, 0, 0, 0])
        signature = self.key.sign(data + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256()))
        return {"credential_id": b64(self.id), "client_data": b64(client), "authenticator_data": b64(data),
                "signature": b64(signature), "user_handle": b64(self.user_handle)}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def passkey_login_flow(session, base: str, passkey: SoftwarePasskey) -> dict:
    """The whole passwordless sign-in: authorize → the passkey form's answer → code → tokens."""
    verifier, challenge = pkce()
    page = session.get(f"{base}/oauth/authorize?{authorize_query(challenge)}", allow_redirects=False, timeout=30)
    form = re.search(r'action="/login/passkey"[^>]*data-challenge="([^"]+)"[^>]*>\s*<input type="hidden" name="tx" '
                     r'value="([^"]+)"', page.text)
    origin = base.replace("127.0.0.1", "localhost")
    fields = {"tx": form.group(2), **passkey.answer(form.group(1), origin, "localhost")}
    done = session.post(f"{base}/login/passkey", data=fields, allow_redirects=False, timeout=30)
    code = urllib.parse.parse_qs(urllib.parse.urlparse(done.headers["Location"]).query)["code"][0]
    tokens = session.post(f"{base}/oauth/token", data=exchange_body(code, verifier), timeout=30,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    tokens.raise_for_status()
    return tokens.json()


def crypt_verifications(password: str, hashed: str, seconds: float) -> int:
    """How many times libxcrypt (the library Permiso verifies with) checks `hashed` in `seconds`."""
    library = ctypes.CDLL("libcrypt.so.1")
    library.crypt.restype = ctypes.c_char_p
    library.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    count, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        if library.crypt(password.encode(), hashed.encode()).decode() != hashed:
            raise SystemExit("libcrypt does not verify the example hash")
        count += 1
    return count


class MemorySampler:
    """Samples a process's memory every 50 ms while running: the peak resident set, split
    into anonymous memory (heap, stacks: what the process allocated) and file-backed pages
    (the binary and shared libraries, clean and shared with any other process using them)."""

    def __init__(self, pid: int) -> None:
        import threading
        self.pid = pid
        self.peak = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            try:
                status = Path(f"/proc/{self.pid}/status").read_text()
            except OSError:
                return
            for field in self.peak:
                match = re.search(rf"{field}:\s+(\d+) kB", status)
                if match:
                    self.peak[field] = max(self.peak[field], int(match.group(1)))

    def start(self) -> "MemorySampler":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def __enter__(self) -> "MemorySampler":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def describe(self) -> str:
        mib = {field: kib / 1024 for field, kib in self.peak.items()}
        return (f"{mib['VmRSS']:.1f} MiB (anonymous {mib['RssAnon']:.1f} MiB, "
                f"file-backed code and data {mib['RssFile']:.1f} MiB)")


def rss_split(pid: int) -> str:
    status = Path(f"/proc/{pid}/status").read_text()
    kib = {field: int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) for field in ("VmRSS", "RssAnon", "RssFile")}
    return (f"{kib['VmRSS'] / 1024:.1f} MiB (anonymous {kib['RssAnon'] / 1024:.1f} MiB, "
            f"file-backed {kib['RssFile'] / 1024:.1f} MiB)")


def rss_by_file(pid: int, top: int = 7) -> str:
    """The file-backed resident set by file, largest first: which code and data stay mapped."""
    sizes: dict[str, int] = {}
    mapping = None
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and "-" in fields[0] and not fields[0].endswith(":"):
            mapping = fields[5] if len(fields) > 5 and fields[5].startswith("/") else None
        elif fields and fields[0] == "Rss:" and mapping:
            sizes[Path(mapping).name] = sizes.get(Path(mapping).name, 0) + int(fields[1])
    largest = sorted(sizes.items(), key=lambda item: -item[1])[:top]
    return ", ".join(f"{name} {kib / 1024:.1f}" for name, kib in largest) + " (MiB)"


def temporary_folder() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="permiso-bench-")

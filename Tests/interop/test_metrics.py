"""`permiso serve --metrics-address`: Prometheus metrics on their own port, scraped by a
real Prometheus (Debian's), which then answers a PromQL query for the token counter."""

import re
import shutil
import signal
import subprocess
import time
from datetime import datetime, timezone

import pytest
import requests

from cluster import Redis
from conftest import ROOT, Permiso, example_config, free_port, run_permiso, wait_for_port


@pytest.fixture
def served(tmp_path):
    port, metrics_port = free_port(), free_port()
    config = example_config(tmp_path, f"http://127.0.0.1:{port}")
    permiso = Permiso(config, port, args=("--metrics-address", f"127.0.0.1:{metrics_port}"))
    wait_for_port(metrics_port)
    yield permiso, f"http://127.0.0.1:{metrics_port}/metrics"
    permiso.stop()


def client_credentials(permiso: Permiso) -> requests.Response:
    return requests.post(permiso.url("/oauth/token"), timeout=5, data={
        "grant_type": "client_credentials", "client_id": "service", "client_secret": "service-secret"})


def test_metrics_count_tokens_errors_requests_store_calls_and_key_ages(served):
    permiso, metrics = served
    assert client_credentials(permiso).status_code == 200
    bad = requests.post(permiso.url("/oauth/token"), data={"grant_type": "password", "client_id": "service",
                                                          "client_secret": "service-secret"}, timeout=5)
    assert bad.json()["error"] == "unsupported_grant_type"
    requests.post(permiso.url("/oauth/introspect"), data={"token": "x"}, auth=("api", "api-secret"), timeout=5)
    text = requests.get(metrics, timeout=5).text
    assert 'permiso_tokens_issued_total{grant="client_credentials",alg="RS256"} 1' in text, text[:2000]
    assert 'permiso_oauth_errors_total{error="unsupported_grant_type"} 1' in text
    assert 'http_route="/oauth/token"' in text and 'http_response_status_code="200"' in text
    # One count per answer, by route, method and status; a latency for each; none in progress.
    token = 'http_route="/oauth/token",http_request_method="POST",http_response_status_code='
    assert f'hb_requests{{{token}"200"}} 1' in text and f'hb_requests{{{token}"400"}} 1' in text, text[:3000]
    assert f'http_server_request_duration_count{{{token}"200"}} 1' in text
    assert 'http_server_active_requests{http_request_method="POST"} 0' in text
    assert "permiso_state_store_duration_seconds_bucket" in text
    assert re.search(r'permiso_key_age_seconds\{kind="signing",key="[^"]+",alg="RS256",state="active"\} \d', text)
    # Never on the public port.
    assert requests.get(permiso.url("/metrics"), timeout=5).status_code == 404


def test_metrics_count_what_the_client_secret_throttle_refused(served):
    """Guessing a client's secret from one address: past the throttle's limit every attempt
    is refused unchecked, and each refusal is counted for the operator."""
    permiso, metrics = served
    answers = [requests.post(permiso.url("/oauth/token"), timeout=10, data={
        "grant_type": "client_credentials", "client_id": "service", "client_secret": f"guess-{n}"}) for n in range(24)]
    errors = [answer.json()["error"] for answer in answers]
    refused = errors.count("temporarily_unavailable")
    assert refused >= 1 and errors.count("invalid_client") + refused == len(answers), errors
    text = requests.get(metrics, timeout=5).text
    assert f'permiso_throttle_refusals_total{{throttle="client_secret"}} {refused}' in text, text[-2000:]


def test_metrics_count_what_the_device_and_revocation_throttles_refused(served):
    """The other throttles that answer before doing the work: device authorizations from one
    address, user codes typed on the device page, and revocations for one user. Each refusal
    is counted under its throttle, apart from a store outage's temporarily_unavailable."""
    permiso, metrics = served
    starts = [requests.post(permiso.url("/oauth/device/code"), data={"client_id": "cli", "scope": "openid"}, timeout=5)
              for _ in range(13)]
    assert [answer.status_code for answer in starts].count(200) == 10
    refused_starts = [answer.json()["error"] for answer in starts if answer.status_code != 200]
    assert refused_starts == ["temporarily_unavailable"] * 3, refused_starts
    pages = [requests.post(permiso.url("/device"), data={"user_code": f"BCDF-GHJ{letter}"}, timeout=5) for letter in "KLMNPQRSTVWX"]
    refused_codes = [answer.status_code for answer in pages].count(429)
    assert refused_codes == 2 and [answer.status_code for answer in pages].count(400) == 10
    token = client_credentials(permiso).json()["access_token"]
    form = {"token": token, "client_id": "service", "client_secret": "service-secret"}
    revocations = [requests.post(permiso.url("/oauth/revoke"), data=form, timeout=5) for _ in range(302)]
    assert [answer.status_code for answer in revocations].count(200) == 300
    assert [answer.json()["error"] for answer in revocations[300:]] == ["temporarily_unavailable"] * 2
    text = requests.get(metrics, timeout=5).text
    assert 'permiso_throttle_refusals_total{throttle="device_authorization"} 3' in text, text[-3000:]
    assert 'permiso_throttle_refusals_total{throttle="user_code"} 2' in text
    assert 'permiso_throttle_refusals_total{throttle="revocation"} 2' in text
    assert 'permiso_oauth_errors_total{error="temporarily_unavailable"} 5' in text


def test_metrics_count_down_to_each_active_keys_rotation_and_forget_keys_rotated_out(tmp_path):
    """`lifetimes.activeKey` (here 30 days) after a key became active, its rotation is due:
    the gauge counts down to it. After `permiso keys rotate` and SIGHUP the promoted key counts
    down from a full 30 days, and the retired key's countdown is gone, not frozen."""
    keys = tmp_path / "keys"
    shutil.copytree(ROOT / "keys", keys)
    port, metrics_port = free_port(), free_port()
    config = example_config(tmp_path, f"http://127.0.0.1:{port}")
    config.write_text(re.sub(r"^keys: .*$", f"keys: {keys}", config.read_text(), count=1, flags=re.M)
                      .replace("  deviceCode: 10m\n", "  deviceCode: 10m\n  activeKey: 30d\n", 1))
    manifest = (keys / "manifest.yaml").read_text()
    old = re.search(r"file: (rs256-\S+)\n    algorithm: RS256\n    state: active\n    created: (\S+)\n(?:    activated: (\S+)\n)?", manifest)
    promoted = re.search(r"file: (rs256-\S+)\n    algorithm: RS256\n    state: next", manifest).group(1)
    permiso = Permiso(config, port, args=("--metrics-address", f"127.0.0.1:{metrics_port}"))
    metrics = f"http://127.0.0.1:{metrics_port}/metrics"
    try:
        wait_for_port(metrics_port)

        def due(key: str) -> float | None:
            found = re.search(r'permiso_key_rotation_due_seconds\{kind="signing",key="%s",alg="RS256"\} (\S+)' % re.escape(key),
                              requests.get(metrics, timeout=5).text)
            return float(found.group(1)) if found else None

        # Without `activated` in the manifest, the key's creation stands in.
        created = datetime.strptime(old.group(3) or old.group(2), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
        assert abs(due(old.group(1)) - (created + 30 * 86_400 - time.time())) < 60
        assert due(promoted) is None, "a next key has no countdown"

        run_permiso("keys", "rotate", "--keys", str(keys), "--alg", "RS256", "--signing-only")
        permiso.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while due(promoted) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert abs(due(promoted) - 30 * 86_400) < 60, "a full period from its promotion"
        assert due(old.group(1)) is None, "the retired key's countdown is gone"
        text = requests.get(metrics, timeout=5).text
        assert f'permiso_key_age_seconds{{kind="signing",key="{old.group(1)}",alg="RS256",state="retired"}}' in text
        assert f'key="{old.group(1)}",alg="RS256",state="active"' not in text
    finally:
        permiso.stop()


def test_metrics_count_refused_sign_ins_reloads_and_store_outages(tmp_path):
    """The series an operator alerts on besides the tokens: refused sign-ins by reason,
    SIGHUP reloads by result, and the state-store calls a stopped Redis did not answer."""
    redis = Redis(tmp_path)
    port, metrics_port = free_port(), free_port()
    config = example_config(tmp_path, f"http://127.0.0.1:{port}", state_store=f"redis://127.0.0.1:{redis.port}/0")
    permiso = None
    try:
        permiso = Permiso(config, port, args=("--metrics-address", f"127.0.0.1:{metrics_port}"))
        wait_for_port(metrics_port)
        metrics = f"http://127.0.0.1:{metrics_port}/metrics"

        def scraped(line: str) -> bool:
            for _ in range(200):
                if line in requests.get(metrics, timeout=5).text:
                    return True
                time.sleep(0.1)
            return False

        authorize = permiso.url("/oauth/authorize?client_id=cli&response_type=code&scope=openid&state=s"
                                "&redirect_uri=http://127.0.0.1/callback&code_challenge_method=S256"
                                "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")

        def sign_in(password: str) -> requests.Response:
            page = requests.Session()
            tx = re.search(r'name="tx" value="([^"]*)"', page.get(authorize, timeout=5).text).group(1)
            return page.post(permiso.url("/login"), data={"tx": tx, "username": "alice", "password": password},
                             allow_redirects=False, timeout=5)

        assert sign_in("not-her-password").status_code == 401
        assert scraped('permiso_sign_in_failures_total{reason="incorrect"} 1')
        assert "permiso_state_store_failures_total" not in requests.get(metrics, timeout=5).text

        permiso.process.send_signal(signal.SIGHUP)
        assert scraped('permiso_config_reloads_total{result="ok"} 1')
        good = config.read_text()
        config.write_text(good + "\nclients: [\n")
        permiso.process.send_signal(signal.SIGHUP)
        assert scraped('permiso_config_reloads_total{result="failed"} 1')
        config.write_text(good)

        redis.stop()
        assert sign_in("alice-password").status_code == 503, "no store, no sign-in"
        text = requests.get(metrics, timeout=5).text
        assert re.search(r'permiso_state_store_failures_total\{operation="\w+"\} [1-9]', text), text[-3000:]
    finally:
        if permiso:
            permiso.stop()
        redis.stop()


@pytest.mark.skipif(shutil.which("prometheus") is None, reason="scripts/install-test-deps installs Debian's prometheus")
def test_a_real_prometheus_scrapes_the_token_counter(served, tmp_path):
    permiso, metrics = served
    for _ in range(3):
        assert client_credentials(permiso).status_code == 200
    target = metrics.removeprefix("http://").removesuffix("/metrics")
    (tmp_path / "prometheus.yml").write_text(
        "global:\n  scrape_interval: 1s\nscrape_configs:\n"
        f"  - job_name: permiso\n    static_configs:\n      - targets: ['{target}']\n")
    port = free_port()
    prometheus = subprocess.Popen(
        ["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, timeout=30)
        query = 'sum(permiso_tokens_issued_total{grant="client_credentials"})'
        deadline, value = time.monotonic() + 45, None
        while time.monotonic() < deadline:
            response = requests.get(f"http://127.0.0.1:{port}/api/v1/query", params={"query": query}, timeout=5)
            # Prometheus listens before it is ready, and answers 503 in plain text until then.
            answer = response.json() if response.status_code == 200 else {"status": "starting"}
            if answer["status"] == "success" and answer["data"]["result"]:
                value = float(answer["data"]["result"][0]["value"][1])
                break
            time.sleep(0.5)
        assert value == 3, f"Prometheus answered {value}"
        up = requests.get(f"http://127.0.0.1:{port}/api/v1/query", params={"query": "up{job='permiso'}"}, timeout=5).json()
        assert up["data"]["result"][0]["value"][1] == "1"
    finally:
        prometheus.terminate()
        prometheus.wait(timeout=10)


def test_a_malformed_metrics_address_is_a_clear_start_up_error(tmp_path):
    from conftest import run_permiso
    config = example_config(tmp_path, "http://127.0.0.1:8080")
    for address in ("nonsense", "127.0.0.1:0", "127.0.0.1:99999"):
        refused = run_permiso("serve", "--config", str(config), "--port", str(free_port()), "--metrics-address", address, check=False)
        assert refused.returncode == 2 and f"--metrics-address: expected HOST:PORT, got {address}" in refused.stderr

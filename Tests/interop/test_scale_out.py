"""Scale-out proof: three `permiso serve` instances sharing one Redis behind nginx, which
also serves `site/` as a CDN would. Every flow completes with consecutive requests on
different instances; single use and refresh-token rotation hold across instances; a
killed instance and a Redis outage are survived."""

import base64
import hashlib
import re
import urllib.parse

import pytest
import requests

from cluster import Cluster, wait_until

REDIRECT = "http://127.0.0.1/callback"
VERIFIER = "v" * 64
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


@pytest.fixture
def cluster(tmp_path):
    started = Cluster(tmp_path)
    yield started
    started.stop()


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field in the page"
    return match.group(1)


class Trail:
    """Records which instance answered each request of a flow."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster
        self.session = requests.Session()
        self.upstreams: list[str] = []

    def get(self, path: str, **kwargs) -> requests.Response:
        return self._record(self.session.get(self.cluster.base + path, allow_redirects=False, timeout=10, **kwargs))

    def post(self, path: str, **kwargs) -> requests.Response:
        return self._record(self.session.post(self.cluster.base + path, allow_redirects=False, timeout=10, **kwargs))

    def _record(self, response: requests.Response) -> requests.Response:
        self.upstreams.append(self.cluster.upstream(response))
        return response

    def assert_spread(self) -> None:
        for before, after in zip(self.upstreams, self.upstreams[1:]):
            assert before != after, f"consecutive requests on one instance: {self.upstreams}"
        assert len(set(self.upstreams)) == 3, self.upstreams


def authorize_query(state: str = "st") -> str:
    return urllib.parse.urlencode({
        "client_id": "cli", "redirect_uri": REDIRECT, "response_type": "code", "scope": "openid email offline_access",
        "state": state, "nonce": "n", "code_challenge": CHALLENGE, "code_challenge_method": "S256",
    })


def sign_in_for_code(trail: Trail) -> str:
    login = trail.get("/oauth/authorize?" + authorize_query())
    assert login.status_code == 200, login.text
    consent = trail.post("/login", data={"tx": hidden(login.text, "tx"), "username": "alice", "password": "alice-password"})
    assert consent.status_code == 200 and "Allow Permiso CLI?" in consent.text
    done = trail.post("/consent", data={"tx": hidden(consent.text, "tx"), "decision": "allow"})
    assert done.status_code == 303, done.text
    query = urllib.parse.parse_qs(urllib.parse.urlparse(done.headers["Location"]).query)
    return query["code"][0]


def redeem(base: str, code: str) -> requests.Response:
    return requests.post(f"{base}/oauth/token", timeout=10, data={
        "grant_type": "authorization_code", "code": code, "client_id": "cli", "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    })


def test_the_well_known_files_come_from_the_static_site_not_an_instance(cluster):
    response = requests.get(cluster.base + "/.well-known/openid-configuration", timeout=5)
    assert response.status_code == 200 and "X-Upstream" not in response.headers
    assert response.json()["device_authorization_endpoint"] == cluster.base + "/oauth/device/code"
    assert response.content == (cluster.folder / "site" / ".well-known" / "openid-configuration").read_bytes()


def test_the_browser_code_flow_spreads_over_every_instance(cluster):
    trail = Trail(cluster)
    code = sign_in_for_code(trail)
    tokens = trail.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": "cli", "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    })
    assert tokens.status_code == 200, tokens.text
    access = tokens.json()["access_token"]
    userinfo = trail.get("/oauth/userinfo", headers={"Authorization": f"Bearer {access}"})
    assert userinfo.status_code == 200 and userinfo.json()["sub"] == "alice"
    refreshed = trail.post("/oauth/token", data={
        "grant_type": "refresh_token", "refresh_token": tokens.json()["refresh_token"], "client_id": "cli",
    })
    assert refreshed.status_code == 200, refreshed.text
    trail.assert_spread()


def test_a_code_replayed_at_another_instance_is_refused(cluster):
    code = sign_in_for_code(Trail(cluster))
    first, second, third = cluster.instances
    assert redeem(first.base, code).status_code == 200
    replay = redeem(second.base, code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert "already used" in replay.json()["error_description"]


def test_refresh_token_reuse_across_instances_revokes_the_family(cluster):
    first, second, third = cluster.instances
    tokens = redeem(first.base, sign_in_for_code(Trail(cluster))).json()
    form = {"grant_type": "refresh_token", "client_id": "cli"}
    rotated = requests.post(f"{first.base}/oauth/token", data={**form, "refresh_token": tokens["refresh_token"]}, timeout=10)
    assert rotated.status_code == 200
    reuse = requests.post(f"{second.base}/oauth/token", data={**form, "refresh_token": tokens["refresh_token"]}, timeout=10)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    # The reuse revoked the whole family: the newest token of it stops working too, anywhere.
    newest = requests.post(f"{third.base}/oauth/token", data={**form, "refresh_token": rotated.json()["refresh_token"]}, timeout=10)
    assert newest.status_code == 400 and newest.json()["error"] == "invalid_grant"


def approve_device(trail: Trail, user_code: str) -> None:
    entry = trail.get("/device?" + urllib.parse.urlencode({"user_code": user_code}))
    assert entry.status_code == 200 and user_code in entry.text
    login = trail.post("/device", data={"user_code": user_code})
    assert login.status_code == 200 and 'action="/device/login"' in login.text
    consent = trail.post("/device/login", data={"tx": hidden(login.text, "tx"), "username": "alice", "password": "alice-password"})
    assert consent.status_code == 200 and user_code in consent.text
    done = trail.post("/device/consent", data={"tx": hidden(consent.text, "tx"), "decision": "allow"})
    assert done.status_code == 200 and "Device connected" in done.text


def test_the_device_flow_spreads_over_every_instance(cluster):
    device = Trail(cluster)
    started = device.post("/oauth/device/code", data={"client_id": "cli", "scope": "openid email"})
    assert started.status_code == 200, started.text
    grant = started.json()
    poll = {"grant_type": DEVICE_GRANT, "client_id": "cli", "device_code": grant["device_code"]}
    pending = device.post("/oauth/token", data=poll)
    assert pending.json()["error"] == "authorization_pending"
    # Polling again at once, at another instance, is still too soon: the pace is shared.
    early = device.post("/oauth/token", data=poll)
    assert early.json()["error"] == "slow_down"
    person = Trail(cluster)
    approve_device(person, grant["user_code"])
    person.assert_spread()

    def poll_until_tokens():
        answer = device.post("/oauth/token", data=poll)
        return answer if answer.status_code == 200 else None

    tokens = wait_until(poll_until_tokens, timeout=25)
    assert tokens is not None, "no tokens after approval"
    assert "id_token" in tokens.json()
    again = device.post("/oauth/token", data=poll)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    device.assert_spread()


def test_a_killed_instance_does_not_break_a_flow_in_progress(cluster):
    trail = Trail(cluster)
    login = trail.get("/oauth/authorize?" + authorize_query())
    assert login.status_code == 200
    # The instance that would answer next dies mid-flow; nginx retries the refused connection elsewhere.
    cluster.instances[1].kill()
    consent = trail.post("/login", data={"tx": hidden(login.text, "tx"), "username": "alice", "password": "alice-password"})
    assert consent.status_code == 200, consent.text
    done = trail.post("/consent", data={"tx": hidden(consent.text, "tx"), "decision": "allow"})
    assert done.status_code == 303
    code = urllib.parse.parse_qs(urllib.parse.urlparse(done.headers["Location"]).query)["code"][0]
    tokens = trail.post("/oauth/token", data={
        "grant_type": "authorization_code", "code": code, "client_id": "cli", "redirect_uri": REDIRECT,
        "code_verifier": VERIFIER,
    })
    assert tokens.status_code == 200, tokens.text
    dead = f"127.0.0.1:{cluster.instances[1].port}"
    assert all(upstream != dead for upstream in trail.upstreams[1:]), trail.upstreams


def test_a_redis_outage_fails_closed_and_service_resumes_without_restarts(cluster):
    trail = Trail(cluster)
    code = sign_in_for_code(trail)
    tokens = redeem(cluster.base, sign_in_for_code(Trail(cluster))).json()
    cluster.redis.stop()

    # What needs the store says so with 503 temporarily_unavailable...
    refused = redeem(cluster.base, code)
    assert refused.status_code == 503 and refused.json()["error"] == "temporarily_unavailable"
    device = requests.post(cluster.base + "/oauth/device/code", data={"client_id": "cli"}, timeout=10)
    assert device.status_code == 503 and device.json()["error"] == "temporarily_unavailable"
    # ...and what does not keeps working, on every instance.
    for instance in cluster.instances:
        service = requests.post(f"{instance.base}/oauth/token", timeout=10, data={
            "grant_type": "client_credentials", "client_id": "service", "client_secret": "service-secret"})
        assert service.status_code == 200
        userinfo = requests.get(f"{instance.base}/oauth/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"}, timeout=10)
        assert userinfo.status_code == 200
        assert requests.get(f"{instance.base}/.well-known/jwks.json", timeout=10).status_code == 200
    assert requests.get(cluster.base + "/.well-known/openid-configuration", timeout=10).status_code == 200
    assert any("state store unreachable" in instance.log_path.read_text() for instance in cluster.instances)

    cluster.redis.start()
    # Every instance reconnects on its own; the code refused during the outage is still good.
    resumed = wait_until(lambda: redeem(cluster.base, code).status_code == 200, timeout=10)
    assert resumed
    for instance in cluster.instances:
        answer = wait_until(lambda: requests.post(f"{instance.base}/oauth/device/code", data={"client_id": "cli"}, timeout=10).status_code == 200)
        assert answer, f"instance {instance.port} did not resume"


def test_a_sentinel_url_with_no_reachable_sentinel_refuses_to_start_naming_the_hosts(tmp_path):
    from conftest import example_config, free_port, run_permiso

    config = example_config(tmp_path, "http://127.0.0.1:9", state_store="${REDIS_URL}")
    first, second = free_port(), free_port()
    url = f"redis+sentinel://:data-secret@127.0.0.1:{first},127.0.0.1:{second}/mymaster?sentinel_password=sentinel-secret"
    result = run_permiso(
        "serve", "--config", str(config), "--port", str(free_port()), check=False, env={"REDIS_URL": url}
    )
    assert result.returncode != 0, "no sentinel: no start"
    assert "no sentinel named the master" in result.stderr
    assert f"127.0.0.1:{first}" in result.stderr and f"127.0.0.1:{second}" in result.stderr
    assert "secret" not in result.stderr + result.stdout, "credentials are never printed"

"""Mixed load for the fault and soak scripts: worker threads that each run the flows a real
deployment sees, and a record of every answer and every value issued, so a script can count
failures and replay what was issued afterwards.

Each worker signs in once (its own browser session), then loops over its kinds:
- `cc`: a client_credentials token (no state);
- `code`: a silent authorization (prompt=none) and the code exchange (single use);
- `refresh`: a rotation of the worker's own refresh-token chain (generation markers);
- `userinfo`: the worker's latest access token at userinfo (session check);
- `device`: a device authorization and one poll (authorization_pending or slow_down).
Every request carries a random X-Forwarded-For (the scripts trust 127.0.0.1 as a proxy), so
the per-address throttles see many clients, as behind a real load balancer.
"""

import random
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

import requests

from harness import SECRET, authorize_query, exchange_body, pkce

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@dataclass
class Answer:
    at: float
    kind: str
    ok: bool
    detail: str


@dataclass
class Record:
    """Everything the workers saw, guarded by one lock."""
    answers: list[Answer] = field(default_factory=list)
    redeemed_codes: list[tuple[str, str]] = field(default_factory=list)  # (code, verifier) that got tokens
    failed_codes: list[tuple[str, str]] = field(default_factory=list)  # exchanges that got no answer
    used_refresh: list[str] = field(default_factory=list)  # refresh tokens that rotated
    tokens: list[tuple[float, str]] = field(default_factory=list)  # (issued at, JWT) access and ID tokens
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, ok: bool, detail: str = "") -> None:
        with self.lock:
            self.answers.append(Answer(time.monotonic(), kind, ok, detail))

    def failures(self) -> list[Answer]:
        with self.lock:
            return [a for a in self.answers if not a.ok]


def sign_in(browser: requests.Session, base: str) -> None:
    """The login form once, so later authorizations are silent."""
    _, challenge = pkce()
    page = browser.get(f"{base}/oauth/authorize?{authorize_query(challenge)}", allow_redirects=False, timeout=30)
    tx = re.search(r'name="tx" value="([^"]+)"', page.text).group(1)
    done = browser.post(f"{base}/login", data={"tx": tx, "username": "alice", "password": "alice-password"},
                        allow_redirects=False, timeout=30)
    assert done.status_code in (302, 303), done.text[:200]


class Worker(threading.Thread):
    def __init__(self, base: str, kinds: list[str], record: Record, stop: threading.Event, pause: float = 0.0):
        super().__init__(daemon=True)
        self.base, self.kinds, self.record, self.stop, self.pause = base, kinds, record, stop, pause
        self.browser = requests.Session()
        self.refresh_token: str | None = None
        self.access_token: str | None = None

    def headers(self) -> dict:
        address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
        return {**FORM, "X-Forwarded-For": address}

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                sign_in(self.browser, self.base)
                break
            except Exception:  # the store or an instance may be down when the worker starts
                time.sleep(0.5)
        while not self.stop.is_set():
            kind = random.choice(self.kinds)
            try:
                getattr(self, kind)()
            except requests.RequestException as error:
                self.record.add(kind, False, type(error).__name__)
            if self.pause:
                time.sleep(self.pause)

    def keep(self, tokens: dict, user: bool = True) -> None:
        """Records the tokens; a user's (not a client credentials one) becomes the worker's own."""
        now = time.monotonic()
        with self.record.lock:
            for name in ("access_token", "id_token"):
                if name in tokens:
                    self.record.tokens.append((now, tokens[name]))
        if user:
            self.access_token = tokens.get("access_token", self.access_token)
            self.refresh_token = tokens.get("refresh_token", self.refresh_token)

    def cc(self) -> None:
        response = self.browser.post(f"{self.base}/oauth/token", headers=self.headers(), timeout=30,
                                     data=f"grant_type=client_credentials&client_id=bench-es256&client_secret={SECRET}")
        ok = response.status_code == 200
        if ok:
            self.keep(response.json(), user=False)
        self.record.add("cc", ok, f"{response.status_code} {response.text[:80]}")

    def code(self) -> None:
        verifier, challenge = pkce()
        answer = self.browser.get(f"{self.base}/oauth/authorize?{authorize_query(challenge, 'none')}",
                                  allow_redirects=False, timeout=30, headers={"X-Forwarded-For": self.headers()["X-Forwarded-For"]})
        query = urllib.parse.parse_qs(urllib.parse.urlparse(answer.headers.get("Location", "")).query)
        if "code" not in query:
            if query.get("error") == ["login_required"]:
                sign_in(self.browser, self.base)
            self.record.add("code", False, f"authorize {answer.status_code} {query.get('error')}")
            return
        code = query["code"][0]
        try:
            response = self.browser.post(f"{self.base}/oauth/token", data=exchange_body(code, verifier),
                                         headers=self.headers(), timeout=30)
        except requests.RequestException:
            with self.record.lock:
                self.record.failed_codes.append((code, verifier))
            raise
        ok = response.status_code == 200
        with self.record.lock:
            (self.record.redeemed_codes if ok else self.record.failed_codes).append((code, verifier))
        if ok:
            self.keep(response.json())
        self.record.add("code", ok, f"{response.status_code} {response.text[:80]}")

    def refresh(self) -> None:
        if not self.refresh_token:
            return self.code()
        used = self.refresh_token
        response = self.browser.post(f"{self.base}/oauth/token", headers=self.headers(), timeout=30, data={
            "grant_type": "refresh_token", "refresh_token": used, "client_id": "bench-web", "client_secret": SECRET})
        ok = response.status_code == 200
        if ok:
            with self.record.lock:
                self.record.used_refresh.append(used)
            self.keep(response.json())
        elif "invalid_grant" in response.text:
            self.refresh_token = None  # the chain is gone; start a new one with the next code
        self.record.add("refresh", ok, f"{response.status_code} {response.text[:80]}")

    def userinfo(self) -> None:
        if not self.access_token:
            return self.code()
        response = self.browser.get(f"{self.base}/oauth/userinfo", timeout=30,
                                    headers={"Authorization": f"Bearer {self.access_token}"})
        self.record.add("userinfo", response.status_code == 200, f"{response.status_code} {response.text[:80]}")

    def device(self) -> None:
        headers = self.headers()
        start = self.browser.post(f"{self.base}/oauth/device/code", headers=headers, timeout=30,
                                  data="client_id=cli&scope=openid")
        if start.status_code != 200:
            return self.record.add("device", False, f"start {start.status_code} {start.text[:80]}")
        poll = self.browser.post(f"{self.base}/oauth/token", headers=headers, timeout=30, data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code", "device_code": start.json()["device_code"],
            "client_id": "cli"})
        ok = poll.status_code == 400 and poll.json().get("error") in ("authorization_pending", "slow_down")
        self.record.add("device", ok, f"poll {poll.status_code} {poll.text[:80]}")


def replay(base: str, record: Record) -> dict[str, int]:
    """Presents every redeemed code and every rotated refresh token once more: the number
    that succeed is the number of values redeemed twice (0 is the guarantee)."""
    session = requests.Session()
    twice = {"codes": 0, "refresh tokens": 0}
    for code, verifier in record.redeemed_codes:
        if session.post(f"{base}/oauth/token", data=exchange_body(code, verifier), headers=FORM).status_code == 200:
            twice["codes"] += 1
    for token in record.used_refresh:
        if session.post(f"{base}/oauth/token", headers=FORM, data={
                "grant_type": "refresh_token", "refresh_token": token, "client_id": "bench-web",
                "client_secret": SECRET}).status_code == 200:
            twice["refresh tokens"] += 1
    return twice


def summary(record: Record) -> str:
    with record.lock:
        kinds = sorted({a.kind for a in record.answers})
        parts = []
        for kind in kinds:
            answers = [a for a in record.answers if a.kind == kind]
            failed = sum(1 for a in answers if not a.ok)
            parts.append(f"{kind} {len(answers)} ({failed} failed)")
        return ", ".join(parts)

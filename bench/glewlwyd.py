"""Glewlwyd (Debian's `glewlwyd`, a C OpenID Connect provider) as the peer to compare with.

Its database is SQLite on tmpfs (/dev/shm when there is one) so disk is not what is
measured. The script configures it the way an administrator would, through its admin API:
sign in as the initial admin, add an OIDC plugin instance with an ES256 key (the same
algorithm as Permiso's headline figure), a scope, a confidential client allowed
client_credentials and password, and a user for userinfo.
"""

import gzip
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

import requests

from harness import Processes, free_port, wait_for

# The package's initial SQLite schema: dbconfig's copy (kept even where /usr/share/doc is
# not installed, as in slim images), else the documentation's.
INIT_SQL = [Path("/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3"),
            Path("/usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz")]
BINARY = shutil.which("glewlwyd") or "/usr/bin/glewlwyd"
CLIENT, SECRET = "bench", "bench-secret"
PBKDF2_ITERATIONS = 1000


def available() -> bool:
    return Path(BINARY).exists() and any(path.exists() for path in INIT_SQL)


def init_sql() -> str:
    path = next(path for path in INIT_SQL if path.exists())
    return gzip.decompress(path.read_bytes()).decode() if path.suffix == ".gz" else path.read_text()


class Glewlwyd:
    def __init__(self, processes: Processes) -> None:
        shm = Path("/dev/shm")
        self.folder = Path(tempfile.mkdtemp(prefix="permiso-bench-glewlwyd-", dir=shm if shm.is_dir() else None))
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        database = self.folder / "glewlwyd.db"
        with sqlite3.connect(database) as connection:
            # The package's initial schema: tables, modules, and the admin (admin / password).
            connection.executescript(init_sql())
        config = self.folder / "glewlwyd.conf"
        config.write_text(f"""port={self.port}
bind_address="127.0.0.1"
external_url="{self.base}"
login_url="login.html"
api_prefix="api"
allow_origin="*"
log_mode="console"
log_level="ERROR"
cookie_secure=0
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
use_secure_connection=0
hash_algorithm="SHA512"
database = {{ type = "sqlite3"; path = "{database}"; }};
""")
        self.process = processes.start([BINARY, f"--config-file={config}"], stderr=open(self.folder / "stderr", "w"))
        wait_for(self.port, self.process)
        self._configure()

    def _configure(self) -> None:
        admin = requests.Session()
        self._check(admin.post(f"{self.base}/api/auth/", json={"username": "admin", "password": "password"}))
        key = self.folder / "es256.pem"
        subprocess.run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(key)],
                       check=True, capture_output=True)
        public = subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout"], check=True, capture_output=True,
                                text=True).stdout
        self._check(admin.post(f"{self.base}/api/mod/plugin/", json={
            "module": "oidc", "name": "oidc", "display_name": "OIDC", "order_rank": 0,
            "parameters": {
                "iss": self.base, "jwt-type": "ecdsa", "jwt-key-size": "256", "key": key.read_text(), "cert": public,
                "access-token-duration": 600, "refresh-token-duration": 86400, "code-duration": 60,
                "refresh-token-rolling": True, "allow-non-oidc": True, "subject-type": "public",
                "auth-type-code-enabled": True, "auth-type-token-enabled": False, "auth-type-id-token-enabled": True,
                "auth-type-none-enabled": False, "auth-type-password-enabled": True,
                "auth-type-client-enabled": True, "auth-type-device-enabled": False, "auth-type-refresh-enabled": True,
                "scope": [], "additional-parameters": [], "claims": [],
            },
        }))
        # Client secrets are PBKDF2 digests, 150,000 rounds by default: ~60 ms per request,
        # which would measure the KDF, not the server. Permiso verifies a secret's bcrypt once and
        # caches the result; the nearest Glewlwyd setting is the cheapest sensible digest.
        module = admin.get(f"{self.base}/api/mod/client/database")
        self._check(module)
        module = module.json()
        module["parameters"]["pbkdf2-iterations"] = PBKDF2_ITERATIONS
        self._check(admin.put(f"{self.base}/api/mod/client/database", json={
            key: module[key] for key in ("module", "name", "display_name", "order_rank", "parameters", "readonly")}))
        # A changed instance keeps its loaded parameters until it is reset.
        self._check(admin.put(f"{self.base}/api/mod/client/database/disable"))
        self._check(admin.put(f"{self.base}/api/mod/client/database/enable"))
        self._check(admin.post(f"{self.base}/api/scope/", json={
            "name": "api", "display_name": "API", "description": "benchmark", "password_required": False,
            "password_max_age": 0, "scheme": {}}))
        self._check(admin.post(f"{self.base}/api/client/", json={
            "client_id": CLIENT, "name": CLIENT, "confidential": True, "password": SECRET, "enabled": True,
            "scope": ["api"], "authorization_type": ["client_credentials", "password", "refresh_token"],
            "token_endpoint_auth_method": ["client_secret_basic", "client_secret_post"],
            "redirect_uri": ["http://127.0.0.1/cb"]}))
        self._check(admin.post(f"{self.base}/api/user/", json={
            "username": "alice", "password": "alice-password", "name": "Alice", "email": "alice@example.com",
            "scope": ["openid", "api"], "enabled": True}))

    @staticmethod
    def _check(response: requests.Response) -> None:
        if response.status_code != 200:
            raise SystemExit(f"Glewlwyd admin API: {response.request.method} {response.url} → "
                             f"{response.status_code} {response.text}")

    @property
    def token_url(self) -> str:
        return f"{self.base}/api/oidc/token"

    @property
    def userinfo_url(self) -> str:
        return f"{self.base}/api/oidc/userinfo"

    def client_credentials_body(self) -> str:
        return f"grant_type=client_credentials&scope=api&client_id={CLIENT}&client_secret={SECRET}"

    def user_access_token(self) -> str:
        response = requests.post(self.token_url, auth=(CLIENT, SECRET), data={
            "grant_type": "password", "username": "alice", "password": "alice-password", "scope": "openid"})
        self._check(response)
        return response.json()["access_token"]

    def cleanup(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

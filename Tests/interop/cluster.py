"""A scaled-out deployment on loopback, as docs/operations.md describes it:
Debian's nginx serves `site/` for /.well-known/* (the CDN's role) and round-robins
everything else over N `permiso serve` instances that share one config, one key folder and
one Redis (Debian's redis-server)."""

import subprocess
import time
from pathlib import Path

import requests

from conftest import Nginx, Permiso, example_config, free_port, run_permiso, wait_for_port
from relying_party import save_log


class Redis:
    def __init__(self, folder: Path, port: int | None = None):
        self.folder = folder
        self.port = port or free_port()
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(timeout=10)


class Cluster:
    """nginx in front of `count` instances and one Redis. Every proxied answer names the
    instance that gave it in `X-Upstream`, so tests can see where each request landed."""

    def __init__(self, folder: Path, count: int = 3, edit=None):
        """`edit`, when given, changes the config's text before anything starts."""
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.redis = Redis(folder)
        # The URL (which could hold a password) comes from the environment, as in production.
        self.config = example_config(folder, self.base, state_store="${REDIS_URL}")
        if edit:
            self.config.write_text(edit(self.config.read_text()))
        environment = {"REDIS_URL": f"redis://127.0.0.1:{self.redis.port}/0"}
        run_permiso("build", "--config", str(self.config), "--out", str(folder / "site"), cwd=folder, env=environment)
        self.instances = [
            Permiso(self.config, args=("--trusted-proxy", "127.0.0.1"), env=environment, log=folder / f"serve-{index}.log")
            for index in range(count)
        ]
        upstream = "\n".join(f"        server 127.0.0.1:{instance.port} max_fails=1 fail_timeout=5s;" for instance in self.instances)
        self.nginx = Nginx(
            folder, folder / "site", self.port,
            server=f"""
        include {folder / 'site' / 'nginx.conf'};
        location / {{
            proxy_pass http://permiso;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_next_upstream error timeout;
            add_header X-Upstream $upstream_addr always;
        }}""",
            tls=None,
            http=f"upstream permiso {{\n{upstream}\n    }}",
        )

    def upstream(self, response: requests.Response) -> str:
        """The instance that answered: the last address nginx tried."""
        return response.headers["X-Upstream"].split(",")[-1].strip()

    def stop(self) -> None:
        self.nginx.stop()
        for instance in self.instances:
            instance.stop()
            save_log(instance.log_path, f"cluster-{self.folder.name}-{instance.log_path.name}")
        self.redis.stop()


def wait_until(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.1)

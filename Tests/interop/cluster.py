"""A scaled-out deployment on loopback, as docs/operations.md describes it:
Debian's nginx serves `site/` for /.well-known/* (the CDN's role) and round-robins
everything else over N `permiso serve` instances that share one config, one key folder and
one Redis (Debian's redis-server)."""

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import requests

from conftest import ROOT, Nginx, free_port, permiso_binary, run_permiso, wait_for_port
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


class Instance:
    def __init__(self, config: Path, port: int, environment: dict, log: Path):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.config, self.environment, self.log_path = config, environment, log
        self.start()

    def start(self) -> None:
        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [str(permiso_binary()), "serve", "--config", str(self.config), "--port", str(self.port),
             "--trusted-proxy", "127.0.0.1"],
            stdout=self.log, stderr=self.log, env={**os.environ, **self.environment},
        )
        wait_for_port(self.port)

    def kill(self) -> None:
        """Dies as a crashed or evicted instance would: no graceful shutdown."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.log.close()


class Cluster:
    """nginx in front of `count` instances and one Redis. Every proxied answer names the
    instance that gave it in `X-Upstream`, so tests can see where each request landed."""

    def __init__(self, folder: Path, count: int = 3):
        self.folder = folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.redis = Redis(folder)
        config = (ROOT / "permiso.yaml").read_text()
        config = re.sub(r"^issuer: .*$", f"issuer: {self.base}", config, count=1, flags=re.M)
        config = re.sub(r"^keys: .*$", f"keys: {ROOT / 'keys'}", config, count=1, flags=re.M)
        # The URL (which could hold a password) comes from the environment, as in production.
        config = re.sub(r"^stateStore: .*$", "stateStore: ${REDIS_URL}", config, count=1, flags=re.M)
        self.config = folder / "permiso.yaml"
        self.config.write_text(config)
        environment = {"REDIS_URL": f"redis://127.0.0.1:{self.redis.port}/0"}
        run_permiso("build", "--config", str(self.config), "--out", str(folder / "site"), cwd=folder, env=environment)
        self.instances = [
            Instance(self.config, free_port(), environment, folder / f"serve-{index}.log") for index in range(count)
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

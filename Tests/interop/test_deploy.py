"""The recipes in deploy/, checked as their users will run them: the Kubernetes manifests
against Kubernetes' own schemas and against each other, the config they carry through
`permiso check` and the Deployment's arguments through `permiso serve`; the systemd unit
through `systemd-analyze verify` and its ExecStart/ExecReload run for real; and the
container's root file system (deploy/container/make-root, what the Containerfile copies into
an empty image) run in its own namespaces with that root, serving a code flow and a client-credentials request with
nothing but the static binary, its libraries, the config, keys and CA certificates."""

import fnmatch
import os
import re
import shlex
import shutil
import signal
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest
import requests
import yaml
from authlib.integrations.requests_client import OAuth2Session

from cluster import Redis
from conftest import ROOT, example_config, free_port, permiso_binary, run_permiso, wait_for_port
from test_code_flow import browse_to_callback

DEPLOY = ROOT / "deploy"
MANIFESTS = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
# The oldest Kubernetes the Deployment's preStop `sleep` action runs on by default.
KUBERNETES_VERSIONS = ["1.30.0", "1.37.0"]


def manifests() -> dict[str, dict]:
    documents = {}
    for path in MANIFESTS:
        for document in yaml.safe_load_all(path.read_text()):
            documents[document["kind"]] = document
    return documents


def validate(path: Path, version: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["kubernetes-validate", "--strict", "--no-warn", "-k", version, str(path)], capture_output=True, text=True,
        timeout=120,
    )


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_passes_kubernetes_strict_schemas(version):
    assert {path.name for path in MANIFESTS} >= {"configmap.yaml", "deployment.yaml", "service.yaml", "pdb.yaml"}
    for path in MANIFESTS:
        result = validate(path, version)
        assert result.returncode == 0, f"{path.name} against {version}: {result.stdout}{result.stderr}"


def test_the_schema_check_catches_a_misspelt_field(tmp_path):
    # The check above can fail: a probe under a wrong name is refused by the strict schema.
    broken = tmp_path / "deployment.yaml"
    broken.write_text((DEPLOY / "kubernetes" / "deployment.yaml").read_text().replace("readinessProbe:", "readynessProbe:"))
    result = validate(broken, KUBERNETES_VERSIONS[0])
    assert result.returncode != 0 and "readynessProbe" in result.stdout + result.stderr


def test_the_manifests_agree_with_each_other_and_with_permiso():
    documents = manifests()
    deployment, service, budget, config_map = (
        documents["Deployment"], documents["Service"], documents["PodDisruptionBudget"], documents["ConfigMap"])
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert service["spec"]["selector"].items() <= labels.items()
    assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert deployment["spec"]["replicas"] >= 2 and budget["spec"]["maxUnavailable"] == 1

    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    arguments = dict(argument.removeprefix("--").split("=", 1) for argument in container["args"][1:])
    assert container["args"][0] == "serve" and int(arguments["port"]) == ports["http"]
    assert arguments["metrics-address"].endswith(f":{ports['metrics']}")
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    # The Service publishes the token service only, never the metrics.
    assert [port["targetPort"] for port in service["spec"]["ports"]] == ["http"]

    # The config the pods read is the ConfigMap's permiso.yaml, at the path the args name,
    # and its keys folder is where the keys Secret is mounted; both read-only.
    mounts = {mount["name"]: mount for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in pod["volumes"]}
    config_volume = next(name for name, volume in volumes.items() if "configMap" in volume)
    assert volumes[config_volume]["configMap"]["name"] == config_map["metadata"]["name"]
    assert arguments["config"] == mounts[config_volume]["mountPath"] + "/permiso.yaml"
    keys_volume = next(name for name, volume in volumes.items() if "secret" in volume)
    config = yaml.safe_load(config_map["data"]["permiso.yaml"])
    assert config["keys"] == mounts[keys_volume]["mountPath"]
    assert all(mount["readOnly"] for mount in mounts.values())
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert pod["securityContext"]["runAsNonRoot"] is True

    # Every ${VAR} the config refers to comes from the pod's environment.
    references = set(re.findall(r"\$\{(\w+)\}", config_map["data"]["permiso.yaml"]))
    provided = {variable["name"] for variable in container.get("env", [])}
    from_secrets = [source["secretRef"]["name"] for source in container.get("envFrom", [])]
    assert references - provided, "expected some references to come from envFrom"
    assert from_secrets == ["permiso-credentials"]
    for name in references - provided:
        assert name in (DEPLOY / "kubernetes" / "deployment.yaml").read_text(), f"{name} is not created"


def kubernetes_pod_folder(tmp_path: Path, redis_url: str) -> tuple[Path, dict]:
    """The pod's /etc/permiso on this machine: the ConfigMap's permiso.yaml pointing at a
    freshly generated keys folder, and the environment its Secrets would provide."""
    config_map = manifests()["ConfigMap"]
    keys = tmp_path / "keys"
    text = config_map["data"]["permiso.yaml"].replace("/etc/permiso/keys", str(keys))
    # A loopback issuer, as `permiso serve` wants for anything it can reach from here.
    config = tmp_path / "config" / "permiso.yaml"
    config.parent.mkdir()
    config.write_text(text)
    for flags in (["--alg", "RS256"], ["--alg", "ES256"], ["--sealing"]):
        run_permiso("keys", "generate", "--keys", str(keys), *flags, cwd=tmp_path)
    hashed = run_permiso("hash-password", "--cost", "4", input_text="pod-secret\n").stdout.strip()
    environment = {"REDIS_URL": redis_url, "APP_SECRET_HASH": hashed, "ALICE_PASSWORD_HASH": hashed}
    return config, environment


def test_the_configmap_config_passes_permiso_check(tmp_path):
    config, environment = kubernetes_pod_folder(tmp_path, "redis://127.0.0.1:1")
    checked = run_permiso("check", "--config", str(config), env=environment, check=False)
    assert checked.returncode == 0, checked.stderr
    # Without the Secrets' variables it names each missing one, file and line.
    bare = {name: value for name, value in os.environ.items() if name not in environment}
    missing = subprocess.run([str(permiso_binary()), "check", "--config", str(config)], capture_output=True, text=True,
                             env=bare, timeout=60)
    assert missing.returncode == 2
    for name in environment:
        assert re.search(rf"permiso\.yaml:\d+:\d+: error: .*{name} is not set", missing.stderr), missing.stderr


def test_the_deployment_arguments_serve_and_answer_both_probes(tmp_path):
    redis = Redis(tmp_path)
    try:
        config, environment = kubernetes_pod_folder(tmp_path, f"redis://127.0.0.1:{redis.port}")
        (container,) = manifests()["Deployment"]["spec"]["template"]["spec"]["containers"]
        port, metrics = free_port(), free_port()
        arguments = [argument.replace("/etc/permiso/config/permiso.yaml", str(config))
                     .replace("--port=8080", f"--port={port}").replace(":9464", f":{metrics}")
                     for argument in container["args"]]
        # The pod's issuer is not loopback; the generated keys are not development keys, so it serves.
        log = (tmp_path / "pod.log").open("w")
        process = subprocess.Popen([str(permiso_binary()), *arguments], stdout=log, stderr=log,
                                   env={**os.environ, **environment})
        try:
            wait_for_port(port)
            assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
            assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
            assert "permiso_key_age_seconds" in requests.get(f"http://127.0.0.1:{metrics}/metrics", timeout=5).text
            # Redis gone: the readiness probe takes the pod out of rotation, liveness keeps it.
            redis.stop()
            assert requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 503
            assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()
        lines = (tmp_path / "pod.log").read_text().splitlines()
        assert lines and all(line.startswith("{") for line in lines), "--log-format=json writes JSON lines"
    finally:
        if redis.process.poll() is None:
            redis.stop()


def unit() -> str:
    return (DEPLOY / "systemd" / "permiso.service").read_text()


def unit_values(text: str) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            values.setdefault(key, []).append(value)
    return values


def test_the_systemd_unit_verifies_and_sandboxes(tmp_path):
    installed = tmp_path / "permiso.service"
    installed.write_text(unit().replace("/usr/local/bin/permiso", str(permiso_binary())))
    verified = subprocess.run(["systemd-analyze", "verify", str(installed)], capture_output=True, text=True, timeout=60)
    # systemd-analyze exits 0 even for unknown keys; any message is a defect.
    assert verified.returncode == 0 and verified.stderr.strip() == "", verified.stderr

    broken = tmp_path / "broken.service"
    broken.write_text(installed.read_text().replace("ProtectSystem=strict", "ProtectSystem=strictest"))
    complaint = subprocess.run(["systemd-analyze", "verify", str(broken)], capture_output=True, text=True, timeout=60)
    assert "protect system" in complaint.stderr.lower(), "the verification above can fail"

    values = unit_values(unit())
    for key, expected in {"DynamicUser": "yes", "ProtectSystem": "strict", "NoNewPrivileges": "yes",
                          "ReadOnlyPaths": "/etc/permiso", "PrivateTmp": "yes", "CapabilityBoundingSet": "",
                          "ExecReload": "/bin/kill -HUP $MAINPID"}.items():
        assert values.get(key) == [expected], f"{key}={values.get(key)}"
    (group,) = values["SupplementaryGroups"]
    assert (DEPLOY / "systemd" / "permiso.sysusers").read_text().count(f"\ng {group} -") == 1
    # A DynamicUser is named after the unit; systemd refuses one whose name a static group has.
    assert group != "permiso" and "User" not in values


def test_the_units_exec_start_serves_and_exec_reload_reloads(tmp_path):
    port, metrics = free_port(), free_port()
    config = example_config(tmp_path, f"http://127.0.0.1:{port}")
    (exec_start,) = unit_values(unit())["ExecStart"]
    command = shlex.split(exec_start.replace("/usr/local/bin/permiso", str(permiso_binary()))
                          .replace("/etc/permiso/permiso.yaml", str(config))
                          .replace("--port 8080", f"--port {port}").replace("--host 0.0.0.0", "--host 127.0.0.1")
                          .replace("127.0.0.1:9464", f"127.0.0.1:{metrics}"))
    log_path = tmp_path / "journal.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(command, stdout=log, stderr=log)
        try:
            wait_for_port(port)
            assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
            # ExecReload, as systemd runs it with $MAINPID: a SIGHUP with a changed config.
            config.write_text(config.read_text().replace("name: Permiso Demo\n", "name: Reloaded Login\n"))
            (exec_reload,) = unit_values(unit())["ExecReload"]
            subprocess.run(shlex.split(exec_reload.replace("$MAINPID", str(process.pid))), check=True)
            deadline = time.monotonic() + 10
            while "reloaded configuration" not in log_path.read_text() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "reloaded configuration" in log_path.read_text()
            page = requests.get(f"http://127.0.0.1:{port}/oauth/authorize", params={
                "client_id": "cli", "response_type": "code", "redirect_uri": "http://127.0.0.1/callback",
                "scope": "openid", "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                "code_challenge_method": "S256"}, timeout=5)
            assert page.status_code == 200 and "Reloaded Login" in page.text
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0, "SIGTERM (KillSignal) stops it cleanly"


@pytest.fixture(scope="module")
def static_binary() -> Path:
    """The --static-swift-stdlib build the container ships; scripts/test builds it."""
    path = Path(os.environ.get("PERMISO_STATIC_BIN", ROOT / ".build" / "static" / "release" / "permiso"))
    if not path.is_absolute():
        path = ROOT / path
    if not path.exists():
        pytest.fail(f"{path} is missing: scripts/test builds it (scripts/build-release --static-swift-stdlib)")
    return path


def test_make_root_refuses_a_binary_that_needs_the_swift_runtime(tmp_path):
    made = subprocess.run([str(DEPLOY / "container" / "make-root"), str(tmp_path / "root"), str(permiso_binary())],
                          capture_output=True, text=True, timeout=60)
    if "libswiftCore" not in subprocess.run(["ldd", str(permiso_binary())], capture_output=True, text=True).stdout:
        pytest.skip("the binary under test is itself static")
    assert made.returncode == 2 and "--static-swift-stdlib" in made.stderr


def test_the_static_binary_serves_from_an_empty_root(tmp_path, static_binary):
    if os.geteuid() != 0:
        pytest.fail("changing the root needs root; CI runs as root")
    root = tmp_path / "root"
    subprocess.run([str(DEPLOY / "container" / "make-root"), str(root), str(static_binary)], check=True, timeout=120)
    port = free_port()
    config = example_config(tmp_path, f"http://127.0.0.1:{port}")
    shutil.copytree(ROOT / "keys", root / "etc/permiso/keys")
    (root / "etc/permiso/permiso.yaml").write_text(
        re.sub(r"^keys: .*$", "keys: /etc/permiso/keys", config.read_text(), count=1, flags=re.M))
    # Nothing to run but permiso: no shell, no coreutils, no passwd.
    everything = {path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()}
    assert "permiso" in everything and not any(name.endswith(("/sh", "/bash", "passwd")) for name in everything)
    assert all(name == "permiso" or name.startswith(("etc/", "lib", "usr/lib")) for name in everything), everything

    (root / "proc").mkdir()  # the mount point a container runtime makes
    log_path = tmp_path / "chroot.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            # As a container runtime starts it: its own PID and mount namespaces with a fresh
            # /proc (the static Swift runtime reads its arguments from /proc/self/cmdline),
            # the root changed, and an unprivileged user.
            [shutil.which("unshare") or "/usr/bin/unshare", "--fork", "--pid", "--mount", "--mount-proc",
             "--kill-child=SIGTERM", f"--root={root}", "--setuid=65532", "--setgid=65532",
             "/permiso", "serve", "--config=/etc/permiso/permiso.yaml", f"--port={port}"],
            stdout=log, stderr=log, env={"PATH": "/"}, start_new_session=True,
        )
        try:
            wait_for_port(port, timeout=20)
            base = f"http://127.0.0.1:{port}"
            issued = requests.post(f"{base}/oauth/token", data={
                "grant_type": "client_credentials", "client_id": "service", "client_secret": "service-secret",
                "scope": "api:read"}, timeout=10)
            assert issued.status_code == 200, issued.text
            assert issued.json()["token_type"] == "Bearer"

            client = OAuth2Session("cli", redirect_uri="http://127.0.0.1:43210/callback", scope="openid email",
                                   code_challenge_method="S256", token_endpoint_auth_method="none")
            verifier = "W" * 64
            url, state = client.create_authorization_url(f"{base}/oauth/authorize", code_verifier=verifier)
            callback = browse_to_callback(requests.Session(), base, url)
            assert urllib.parse.parse_qs(urllib.parse.urlparse(callback).query)["state"] == [state]
            token = client.fetch_token(f"{base}/oauth/token", authorization_response=callback, code_verifier=verifier)
            userinfo = requests.get(f"{base}/oauth/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"},
                                    timeout=10)
            assert userinfo.json()["email"] == "alice@example.com"
            # The runtime's symbols are hidden from dlsym in this binary; its tasks still run on
            # NIO's event loops, through the hook the linker resolved.
            assert "executor=event loops (linked hook)" in log_path.read_text()
        finally:
            # unshare waits for its child; the process group holds both.
            os.killpg(process.pid, signal.SIGTERM)
            assert process.wait(timeout=10) == 0, "SIGTERM stops it cleanly"


def test_the_container_build_context_leaves_out_keys_and_build_products():
    """What `COPY . .` sends, by .dockerignore's patterns (a directory pattern covers what is
    under it): the sources the build needs, never the keys or a local .build/."""
    patterns = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]

    def ignored(path: str) -> bool:
        parts = path.split("/")
        return any(fnmatch.fnmatch("/".join(parts[:n]), pattern) for pattern in patterns for n in range(1, len(parts) + 1))

    for needed in ["Package.swift", "Sources/PermisoCore/Config/ConfigLoader.swift", "deploy/container/make-root",
                   "scripts/build-release", "scripts/function-order.txt", "scripts/private-functions.ld"]:
        assert (ROOT / needed).exists() and not ignored(needed), needed
    keys = [str(path.relative_to(ROOT)) for path in (ROOT / "keys").iterdir()]
    assert any(key.endswith(".key") for key in keys)
    for secret in [*keys, ".build/release/permiso", ".build-fuzz/x", "Tests/interop/.venv/bin/python"]:
        assert ignored(secret), secret
    assert "COPY . ." in (ROOT / "deploy" / "container" / "Containerfile").read_text()


def layout(binary: Path, names: list[str]) -> tuple[list[int], int]:
    """Where the listed functions start in `binary`, in list order, and their total size."""
    found: dict[str, tuple[int, int]] = {}
    listing = subprocess.run(["nm", "--defined-only", "-S", str(binary)], capture_output=True, text=True, check=True)
    for line in listing.stdout.splitlines():
        fields = line.split(maxsplit=3)
        if len(fields) == 4 and fields[2] in "tTwW":
            found.setdefault(fields[3], (int(fields[0], 16), int(fields[1], 16)))
    placed = [found[name] for name in names if name in found]
    return [start for start, _ in placed], sum(size for _, size in placed)


@pytest.mark.parametrize("which, spread", [("dynamic", 1.3), ("static", 2.0)])
def test_the_release_binaries_lay_out_their_start_up_code_together(which, spread, request):
    """scripts/build-release gives every function a section and has the linker place the ones
    scripts/function-order.txt lists first, in its order: a start then keeps a few MiB of
    code resident instead of 64 KiB around each page it runs (docs/operations.md "Memory").
    A plain `swift build -c release` binary fails this: its functions follow their files."""
    binary = permiso_binary() if which == "dynamic" else request.getfixturevalue("static_binary")
    if "debug" in binary.parts:
        pytest.skip("only release builds are laid out; scripts/test runs this on one")
    # The list's parts, each headed "# measured on BINARY": the first binary's functions, then
    # what the static one adds (the Swift runtime's and Foundation's, which the dynamic binary
    # calls in shared libraries).
    parts: dict[str, list[str]] = {}
    for line in (ROOT / "scripts" / "function-order.txt").read_text().splitlines():
        if line.startswith("# measured on "):
            part = parts.setdefault(line.removeprefix("# measured on ").split(":")[0], [])
        elif line and not line.startswith("#"):
            part.append(line)
    assert list(parts) == [".build/release/permiso", ".build/static/release/permiso"], \
        "the list is measured on the dynamic binary, then the static one"
    dynamic, static = parts.values()
    names = dynamic if which == "dynamic" else dynamic + static
    starts, size = layout(binary, names)
    assert len(starts) >= 0.9 * len(names), f"{len(starts)} of {len(names)} listed functions are in {binary}"
    # Together: all but the outermost 1 % (a name two copies share, one placed elsewhere) span
    # little more than their own size: 1.06× in the dynamic binary, where a build whose
    # dependencies lack the flags spreads them over 2.2× and a plain one over most of the text.
    # In the static binary some of the runtime's archives (Foundation, the regular expression
    # parser) have one section per file, so a listed function there brings the rest of its file
    # along: 1.5×, against 4.1× for a binary linked with only the first part of the list.
    starts.sort()
    span = starts[len(starts) * 99 // 100] - starts[len(starts) // 100]
    assert span <= spread * size, f"the listed functions spread over {span / 2**20:.1f} MiB for {size / 2**20:.1f} MiB"


@pytest.mark.parametrize("which", ["dynamic", "static"])
def test_the_release_binaries_keep_their_private_functions_together(which, request):
    """scripts/private-functions.ld gathers the functions with no symbol to order (closure
    context destructors and other private helpers, sections `.text..L…`) into one output
    section right before .text, where the listed start-up code begins: left in place, each
    one a start runs keeps its own 64 KiB of the binary resident (3 MiB of the dynamic
    binary). A binary linked without the script has no such section."""
    binary = permiso_binary() if which == "dynamic" else request.getfixturevalue("static_binary")
    if "debug" in binary.parts:
        pytest.skip("only release builds are laid out; scripts/test runs this on one")
    listing = subprocess.run(["readelf", "-SW", str(binary)], capture_output=True, text=True, check=True).stdout
    sections = {}
    for line in listing.splitlines():
        fields = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if fields:
            sections[fields[1]] = (int(fields[2], 16), int(fields[3], 16))
    assert ".text.private" in sections, f"{binary} was linked without scripts/private-functions.ld"
    start, size = sections[".text.private"]
    # Dozens of functions from every module, yet far less than the text.
    assert 64 * 1024 < size < sections[".text"][1] // 20
    assert 0 <= sections[".text"][0] - (start + size) < 4096, "the private functions end where .text begins"

"""`make validate-deploy`: docker-compose.yml and deploy/k8s/ checked offline (no Docker engine, no cluster).

Compose
  - `docker compose config -q` when `docker compose version` works here (else `docker-compose`
    1.29, e.g. Debian's package, when installed);
  - always: the YAML (duplicate keys refused, anchors and merge keys resolved, `${VAR:-default}`
    interpolated) against the Compose Specification's JSON schema (the copy check-jsonschema ships),
    then Fieldbook's rules: every container has an image or a build and a health check (one-off
    migrations excepted), depends_on names existing services with a condition they can meet, every
    package has its migrate/web/worker, internal URLs name services and their ports, no secret
    written inline.
Kubernetes
  - each kustomization (deploy/k8s/base, deploy/k8s/overlays/*) rendered by the small renderer
    below (resources, namespace, labels, images, JSON 6902 patches: the subset these files use) and,
    when `kubectl` (or `kustomize`) is installed, by it too: both renders must be the same objects;
  - every rendered object against the Kubernetes OpenAPI schemas (kubernetes-validate, strict: no
    unknown field) for the oldest and the newest Kubernetes version we support;
  - Fieldbook's rules: a Deployment per web and per worker process, each with its own HPA and PDB,
    a Service per web process, a migration Job per package, /readyz + /healthz probes on web
    containers, a liveness probe on workers, requests and limits everywhere, non-root with a
    read-only root file system, secrets only by reference to the Secret fieldbook-secrets (whose
    keys deploy/k8s/secrets.env.example lists) and no Secret object.
`--self-test` first breaks the files in memory in known ways and fails unless each break is caught.

Needs PyYAML, jsonschema, check-jsonschema (for the compose schema) and kubernetes-validate
(`make install` installs them). Prints one line per finding; exits 1 when there is any.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path

import yaml

from fieldbook_shared import service_table

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
K8S = ROOT / "deploy" / "k8s"
ENV_EXAMPLE = ROOT / "deploy" / "fieldbook.env.example"
SECRETS_EXAMPLE = K8S / "secrets.env.example"
INIT_SQL = ROOT / "deploy" / "postgres" / "init.sql"
SECRET_NAME = "fieldbook-secrets"
K8S_VERSIONS = ("1.30.0", "latest")

# Fieldbook's services: name → (web port, has a worker), from the service table. compose and k8s
# must name exactly these (`<name>-web`, `<name>-worker`).
PACKAGES = {s.name: (s.port(), s.has_worker) for s in service_table.SERVICES}
# clients of the public API (the console): a web process with no database, so no migration, and
# not an upstream of the gateway's /v1
CLIENTS = {s.name for s in service_table.SERVICES if s.kind == "client"}
SECRET_NAME_RE = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|API_KEY|_PASS)$|^(PGPASSWORD)$", re.I)
URL_WITH_PASSWORD_RE = re.compile(r"://[^/@:\s]+:[^/@\s]+@")


class Problems(list):
    def add(self, where: str, message: str) -> None:
        self.append(f"{where}: {message}")


# ------------------------------------------------------------------------------------------ YAML


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: ~5x faster


class StrictLoader(_FAST_LOADER):
    """SafeLoader that refuses duplicate keys (as Compose and kubectl do); merge keys still work."""


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    loader.flatten_mapping(node)
    return {
        loader.construct_object(k, deep=deep): loader.construct_object(v, deep=deep) for k, v in node.value
    }


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> object:
    return yaml.load(path.read_text(), Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass


def load_yaml_all(path: Path) -> list:
    return [d for d in yaml.load_all(path.read_text(), Loader=StrictLoader) if d is not None]  # noqa: S506


# --------------------------------------------------------------------------------------- compose

_INTERPOLATION = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])((?:[^{}]|\{[^{}]*\})*))?\}")


def interpolate(value: object, env: dict[str, str]) -> object:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR:+alt}`, `$$`."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group(1), match.group(2), match.group(3) or ""
        current = env.get(name)
        unset_or_empty = not current
        if op in (":-", "-"):
            return arg if (unset_or_empty if op == ":-" else current is None) else current
        if op in (":?", "?"):
            if unset_or_empty if op == ":?" else current is None:
                raise ValueError(f"required variable {name} is missing: {arg}")
            return current or ""
        if op in (":+", "+"):
            return arg if not (unset_or_empty if op == ":+" else current is None) else ""
        return current or ""

    return _INTERPOLATION.sub(one, value)


def compose_schema() -> dict:
    files = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((files / "compose-spec.json").read_text())


def docker_compose_command() -> list[str] | None:
    """`docker compose` (v2) when it answers, else `docker-compose` (1.29, e.g. Debian's), else None."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if not shutil.which(command[0]):
            continue
        try:
            if subprocess.run([*command, "version"], capture_output=True, timeout=20).returncode == 0:
                return command
        except (OSError, subprocess.TimeoutExpired):
            continue
    return None


def env_list_to_dict(environment: object) -> dict[str, str | None]:
    if isinstance(environment, dict):
        return {k: (None if v is None else str(v)) for k, v in environment.items()}
    result: dict[str, str | None] = {}
    for item in environment or []:
        key, sep, value = str(item).partition("=")
        result[key] = value if sep else None
    return result


def depends_on_dict(depends_on: object) -> dict[str, dict]:
    if isinstance(depends_on, list):
        return {name: {"condition": "service_started"} for name in depends_on}
    return {name: (spec or {"condition": "service_started"}) for name, spec in (depends_on or {}).items()}


def check_compose(doc: dict, problems: Problems, schema: dict | None) -> None:
    if schema is not None:
        import jsonschema

        validator_cls = jsonschema.validators.validator_for(schema)
        for error in sorted(validator_cls(schema).iter_errors(doc), key=lambda e: list(e.path)):
            path = "/".join(str(p) for p in error.path) or "(top)"
            problems.add(f"compose {path}", f"schema: {error.message[:300]}")

    services: dict[str, dict] = doc.get("services") or {}
    if not services:
        problems.add("compose", "no services")
        return

    completed_by: dict[str, list[str]] = {}
    for name, spec in services.items():
        where = f"compose service {name}"
        if not spec.get("image") and not spec.get("build"):
            problems.add(where, "neither image nor build")
        if _is_one_off(spec):
            if "migrate" not in (spec.get("command") or []):
                problems.add(where, "restart 'no' is for the one-off migrations only")
        elif not _healthcheck_enabled(spec):
            problems.add(where, "a long-running container needs a health check")
        _check_compose_depends_on(name, spec, services, problems, completed_by)
        _check_compose_exposure(name, spec, problems)

    for name, spec in services.items():
        if _is_one_off(spec) and name not in completed_by:
            problems.add(
                f"compose service {name}", "a one-off nothing waits for (service_completed_successfully)"
            )
    _check_compose_cycles(services, problems)
    web_ports = _check_compose_packages(services, problems)
    _check_compose_internal_urls(services, web_ports, problems)
    _check_compose_extras(services, problems)


def _is_one_off(spec: dict) -> bool:
    return str(spec.get("restart", "no")) == "no"


def _healthcheck_enabled(spec: dict) -> bool:
    hc = spec.get("healthcheck") or {}
    return bool(hc.get("test")) and not hc.get("disable") and hc.get("test") != ["NONE"]


def _check_compose_depends_on(
    name: str, spec: dict, services: dict[str, dict], problems: Problems, completed_by: dict[str, list[str]]
) -> None:
    """Each depends_on names a service, with a condition it can meet; notes who waits for a one-off."""
    where = f"compose service {name}"
    for target, dep in depends_on_dict(spec.get("depends_on")).items():
        condition = dep.get("condition", "service_started")
        if target not in services:
            problems.add(where, f"depends_on {target!r}, which is not a service")
            continue
        if condition == "service_healthy" and not _healthcheck_enabled(services[target]):
            problems.add(where, f"waits for {target} to be healthy, but {target} has no health check")
        if condition == "service_completed_successfully":
            if not _is_one_off(services[target]):
                problems.add(where, f"waits for {target} to complete, but {target} is long-running")
            completed_by.setdefault(target, []).append(name)
        if condition == "service_started":
            problems.add(where, f"depends_on {target} without a condition (service_healthy or completed)")


def _check_compose_exposure(name: str, spec: dict, problems: Problems) -> None:
    """No secret written inline, env files from deploy/, ports on the loopback (but the gateway's)."""
    where = f"compose service {name}"
    for key, value in env_list_to_dict(spec.get("environment")).items():
        if value and SECRET_NAME_RE.search(key):
            problems.add(where, f"environment {key} is written inline: secrets belong in the env file")
        if value and URL_WITH_PASSWORD_RE.search(value):
            problems.add(where, f"environment {key} carries a password in its URL")
    for env_file in spec.get("env_file") or []:
        path = env_file if isinstance(env_file, str) else env_file.get("path", "")
        if not path.endswith(".env") and not path.endswith(".env.example"):
            problems.add(where, f"env_file {path}: expected deploy/fieldbook.env")
    for port in spec.get("ports") or []:
        text = str(port if not isinstance(port, dict) else port.get("host_ip", "") + ":" + str(port))
        if name != "gateway" and not text.startswith("127.0.0.1:"):
            problems.add(where, f"publishes {port} beyond the host's loopback (only the gateway may)")


def _check_compose_cycles(services: dict[str, dict], problems: Problems) -> None:
    graph = {n: set(depends_on_dict(s.get("depends_on"))) & set(services) for n, s in services.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                problems.add("compose", "depends_on cycle: " + " → ".join([*trail, node, nxt]))
            elif not state.get(nxt):
                visit(nxt, [*trail, node])
        state[node] = 2

    for node in graph:
        if not state.get(node):
            visit(node, [])


def _check_compose_packages(services: dict[str, dict], problems: Problems) -> dict[str, int]:
    """Every package: migrate + web (+ worker), built from deploy/Dockerfile with SERVICE=<package>.
    Returns the port each web container listens on."""
    databases = (
        set(re.findall(r"CREATE DATABASE\s+(\w+)", INIT_SQL.read_text(), re.I))
        if INIT_SQL.exists()
        else set()
    )
    web_ports: dict[str, int] = {}
    for package, (port, has_worker) in PACKAGES.items():
        web_name = "gateway" if package == "gateway" else f"{package}-web"
        expected = {f"{package}-migrate": "migrate", web_name: "web"}
        if package in CLIENTS:
            expected = {web_name: "web"}
        if has_worker:
            expected[f"{package}-worker"] = "worker"
        for name, process in expected.items():
            spec = services.get(name)
            if spec is None:
                problems.add("compose", f"no service {name} ({package} {process})")
                continue
            _check_compose_process(name, spec, package, process, port, databases, problems)
            if process == "web":
                web_ports[name] = port
        package_dir = ROOT / service_table.by_name(package).folder
        if not (package_dir / "pyproject.toml").exists():
            problems.add(
                "compose",
                f"{package} is built from {package_dir.relative_to(ROOT)}, which has no pyproject.toml",
            )
    _check_not_in_table(services, "compose", "service", problems)
    for name, spec in services.items():
        env = env_list_to_dict(spec.get("environment"))
        if env.get("PORT"):
            web_ports.setdefault(name, int(env["PORT"]))
    return web_ports


def _check_not_in_table(names, where: str, what: str, problems: Problems) -> None:
    """A Fieldbook process (`<name>-web`, `-worker`, `-migrate`) of a service the table does not list."""
    for name in names:
        stem, _, process = name.rpartition("-")
        if process in ("web", "worker", "migrate") and stem not in PACKAGES:
            problems.add(where, f"{what} {name}: {stem} is not in the service table (service_table.py)")


def _check_compose_process(
    name: str, spec: dict, package: str, process: str, port: int, databases: set[str], problems: Problems
) -> None:
    """One process type of a package: its build, command, database and the migration it waits for."""
    where = f"compose service {name}"
    db_var = "DATABASE_URL_" + package.upper().replace("-", "_")
    build = spec.get("build") or {}
    if not isinstance(build, dict) or (build.get("args") or {}).get("SERVICE") != package:
        problems.add(where, f"should be built from deploy/Dockerfile with SERVICE={package}")
    elif build.get("dockerfile") != "deploy/Dockerfile":
        problems.add(where, "should be built from deploy/Dockerfile")
    if (spec.get("command") or ["web"])[0] != process:
        problems.add(where, f"should run the {process!r} process type")
    env = env_list_to_dict(spec.get("environment"))
    if process == "web" and env.get("PORT") != str(port):
        problems.add(where, f"PORT should be {port} (docs/architecture.md §1)")
    if package in CLIENTS:  # no database of its own
        return
    url = env.get(db_var) or ""
    if not url.startswith("postgresql+psycopg://"):
        problems.add(where, f"{db_var} should name its PostgreSQL database (postgresql+psycopg://)")
    elif databases and url.rsplit("/", 1)[-1] not in databases:
        problems.add(where, f"{db_var} names a database deploy/postgres/init.sql does not create")
    if process != "migrate" and name != "gateway":
        deps = depends_on_dict(spec.get("depends_on"))
        if deps.get(f"{package}-migrate", {}).get("condition") != "service_completed_successfully":
            problems.add(where, f"should wait for {package}-migrate to complete")


def _check_compose_internal_urls(
    services: dict[str, dict], web_ports: dict[str, int], problems: Problems
) -> None:
    """Internal URLs name a service of this file, on the port it listens on."""
    for name, spec in services.items():
        for key, value in env_list_to_dict(spec.get("environment")).items():
            if not (key.endswith("_URL") and value and value.startswith("http://")):
                continue
            host, _, port = value.removeprefix("http://").split("/", 1)[0].partition(":")
            if host not in services:
                problems.add(f"compose service {name}", f"{key} names {host!r}, which is not a service")
            elif port and web_ports.get(host) != int(port):
                problems.add(
                    f"compose service {name}", f"{key}: {host} listens on {web_ports.get(host)}, not {port}"
                )
        for key in ("SMTP_HOST",):
            host = env_list_to_dict(spec.get("environment")).get(key)
            if host and host not in services:
                problems.add(f"compose service {name}", f"{key} names {host!r}, which is not a service")


def _check_compose_extras(services: dict[str, dict], problems: Problems) -> None:
    """The gateway routes to every service; the simulators and the SMTP sink run; the example env
    file lists every secret the containers read."""
    gateway_env = env_list_to_dict((services.get("gateway") or {}).get("environment"))
    upstreams = {u.strip() for u in (gateway_env.get("GATEWAY_UPSTREAMS") or "").split(",") if u.strip()}
    missing = {p for p in PACKAGES if p != "gateway" and p not in CLIENTS} - upstreams
    if missing:
        problems.add("compose service gateway", f"GATEWAY_UPSTREAMS leaves out {sorted(missing)}")
    for extra, test in (
        (
            "the Sage simulator",
            lambda s: "sage_simulator" in str(env_list_to_dict(s.get("environment")).get("WEB_APP")),
        ),
        ("an SMTP sink", lambda s: "aiosmtpd" in " ".join(map(str, s.get("command") or []))),
        (
            "the SMS simulator",
            lambda s: "sms_simulator" in str(env_list_to_dict(s.get("environment")).get("WEB_APP")),
        ),
    ):
        if not any(test(s) for s in services.values()):
            problems.add("compose", f"no container runs {extra}")
    if ENV_EXAMPLE.exists():
        keys = {
            line.split("=", 1)[0].strip()
            for line in ENV_EXAMPLE.read_text().splitlines()
            if "=" in line and not line.lstrip().startswith("#")
        }
        for key in ("INTERNAL_TOKEN", "AMQP_URL", "PGPASSWORD", "POSTGRES_PASSWORD", "RABBITMQ_DEFAULT_PASS"):
            if key not in keys:
                problems.add(str(ENV_EXAMPLE.relative_to(ROOT)), f"does not list {key}")


def compose_env_file_not_committed(doc: dict, problems: Problems) -> None:
    """The env files compose reads (with no override) are ignored by git and not tracked."""
    if not shutil.which("git") or not (ROOT / ".git").exists():
        return
    paths = set()
    for spec in (doc.get("services") or {}).values():
        for env_file in spec.get("env_file") or []:
            paths.add(env_file if isinstance(env_file, str) else env_file.get("path", ""))
    for path in paths:
        tracked = subprocess.run(
            ["git", "-C", str(ROOT), "ls-files", "--error-unmatch", path], capture_output=True
        )
        ignored = subprocess.run(
            ["git", "-C", str(ROOT), "check-ignore", "-q", "--no-index", path], capture_output=True
        )
        if tracked.returncode == 0:
            problems.add("compose", f"env file {path} is committed: it holds secrets")
        elif ignored.returncode != 0:
            problems.add("compose", f"env file {path} is not in .gitignore")


# ------------------------------------------------------------------------------------ kustomize

CLUSTER_SCOPED = {
    "Namespace", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass",
    "CustomResourceDefinition", "PriorityClass", "IngressClass", "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
}  # fmt: skip
SUPPORTED_FIELDS = {"apiVersion", "kind", "resources", "namespace", "labels", "images", "patches"}


def _pointer(path: str) -> list[str]:
    if not path.startswith("/"):
        raise ValueError(f"JSON pointer {path!r} must start with /")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: object, parts: list[str]) -> tuple[object, str]:
    node = doc
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node, parts[-1]


def json_patch(doc: dict, ops: list[dict]) -> dict:
    """RFC 6902 add / remove / replace / copy / move / test."""
    doc = copy.deepcopy(doc)
    for op in ops:
        kind = op["op"]
        parts = _pointer(op["path"])
        if kind in ("copy", "move"):
            src_parent, src_key = _parent(doc, _pointer(op["from"]))
            value = copy.deepcopy(
                src_parent[int(src_key)] if isinstance(src_parent, list) else src_parent[src_key]
            )
            if kind == "move":
                del src_parent[int(src_key) if isinstance(src_parent, list) else src_key]
            kind, op = "add", {**op, "value": value}
        parent, key = _parent(doc, parts)
        if kind == "test":
            current = parent[int(key)] if isinstance(parent, list) else parent[key]
            if current != op["value"]:
                raise ValueError(f"test failed at {op['path']}")
        elif kind == "add":
            if isinstance(parent, list):
                parent.insert(len(parent) if key == "-" else int(key), copy.deepcopy(op["value"]))
            else:
                parent[key] = copy.deepcopy(op["value"])
        elif kind == "replace":
            if isinstance(parent, list):
                parent[int(key)] = copy.deepcopy(op["value"])
            else:
                if key not in parent:
                    raise ValueError(f"replace of a missing {op['path']}")
                parent[key] = copy.deepcopy(op["value"])
        elif kind == "remove":
            del parent[int(key) if isinstance(parent, list) else key]
        else:
            raise ValueError(f"unsupported patch op {kind!r}")
    return doc


def _selected(obj: dict, target: dict) -> bool:
    meta = obj.get("metadata") or {}
    group, _, version = obj.get("apiVersion", "").rpartition("/")
    if target.get("kind") and not re.fullmatch(target["kind"], obj.get("kind", "")):
        return False
    if target.get("name") and not re.fullmatch(target["name"], meta.get("name", "")):
        return False
    if target.get("namespace") and target["namespace"] != meta.get("namespace", ""):
        return False
    if "group" in target and target["group"] != group:
        return False
    if target.get("version") and target["version"] != version:
        return False
    for requirement in filter(None, (target.get("labelSelector") or "").split(",")):
        key, sep, value = requirement.partition("=")
        labels = meta.get("labels") or {}
        if sep and labels.get(key.strip().rstrip("!")) != value.strip():
            return False
        if not sep and key.strip() not in labels:
            return False
    return True


def _pod_specs(obj: dict) -> Iterator[dict]:
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Pod":
        yield spec
    if "template" in spec:
        yield (spec["template"].get("spec") or {})
    if "jobTemplate" in spec:
        yield ((spec["jobTemplate"].get("spec") or {}).get("template") or {}).get("spec") or {}


def _containers(obj: dict) -> Iterator[dict]:
    for pod in _pod_specs(obj):
        yield from pod.get("initContainers") or []
        yield from pod.get("containers") or []


def _split_image(image: str) -> tuple[str, str]:
    """'name:tag' / 'name@digest' → (name, ':tag' / '@digest' / '')."""
    if "@" in image:
        name, digest = image.split("@", 1)
        return name, "@" + digest
    slash = image.rfind("/")
    colon = image.rfind(":")
    if colon > slash:
        return image[:colon], image[colon:]
    return image, ""


def render_kustomization(directory: Path) -> list[dict]:
    """The subset of kustomize these manifests use, applied in kustomize's order."""
    kfile = next((directory / n for n in ("kustomization.yaml", "kustomization.yml", "Kustomization")
                  if (directory / n).exists()), None)  # fmt: skip
    if kfile is None:
        raise ValueError(f"{directory}: no kustomization.yaml")
    k = load_yaml(kfile) or {}
    unsupported = set(k) - SUPPORTED_FIELDS
    if unsupported:
        raise ValueError(f"{kfile}: {sorted(unsupported)} not supported by the built-in renderer")
    objects: list[dict] = []
    for resource in k.get("resources") or []:
        path = (directory / resource).resolve()
        objects.extend(render_kustomization(path) if path.is_dir() else load_yaml_all(path))
    _apply_patches(kfile, k.get("patches") or [], objects)
    if k.get("namespace"):
        for obj in objects:
            if obj.get("kind") not in CLUSTER_SCOPED:
                obj.setdefault("metadata", {})["namespace"] = k["namespace"]
    for label in k.get("labels") or []:
        if label.get("includeSelectors") or label.get("includeTemplates"):
            raise ValueError(f"{kfile}: labels with includeSelectors/includeTemplates not supported")
        for obj in objects:
            obj.setdefault("metadata", {}).setdefault("labels", {}).update(label.get("pairs") or {})
    _apply_images(k.get("images") or [], objects)
    return objects


def _apply_patches(kfile: Path, patches: list[dict], objects: list[dict]) -> None:
    """A kustomization's JSON 6902 patches, each on the objects its target selects (at least one)."""
    directory = kfile.parent
    for patch in patches:
        ops = yaml.safe_load(patch["patch"]) if "patch" in patch else load_yaml(directory / patch["path"])
        if not isinstance(ops, list):
            raise ValueError(f"{kfile}: only JSON 6902 patches (a list of ops) are supported")
        target = patch.get("target") or {}
        hits = [i for i, obj in enumerate(objects) if _selected(obj, target)]
        if not hits:
            raise ValueError(f"{kfile}: patch target {target} matches nothing")
        for i in hits:
            objects[i] = json_patch(objects[i], ops)


def _apply_images(images: list[dict], objects: list[dict]) -> None:
    """A kustomization's `images`: new name, tag or digest of the containers running each image."""
    for image in images:
        for obj in objects:
            for container in _containers(obj):
                name, suffix = _split_image(container.get("image", ""))
                if name != image["name"]:
                    continue
                if image.get("digest"):
                    suffix = "@" + image["digest"]
                elif image.get("newTag"):
                    suffix = ":" + str(image["newTag"])
                container["image"] = (image.get("newName") or name) + suffix


def external_kustomize() -> list[str] | None:
    if os.environ.get("FIELDBOOK_KUSTOMIZE") == "builtin":
        return None
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def render_external(command: list[str], directory: Path) -> list[dict]:
    out = subprocess.run([*command, str(directory)], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise ValueError(f"{' '.join(command)} {directory.relative_to(ROOT)}: {out.stderr.strip()[:500]}")
    return [d for d in yaml.load_all(out.stdout, Loader=_FAST_LOADER) if d is not None]  # noqa: S506


def key_of(obj: dict) -> tuple[str, str, str, str]:
    meta = obj.get("metadata") or {}
    return (obj.get("apiVersion", ""), obj.get("kind", ""), meta.get("namespace", ""), meta.get("name", ""))


def compare_renders(ours: list[dict], theirs: list[dict], where: str, problems: Problems) -> None:
    a = {key_of(o): o for o in ours}
    b = {key_of(o): o for o in theirs}
    for key in sorted(set(a) ^ set(b)):
        problems.add(
            where, f"{'/'.join(key[1:])} only in the {'built-in' if key in a else 'kustomize'} render"
        )
    for key in sorted(set(a) & set(b)):
        if a[key] != b[key]:
            problems.add(where, f"{'/'.join(key[1:])} differs between the built-in and the kustomize render")


def schema_validate(objects: list[dict], where: str, problems: Problems) -> None:
    import kubernetes_validate
    import kubernetes_validate.utils

    # It reads (and parses) the schema files on every call, the 1 MB of definitions too; they don't change.
    if not hasattr(kubernetes_validate.utils.schema_contents, "cache_info"):
        kubernetes_validate.utils.schema_contents = functools.lru_cache(maxsize=None)(
            kubernetes_validate.utils.schema_contents
        )

    for version in K8S_VERSIONS:
        resolved = kubernetes_validate.latest_version() if version == "latest" else version
        for obj in objects:
            try:
                kubernetes_validate.validate(obj, resolved, strict=True)
            except kubernetes_validate.ValidationError as exc:
                path = "/".join(str(p) for p in exc.path)
                problems.add(
                    where, f"{'/'.join(key_of(obj)[1:])} (Kubernetes {resolved}) {path}: {exc.message[:300]}"
                )
            except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as exc:
                problems.add(where, f"{'/'.join(key_of(obj)[1:])}: no schema in Kubernetes {resolved}: {exc}")


def _matches(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_k8s(objects: list[dict], where: str, problems: Problems, production: bool) -> None:
    by_kind: dict[str, list[dict]] = {}
    for obj in objects:
        by_kind.setdefault(obj.get("kind", ""), []).append(obj)

    def named(kind: str) -> dict[str, dict]:
        return {o["metadata"]["name"]: o for o in by_kind.get(kind, [])}

    deployments, jobs = named("Deployment"), named("Job")
    hpas, pdbs, services = (
        by_kind.get("HorizontalPodAutoscaler", []),
        by_kind.get("PodDisruptionBudget", []),
        by_kind.get("Service", []),
    )
    configmaps = named("ConfigMap")
    allowed_keys = set()
    if SECRETS_EXAMPLE.exists():
        allowed_keys = {
            line.split("=", 1)[0].strip()
            for line in SECRETS_EXAMPLE.read_text().splitlines()
            if "=" in line and not line.lstrip().startswith("#")
        }
    _check_k8s_no_secrets(objects, bool(by_kind.get("Secret")), configmaps, where, problems)
    _check_k8s_packages(deployments, jobs, services, where, problems)
    _check_not_in_table(deployments, where, "Deployment", problems)
    _check_not_in_table(jobs, where, "Job", problems)
    _check_k8s_jobs(jobs, where, problems)

    for kind, workload in [("Deployment", d) for d in deployments.values()] + [
        ("Job", j) for j in jobs.values()
    ]:
        name = workload["metadata"]["name"]
        w = f"{kind} {name}"
        template = workload["spec"]["template"]
        pod = template["spec"]
        pod_labels = (template.get("metadata") or {}).get("labels") or {}
        if pod.get("automountServiceAccountToken") is not False:
            problems.add(where, f"{w}: automountServiceAccountToken should be false (no API access needed)")
        for c in pod.get("containers") or []:
            cw = f"{w} container {c['name']}"
            _check_k8s_container(c, cw, pod, production, where, problems)
            _check_k8s_container_env(c, cw, allowed_keys, configmaps, where, problems)
            if kind == "Deployment":
                _check_k8s_probes(c, cw, pod_labels.get("app.kubernetes.io/component"), where, problems)
        if kind == "Deployment":
            _check_k8s_scaling(workload, w, hpas, pdbs, where, problems)
    _check_k8s_services(services, deployments, where, problems)
    # internal URLs in the ConfigMap name a Service and its port
    service_ports = {
        s["metadata"]["name"]: {p["port"] for p in s["spec"].get("ports") or []} for s in services
    }
    for cm in configmaps.values():
        for key, value in (cm.get("data") or {}).items():
            if key.endswith("_URL") and isinstance(value, str) and value.startswith("http://"):
                host, _, port = value.removeprefix("http://").split("/", 1)[0].partition(":")
                if host not in service_ports or (port and int(port) not in service_ports[host]):
                    problems.add(
                        where, f"ConfigMap {cm['metadata']['name']} {key}={value}: no such Service and port"
                    )
    namespaces = {o["metadata"].get("namespace") for o in objects if o.get("kind") not in CLUSTER_SCOPED}
    if production and (len(namespaces) != 1 or None in namespaces):
        problems.add(where, f"every object should be in one namespace (found {sorted(map(str, namespaces))})")


def _check_k8s_no_secrets(
    objects: list[dict], renders_secret: bool, configmaps: dict[str, dict], where: str, problems: Problems
) -> None:
    """No Secret rendered, no password in a URL, no secret in a ConfigMap."""
    if renders_secret:
        problems.add(where, "renders a Secret: secrets are created in the cluster, never committed")
    for obj in objects:
        text = json.dumps(obj)
        if URL_WITH_PASSWORD_RE.search(text):
            problems.add(where, f"{'/'.join(key_of(obj)[1:])} carries a password in a URL")
    for cm in configmaps.values():
        for key, value in (cm.get("data") or {}).items():
            if SECRET_NAME_RE.search(key) and value:
                problems.add(where, f"ConfigMap {cm['metadata']['name']} holds {key}: that is a secret")


def _check_k8s_packages(
    deployments: dict[str, dict], jobs: dict[str, dict], services: list[dict], where: str, problems: Problems
) -> None:
    """Every package: web Deployment + Service (+ worker Deployment) + migration Job."""
    for package, (port, has_worker) in PACKAGES.items():
        web = "gateway" if package == "gateway" else f"{package}-web"
        for name, kind in ((web, "web"), *([(f"{package}-worker", "worker")] if has_worker else [])):
            if name not in deployments:
                problems.add(where, f"no Deployment {name} ({package} {kind})")
        if f"{package}-migrate" not in jobs and package not in CLIENTS:
            problems.add(where, f"no migration Job {package}-migrate")
        svc = next((s for s in services if s["metadata"]["name"] == package), None)
        if svc is None:
            problems.add(where, f"no Service {package}")
        elif not any(p.get("port") == port for p in svc["spec"].get("ports") or []):
            problems.add(where, f"Service {package} does not listen on {port} (the URLs in the ConfigMap do)")


def _check_k8s_jobs(jobs: dict[str, dict], where: str, problems: Problems) -> None:
    for name, job in jobs.items():
        spec = job["spec"]
        pod = spec["template"]["spec"]
        if pod.get("restartPolicy") not in ("Never", "OnFailure"):
            problems.add(where, f"Job {name}: restartPolicy must be Never or OnFailure")
        if spec.get("backoffLimit") is None or spec.get("activeDeadlineSeconds") is None:
            problems.add(where, f"Job {name}: set backoffLimit and activeDeadlineSeconds")
        if not any(c.get("args") == ["migrate"] for c in pod.get("containers") or []):
            problems.add(where, f"Job {name}: should run the image's `migrate` process type")


def _check_k8s_container(
    c: dict, cw: str, pod: dict, production: bool, where: str, problems: Problems
) -> None:
    """Requests and limits, non-root with a read-only root and no privileges, a pinned image, the
    mounts of its pod's volumes and a writable /tmp."""
    pod_sc = pod.get("securityContext") or {}
    volumes = {v["name"] for v in pod.get("volumes") or []}
    res = c.get("resources") or {}
    for section in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            if resource not in (res.get(section) or {}):
                problems.add(where, f"{cw}: no {section}.{resource}")
    sc = c.get("securityContext") or {}
    if not (sc.get("runAsNonRoot") or pod_sc.get("runAsNonRoot")):
        problems.add(where, f"{cw}: runAsNonRoot is not set")
    if sc.get("readOnlyRootFilesystem") is not True:
        problems.add(where, f"{cw}: readOnlyRootFilesystem should be true")
    if sc.get("allowPrivilegeEscalation") is not False:
        problems.add(where, f"{cw}: allowPrivilegeEscalation should be false")
    if "ALL" not in ((sc.get("capabilities") or {}).get("drop") or []):
        problems.add(where, f"{cw}: capabilities should drop ALL")
    image = c.get("image", "")
    _, tag = _split_image(image)
    if not tag or tag == ":latest":
        problems.add(where, f"{cw}: image {image!r} needs a pinned tag")
    if production and tag == ":dev":
        problems.add(where, f"{cw}: production runs the dev image {image!r}")
    for mount in c.get("volumeMounts") or []:
        if mount["name"] not in volumes:
            problems.add(where, f"{cw}: mounts {mount['name']!r}, which is not a volume of the pod")
    if not any(m.get("mountPath") == "/tmp" for m in c.get("volumeMounts") or []):
        problems.add(where, f"{cw}: needs a writable /tmp (emptyDir): the root file system is read-only")


def _check_k8s_container_env(
    c: dict, cw: str, allowed_keys: set[str], configmaps: dict[str, dict], where: str, problems: Problems
) -> None:
    """Secrets by secretKeyRef to our Secret's listed keys; ConfigMaps that are rendered."""
    for env in c.get("env") or []:
        source = env.get("valueFrom") or {}
        if "value" in env and SECRET_NAME_RE.search(env["name"]) and env["value"]:
            problems.add(where, f"{cw}: {env['name']} is written inline: use a secretKeyRef")
        if "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            if ref.get("name") != SECRET_NAME:
                problems.add(
                    where,
                    f"{cw}: {env['name']} refers to Secret {ref.get('name')!r}, not {SECRET_NAME}",
                )
            if allowed_keys and ref.get("key") not in allowed_keys:
                problems.add(
                    where,
                    f"{cw}: secret key {ref.get('key')!r} is not listed in {SECRETS_EXAMPLE.name}",
                )
        if "configMapKeyRef" in source and source["configMapKeyRef"].get("name") not in configmaps:
            problems.add(where, f"{cw}: {env['name']} refers to a ConfigMap that is not rendered")
    for env_from in c.get("envFrom") or []:
        if "configMapRef" in env_from and env_from["configMapRef"].get("name") not in configmaps:
            problems.add(where, f"{cw}: envFrom a ConfigMap that is not rendered")
        if "secretRef" in env_from:
            problems.add(where, f"{cw}: envFrom a whole Secret: reference the keys it needs")


def _check_k8s_probes(c: dict, cw: str, component: str | None, where: str, problems: Problems) -> None:
    """A Deployment's container: web probes /readyz and /healthz, a worker has a liveness probe,
    each on one of the container's ports."""
    ports = {p.get("name") for p in c.get("ports") or []} | {
        p.get("containerPort") for p in c.get("ports") or []
    }
    if component == "web":
        # a client (the console) has no database: its readiness is the process answering
        ready = "/readyz" if cw.split()[1] in {f"{name}-web" for name in CLIENTS} else "/readyz?only=database"
        probes = (("readinessProbe", ready), ("livenessProbe", "/healthz"))
        for probe, path in probes:
            get = (c.get(probe) or {}).get("httpGet") or {}
            if get.get("path") != path:
                problems.add(where, f"{cw}: {probe} should GET {path}")
            elif get.get("port") not in ports:
                problems.add(where, f"{cw}: {probe} port {get.get('port')!r} is not a container port")
    if component == "worker":
        probe = c.get("livenessProbe") or {}
        if not probe:
            problems.add(where, f"{cw}: a worker needs a liveness probe (exec or the metrics port)")
        elif "httpGet" in probe and probe["httpGet"].get("port") not in ports:
            problems.add(where, f"{cw}: livenessProbe port is not a container port")


def _check_k8s_scaling(
    workload: dict, w: str, hpas: list[dict], pdbs: list[dict], where: str, problems: Problems
) -> None:
    """A Deployment: its selector matches its pods; one HPA (sane bounds, CPU requests), one PDB."""
    name = workload["metadata"]["name"]
    template = workload["spec"]["template"]
    pod = template["spec"]
    pod_labels = (template.get("metadata") or {}).get("labels") or {}
    if not _matches(workload["spec"]["selector"].get("matchLabels") or {}, pod_labels):
        problems.add(where, f"{w}: selector does not match its pod template's labels")
    targeting = [
        h
        for h in hpas
        if h["spec"]["scaleTargetRef"].get("kind") == "Deployment"
        and h["spec"]["scaleTargetRef"].get("name") == name
    ]
    if len(targeting) != 1:
        problems.add(where, f"{w}: {len(targeting)} HorizontalPodAutoscalers scale it (want exactly 1)")
    for h in targeting:
        low, high = h["spec"].get("minReplicas", 1), h["spec"]["maxReplicas"]
        if not 1 <= low <= high:
            problems.add(where, f"HPA {h['metadata']['name']}: minReplicas {low} / maxReplicas {high}")
        replicas = workload["spec"].get("replicas")
        if replicas is not None and not low <= replicas <= high:
            problems.add(where, f"{w}: replicas {replicas} outside its HPA's {low}..{high}")
        if not any(
            c.get("resources", {}).get("requests", {}).get("cpu") for c in pod.get("containers") or []
        ):
            problems.add(where, f"{w}: CPU autoscaling needs CPU requests")
    covering = [
        p for p in pdbs if _matches((p["spec"].get("selector") or {}).get("matchLabels") or {}, pod_labels)
    ]
    if len(covering) != 1:
        problems.add(where, f"{w}: {len(covering)} PodDisruptionBudgets cover it (want exactly 1)")


def _check_k8s_services(
    services: list[dict], deployments: dict[str, dict], where: str, problems: Problems
) -> None:
    """Each Service selects one Deployment and targets ports its containers have."""
    for svc in services:
        name = svc["metadata"]["name"]
        backends = [
            d
            for d in deployments.values()
            if _matches(
                svc["spec"].get("selector") or {}, d["spec"]["template"]["metadata"].get("labels") or {}
            )
        ]
        if len(backends) != 1:
            problems.add(where, f"Service {name}: selects {len(backends)} Deployments (want 1)")
            continue
        container_ports = {
            p.get("name")
            for c in backends[0]["spec"]["template"]["spec"]["containers"]
            for p in c.get("ports") or []
        }
        container_ports |= {
            p.get("containerPort")
            for c in backends[0]["spec"]["template"]["spec"]["containers"]
            for p in c.get("ports") or []
        }
        for port in svc["spec"].get("ports") or []:
            if port.get("targetPort", port.get("port")) not in container_ports:
                problems.add(
                    where,
                    f"Service {name}: targetPort {port.get('targetPort')!r} is not a port of its Deployment",
                )


# ----------------------------------------------------------------------------------------- main


def kustomizations() -> list[Path]:
    found = [K8S / "base"]
    overlays = K8S / "overlays"
    if overlays.is_dir():
        found += sorted(p for p in overlays.iterdir() if (p / "kustomization.yaml").exists())
    return found


def compose_document(env: dict[str, str] | None = None) -> dict:
    """docker-compose.yml as Compose sees it in the offline check: the committed example env file."""
    env = dict(os.environ if env is None else env)
    env["FIELDBOOK_ENV_FILE"] = str(ENV_EXAMPLE.relative_to(ROOT))
    return interpolate(load_yaml(COMPOSE_FILE), env)


def validate(problems: Problems, notes: list[str]) -> None:
    try:
        raw = load_yaml(COMPOSE_FILE)
    except yaml.YAMLError as exc:
        problems.add("compose", f"not valid YAML: {exc}")
        raw = None
    if raw is not None:
        # the env files as production reads them: no FIELDBOOK_ENV_FILE override
        compose_env_file_not_committed(interpolate(raw, {}), problems)
        doc = compose_document()
        check_compose(doc, problems, compose_schema())
        notes.append(f"compose: {len(doc.get('services') or {})} services: schema + structure")
    compose_cli = docker_compose_command()
    if compose_cli:
        out = subprocess.run(
            [*compose_cli, "-f", str(COMPOSE_FILE), "config", "-q"],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
            env={**os.environ, "FIELDBOOK_ENV_FILE": str(ENV_EXAMPLE.relative_to(ROOT))},
        )  # fmt: skip
        if out.returncode != 0:
            problems.add(f"{' '.join(compose_cli)} config -q", out.stderr.strip()[:1000])
        else:
            notes.append(f"compose: `{' '.join(compose_cli)} config -q` passes")
    else:
        notes.append(
            "compose: neither `docker compose` nor `docker-compose` here (the checks above stand in)"
        )

    tool = external_kustomize()
    for directory in kustomizations():
        where = f"k8s {directory.relative_to(K8S)}"
        try:
            objects = render_kustomization(directory)
        except (ValueError, KeyError, IndexError, OSError, yaml.YAMLError) as exc:
            problems.add(where, f"built-in render failed: {exc}")
            continue
        if tool:
            try:
                compare_renders(objects, render_external(tool, directory), where, problems)
            except (ValueError, OSError, subprocess.TimeoutExpired) as exc:
                problems.add(where, str(exc))
        schema_validate(objects, where, problems)
        check_k8s(objects, where, problems, production="overlays" in directory.parts)
        notes.append(
            f"{where}: {len(objects)} objects"
            + (f" (same as `{' '.join(tool)}`)" if tool else " (built-in renderer)")
            + f"; Kubernetes schemas {', '.join(K8S_VERSIONS)} (strict) + structure"
        )


def _find(objects: list[dict], kind: str, name: str) -> dict:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def _pod(objects: list[dict], kind: str, name: str) -> dict:
    return _find(objects, kind, name)["spec"]["template"]["spec"]


def _container(objects: list[dict], kind: str, name: str) -> dict:
    return _pod(objects, kind, name)["containers"][0]


def _make_root(objects: list[dict]) -> None:
    _pod(objects, "Deployment", "comms-worker")["securityContext"].pop("runAsNonRoot")
    _container(objects, "Deployment", "comms-worker")["securityContext"].pop("runAsNonRoot")


comms_migrate_healthy = {"comms-migrate": {"condition": "service_healthy"}}
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}, "stringData": {"a": "b"}}


# Each break must be reported by a finding containing the text given.
def _add_unlisted(objects: list[dict]) -> None:
    extra = copy.deepcopy(_find(objects, "Deployment", "comms-worker"))
    extra["metadata"]["name"] = "reporting-worker"
    objects.append(extra)


SELF_TESTS: list[tuple[str, str, Callable]] = [
    ("compose: a web container without a health check", "needs a health check",
     lambda doc: doc["services"]["billing-web"].pop("healthcheck")),
    ("compose: a password written inline", "written inline",
     lambda doc: doc["services"]["customers-web"]["environment"].update(SMTP_PASSWORD="hunter2")),
    ("compose: depends_on a service that does not exist", "not a service",
     lambda doc: doc["services"]["gateway"]["depends_on"].update(nope={"condition": "service_healthy"})),
    ("compose: waiting for a migration to be healthy", "has no health check",
     lambda doc: doc["services"]["comms-web"]["depends_on"].update(comms_migrate_healthy)),
    ("compose: a package's worker missing", "no service assets-worker",
     lambda doc: doc["services"].pop("assets-worker")),
    ("compose: a key the schema does not know", "schema:",
     lambda doc: doc["services"]["postgres"].update(healthcheck_typo=True)),
    ("compose: an internal URL on the wrong port", "listens on",
     lambda doc: doc["services"]["gateway"]["environment"].update(BILLING_URL="http://billing-web:9999")),
    ("compose: a process of a service the table does not list", "not in the service table",
     lambda doc: doc["services"].update({"reporting-worker": copy.deepcopy(doc["services"]["comms-web"])})),
]  # fmt: skip
K8S_SELF_TESTS: list[tuple[str, str, Callable]] = [
    ("k8s: a worker without its HPA", "HorizontalPodAutoscalers scale it",
     lambda objs: objs.remove(_find(objs, "HorizontalPodAutoscaler", "comms-worker"))),
    ("k8s: a web container without its readiness probe", "readinessProbe should GET /readyz?only=database",
     lambda objs: _container(objs, "Deployment", "billing-web").pop("readinessProbe")),
    ("k8s: an unknown field (strict schema)", "Kubernetes",
     lambda objs: _find(objs, "Deployment", "assets-web")["spec"].update(replicaz=3)),
    ("k8s: a Secret committed", "renders a Secret", lambda objs: objs.append(copy.deepcopy(SECRET))),
    ("k8s: a container without limits", "no limits.memory",
     lambda objs: _container(objs, "Deployment", "gateway")["resources"].pop("limits")),
    ("k8s: a secret key not in the example", "not listed",
     lambda objs: _container(objs, "Job", "customers-migrate")["env"][0]["valueFrom"]["secretKeyRef"].update(
         key="ROOT_PASSWORD")),
    ("k8s: a root container", "runAsNonRoot", _make_root),
    ("k8s: a Deployment of a service the table does not list", "not in the service table", _add_unlisted),
]  # fmt: skip


def self_test() -> list[str]:
    """Break pristine copies of the inputs in known ways; each break must be reported."""
    failures = []
    compose, schema = compose_document(), compose_schema()
    base = render_kustomization(K8S / "base")
    for title, expected, breaker in SELF_TESTS:
        doc = copy.deepcopy(compose)
        breaker(doc)
        problems: Problems = Problems()
        check_compose(doc, problems, schema)
        if not any(expected in p for p in problems):
            failures.append(f"self-test not caught: {title} (expected a finding with {expected!r})")
    for title, expected, breaker in K8S_SELF_TESTS:
        objects = copy.deepcopy(base)
        breaker(objects)
        problems = Problems()
        changed = [o for o in objects if o not in base]
        schema_validate(changed, "k8s base", problems)
        check_k8s(objects, "k8s base", problems, production=False)
        if not any(expected in p for p in problems):
            failures.append(f"self-test not caught: {title} (expected a finding with {expected!r})")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--self-test", action="store_true", help="first check that known breaks are caught")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.self_test:
        failures = self_test()
        for failure in failures:
            print(f"validate-deploy: {failure}", file=sys.stderr)
        if failures:
            return 1
        print(f"validate-deploy: self-test: {len(SELF_TESTS) + len(K8S_SELF_TESTS)} known breaks caught")
    problems: Problems = Problems()
    notes: list[str] = []
    validate(problems, notes)
    for note in notes:
        print(f"validate-deploy: {note}")
    for problem in problems:
        print(f"validate-deploy: FAIL {problem}", file=sys.stderr)
    elapsed = time.monotonic() - started
    if problems:
        print(f"validate-deploy: {len(problems)} problem(s) ({elapsed:.1f} s)", file=sys.stderr)
        return 1
    print(f"validate-deploy: docker-compose.yml and deploy/k8s are valid ({elapsed:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The collecting half of check_manifests.py: the command lines, ports and references of
each kind of file under deploy/ and of the docs, gathered into a Manifests object.

One function per kind of file (Dockerfile, Compose, Kubernetes, systemd units and the env
file, docs); check_manifests.py runs them in that order and then the checks on what they
collected. The Kubernetes structure check (kinds, names, references, $(VARs)) reports here,
as the manifests are read. The scanning of a single command line is in manifest_scan.py.
"""

import dataclasses
import os
import re
import shlex

from manifest_scan import (Invocation, compose_default, exec_form, fail, ok,
                           parse_dockerfile, program_of, read, scan_argv, scan_script,
                           systemd_unescape, unit_exec_lines)


# ------------------------------------------------------------------ what the sections share
@dataclasses.dataclass
class Manifests:
    """What the binaries accept, and everything the sections collect for the later checks."""
    source: str
    install_root: str                # None without an install tree
    accepted: dict                   # binary → the flags it accepts
    commands: set                    # the gongkai commands
    # path → [documents]
    yaml_docs: dict = dataclasses.field(default_factory=dict)
    invocations: list = dataclasses.field(default_factory=list)
    # (where, shell script) for the `sh -n` check
    scripts: list = dataclasses.field(default_factory=list)
    problems_by_file: dict = dataclasses.field(default_factory=dict)
    # The Dockerfile: its ENTRYPOINT (exec form), EXPOSEd ports and ENV values.
    entrypoint: list = None
    expose: set = dataclasses.field(default_factory=set)
    docker_env: dict = dataclasses.field(default_factory=dict)
    # (where, GONGKAI_SERVER value)
    env_servers: list = dataclasses.field(default_factory=list)
    # (where, program, host port, container port)
    compose_ports: list = dataclasses.field(default_factory=list)
    # Kubernetes: (path, document), the ConfigMap's data, the (kind, name) of every object.
    k8s_docs: list = dataclasses.field(default_factory=list)
    configmap: dict = dataclasses.field(default_factory=dict)
    k8s_names: set = dataclasses.field(default_factory=set)
    # (where, program, containerPort, name, pod labels)
    k8s_container_ports: list = dataclasses.field(default_factory=list)
    k8s_probe_ports: list = dataclasses.field(default_factory=list)
    k8s_annotation_ports: list = dataclasses.field(default_factory=list)
    k8s_service_ports: list = dataclasses.field(default_factory=list)
    k8s_structure: list = dataclasses.field(default_factory=list)

    @property
    def deploy(self):
        return os.path.join(self.source, "deploy")

    @property
    def dockerfile(self):
        return os.path.join(self.deploy, "docker", "Dockerfile")

    def rel(self, p):
        return os.path.relpath(p, self.source)

    def add(self, found_problems, where):
        found, problems = found_problems
        self.invocations.extend(found)
        self.problems_by_file.setdefault(where, []).extend(problems)


# ---------------------------------------------------------------- Dockerfile
def scan_dockerfile(m):
    dockerfile = m.dockerfile
    if os.path.exists(dockerfile):
        where = m.rel(dockerfile)
        m.problems_by_file.setdefault(where, [])
        cmd = None
        for word, rest in parse_dockerfile(dockerfile):
            if word == "ENTRYPOINT":
                m.entrypoint = exec_form(rest)
                if m.entrypoint is None:
                    m.problems_by_file[where].append("ENTRYPOINT is not in exec (JSON) form")
            elif word == "CMD":
                cmd = exec_form(rest)
            elif word == "HEALTHCHECK":
                match = re.search(r"\bCMD\s+(\[.*\])\s*$", rest)
                hc = exec_form(match.group(1)) if match else None
                if hc is None:
                    m.problems_by_file[where].append("HEALTHCHECK CMD is not in exec form")
                else:
                    m.add(scan_argv(hc, where + " HEALTHCHECK", True), where)
            elif word == "RUN":
                m.add(scan_script(re.sub(r"^--mount=\S+\s+", "", rest), where + " RUN",
                                  True, scripts=m.scripts), where)
            elif word == "EXPOSE":
                m.expose |= {int(p.split("/")[0]) for p in rest.split()}
            elif word == "ENV":
                for k, v in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", rest):
                    m.docker_env[k] = v
        if m.entrypoint:
            m.add(scan_argv(m.entrypoint + (cmd or []), where + " ENTRYPOINT", True), where)
    else:
        fail("Dockerfile exists", f"{m.rel(dockerfile)} is missing")


# ---------------------------------------------------------------- Compose
def scan_compose(m):
    for k, v in m.docker_env.items():
        if k == "GONGKAI_SERVER":
            m.env_servers.append((m.rel(m.dockerfile) + " ENV", v))
    for p, docs in m.yaml_docs.items():
        if "compose" not in m.rel(p).split(os.sep)[1:2] and not os.path.basename(p).startswith(
                ("docker-compose", "compose")):
            continue
        where = m.rel(p)
        for doc in docs:
            for name, svc in (doc.get("services") or {}).items():
                scan_compose_service(m, where, name, svc)


def scan_compose_service(m, where, name, svc):
    ep = svc.get("entrypoint")
    cm = svc.get("command")
    ep = shlex.split(ep) if isinstance(ep, str) else ep
    cm = shlex.split(cm) if isinstance(cm, str) else cm
    argv = list(ep) if ep else list(m.entrypoint or [])
    argv += list(cm or [])
    argv = [str(a).replace("$$", "$") for a in argv]
    found, probs = scan_argv(argv, f"{where} service {name}", True,
                             compose_default, m.scripts)
    m.invocations.extend(found)
    m.problems_by_file.setdefault(where, []).extend(probs)
    program = program_of(argv[0]) if argv else None
    env = svc.get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env if "=" in e)
    if "GONGKAI_SERVER" in env:
        m.env_servers.append((f"{where} service {name}",
                              compose_default(str(env["GONGKAI_SERVER"]))))
    for port in svc.get("ports") or []:
        parts = compose_default(str(port)).split(":")
        try:
            container_port = int(parts[-1].split("/")[0])
            host = int(parts[-2]) if len(parts) >= 2 else None
        except ValueError:
            m.problems_by_file[where].append(f"service {name}: port {port!r}?")
            continue
        m.compose_ports.append((f"{where} service {name}", program, host,
                                container_port))


# ---------------------------------------------------------------- Kubernetes
def pod_specs(d):
    kind = d.get("kind")
    spec = d.get("spec") or {}
    if kind in ("StatefulSet", "Deployment", "DaemonSet", "Job"):
        yield (spec.get("template") or {})
    elif kind == "CronJob":
        yield ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}


def scan_kubernetes(m):
    k8s_dir = os.path.join(m.deploy, "k8s")
    m.k8s_docs = [(p, d) for p, docs in m.yaml_docs.items()
                  if p.startswith(k8s_dir + os.sep) for d in docs]
    for p, d in m.k8s_docs:
        if isinstance(d, dict) and d.get("kind") == "ConfigMap":
            m.configmap.update({k: str(v) for k, v in (d.get("data") or {}).items()})
    for k, v in m.configmap.items():
        if k == "GONGKAI_SERVER":
            m.env_servers.append(("deploy/k8s ConfigMap", v))

    m.k8s_names = {(d.get("kind"), (d.get("metadata") or {}).get("name"))
                   for _, d in m.k8s_docs if isinstance(d, dict)}
    for p, d in m.k8s_docs:
        scan_k8s_document(m, p, d)
    if m.k8s_docs:
        if m.k8s_structure:
            fail("Kubernetes manifests are well-formed", "; ".join(m.k8s_structure))
        else:
            ok("Kubernetes manifests are well-formed (kinds, names, references, $(VARs))")


def k8s_resolver(configmap):
    def k8s_resolve(value):
        if value is None:
            return None
        return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                      lambda match: configmap.get(match.group(1), match.group(0)), value)
    return k8s_resolve


def scan_k8s_document(m, p, d):
    where = m.rel(p)
    if not isinstance(d, dict):
        m.k8s_structure.append(f"{where}: a document that is not a mapping")
        return
    if d.get("kind") == "Kustomization":
        for r in d.get("resources") or []:
            if not os.path.exists(os.path.join(os.path.dirname(p), r)):
                m.k8s_structure.append(f"{where}: resource {r} does not exist")
        return
    for key in ("apiVersion", "kind"):
        if not d.get(key):
            m.k8s_structure.append(f"{where}: a document without {key}")
    if not (d.get("metadata") or {}).get("name"):
        m.k8s_structure.append(f"{where}: a {d.get('kind')} without metadata.name")
    if d.get("kind") == "Service":
        for port in (d.get("spec") or {}).get("ports") or []:
            m.k8s_service_ports.append((where, d["metadata"]["name"], port,
                                        (d.get("spec") or {}).get("selector") or {}))
    for template in pod_specs(d):
        pod = template.get("spec") or {}
        annotations = (template.get("metadata") or {}).get("annotations") or {}
        obj = f"{where} {d.get('kind')}/{(d.get('metadata') or {}).get('name')}"
        for c in pod.get("containers") or []:
            scan_k8s_container(m, where, obj, template, annotations, c)
        check_k8s_refs(m, obj, pod)


def scan_k8s_container(m, where, obj, template, annotations, c):
    k8s_resolve = k8s_resolver(m.configmap)
    cname = f"{obj} container {c.get('name')}"
    defined = set()
    for ef in c.get("envFrom") or []:
        ref = (ef.get("configMapRef") or {}).get("name")
        if ref:
            if ("ConfigMap", ref) not in m.k8s_names:
                m.k8s_structure.append(f"{cname}: no ConfigMap {ref}")
            defined |= set(m.configmap)
    defined |= {e.get("name") for e in c.get("env") or []}
    argv = list(c.get("command") or m.entrypoint or []) + list(c.get("args") or [])
    argv = [str(a) for a in argv]
    for a in argv:
        for var in re.findall(r"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)", a):
            if var not in defined:
                m.k8s_structure.append(f"{cname}: $({var}) is not defined")
    found, probs = scan_argv(argv, cname, True, k8s_resolve, m.scripts)
    m.invocations.extend(found)
    m.problems_by_file.setdefault(where, []).extend(probs)
    program = program_of(argv[0]) if argv else None
    labels = (template.get("metadata") or {}).get("labels") or {}
    for port in c.get("ports") or []:
        m.k8s_container_ports.append((cname, program, port.get("containerPort"),
                                      port.get("name"), labels))
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        pr = c.get(probe)
        if pr:
            grpc = pr.get("grpc") or pr.get("httpGet") or pr.get("tcpSocket")
            if grpc is not None:
                m.k8s_probe_ports.append((f"{cname} {probe}", grpc.get("port")))
            probe_argv = [str(a) for a in (pr.get("exec") or {}).get("command")
                          or []]
            if probe_argv:
                found, probs = scan_argv(probe_argv, f"{cname} {probe}", True,
                                         k8s_resolve, m.scripts)
                m.invocations.extend(found)
                m.problems_by_file.setdefault(where, []).extend(probs)
    if program and "prometheus.io/port" in annotations:
        m.k8s_annotation_ports.append((obj, program,
                                       int(annotations["prometheus.io/port"])))


def check_k8s_refs(m, obj, pod):
    # Volumes (also each source of a projected volume) and env valueFrom references
    # name a ConfigMap or Secret of the manifests (secrets.yaml, not applied, shows
    # the shape of the Secrets created out of band), and their keys when it lists
    # them.
    def check_ref(kind, ref, what, keys=()):
        name = ref.get("name") or ref.get("secretName")
        if ref.get("optional"):
            return
        if (kind, name) not in m.k8s_names:
            m.k8s_structure.append(f"{obj}: {what} from missing {kind} {name}")
            return
        for d2 in (d2 for _, d2 in m.k8s_docs if isinstance(d2, dict)):
            if (d2.get("kind"), (d2.get("metadata") or {}).get("name")) == (kind, name):
                have = set(d2.get("data") or {}) | set(d2.get("stringData") or {})
                for k in keys:
                    if k not in have:
                        m.k8s_structure.append(f"{obj}: {what}: {kind} {name} "
                                               f"has no key {k}")
    for v in pod.get("volumes") or []:
        sources = [v] + list((v.get("projected") or {}).get("sources") or [])
        for src in sources:
            for kind, key in (("ConfigMap", "configMap"), ("Secret", "secret")):
                ref = src.get(key)
                if ref:
                    check_ref(kind, ref, f"volume {v.get('name')}",
                              [i.get("key") for i in ref.get("items") or []])
    for c in (pod.get("containers") or []) + (pod.get("initContainers") or []):
        for e in c.get("env") or []:
            vf = e.get("valueFrom") or {}
            for kind, key in (("ConfigMap", "configMapKeyRef"),
                              ("Secret", "secretKeyRef")):
                if vf.get(key):
                    check_ref(kind, vf[key], f"env {e.get('name')}",
                              [vf[key].get("key")])


# ---------------------------------------------------------------- systemd + env file
def scan_systemd(m):
    systemd_dir = os.path.join(m.deploy, "systemd")
    for f in sorted(os.listdir(systemd_dir)) if os.path.isdir(systemd_dir) else []:
        p = os.path.join(systemd_dir, f)
        where = m.rel(p)
        if f.endswith((".service", ".socket")):
            scan_unit(m, p, where)
        elif f.endswith(".env"):
            scan_env_file(m, p, where)


def scan_unit(m, p, where):
    m.problems_by_file.setdefault(where, [])
    for key, value in unit_exec_lines(p):
        value = systemd_unescape(value)
        if key == "Environment":
            for k, v in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", value):
                if k == "GONGKAI_SERVER":
                    m.env_servers.append((where, v))
            continue
        value = value.lstrip("@-:+!")
        try:
            argv = shlex.split(value)
        except ValueError as e:
            m.problems_by_file[where].append(f"{key}: {e}")
            continue
        m.add(scan_argv(argv, f"{where} {key}", False, None, m.scripts), where)


def scan_env_file(m, p, where):
    m.problems_by_file.setdefault(where, [])
    with open(p, encoding="utf-8") as fh:
        for line in fh:
            match = re.match(r"^#?\s*([A-Z_]+)=(.*)$", line.strip())
            if not match:
                continue
            var, value = match.groups()
            program = {"GONGKAID_ARGS": "gongkaid",
                       "GONGKAI_WORKER_ARGS": "gongkai-worker"}.get(var)
            if program:
                m.invocations.append(Invocation(program, shlex.split(value),
                                                f"{where} {var}"))
            elif var == "GONGKAI_CLI_ARGS":  # appended to a gongkai command
                m.invocations.append(Invocation("gongkai",
                                                ["health"] + shlex.split(value),
                                                f"{where} {var}"))
            elif var == "GONGKAI_SERVER":
                m.env_servers.append((where, value))


# ---------------------------------------------------------------- docs
def scan_docs(m):
    for doc in ("OPERATIONS.md", "SCALING.md"):
        p = os.path.join(m.source, "docs", doc)
        if not os.path.exists(p):
            fail(f"docs/{doc} exists", "missing")
            continue
        where = m.rel(p)
        m.problems_by_file.setdefault(where, [])
        text = read(p)
        for n, block in enumerate(re.findall(r"^```(?:sh|bash|shell)\n(.*?)^```", text,
                                             re.M | re.S)):
            block = re.sub(r"^\$ ", "", block, flags=re.M)
            m.add(scan_script(block, f"{where} block {n + 1}"), where)

#!/usr/bin/python3
"""The parsing half of tests/deploy/check_deploy.sh: YAML, flags, ports, paths, docs.

    check_manifests.py SOURCE_DIR GONGKAID_HELP GONGKAI_WORKER_HELP GONGKAI_HELP [INSTALL_ROOT]

The *_HELP arguments are files holding `gongkaid --helpfull`, `gongkai-worker --helpfull`
and `gongkai help` output. INSTALL_ROOT, when given, is a DESTDIR into which
`cmake --install … --prefix /opt/gongkai` was run.

Prints one line per check, `ok   NAME`, `FAIL NAME: why` or `skip NAME: why`; the shell
script counts them. Exits 0 (the counting decides).

How a command line is found in each kind of file:
  Dockerfile        ENTRYPOINT, CMD, HEALTHCHECK CMD (exec form) and RUN (as shell).
  Compose           each service's entrypoint + command; without an entrypoint, the
                    Dockerfile's ENTRYPOINT. `$$` is Compose's literal `$`.
  Kubernetes        each container's command + args; without a command, the Dockerfile's
                    ENTRYPOINT; each probe's exec command. `$(VAR)` is resolved from the
                    ConfigMap for the port checks.
  systemd units     Exec*= lines, `%%` and `$$` unescaped.
  gongkai.env       GONGKAID_ARGS (gongkaid), GONGKAI_WORKER_ARGS (gongkai-worker) and
                    GONGKAI_CLI_ARGS (flags of any gongkai command), also in commented-out
                    example lines.
  docs              ```sh blocks of docs/OPERATIONS.md and docs/SCALING.md.
A `sh -c SCRIPT` anywhere is scanned as a shell script: a program is recognised in command
position (start of a line, after ; && || | ( do then …, after exec/sudo/env, after `--`).
"""

import json
import os
import re
import shlex
import subprocess
import sys

try:
    import yaml
except ImportError:  # python3-yaml missing: report and let the other checks run
    yaml = None

BINARIES = ("gongkaid", "gongkai-worker", "gongkai")
GRPC_PORT, SERVER_METRICS_PORT, WORKER_METRICS_PORT = 50051, 9464, 9465
PORTS = {GRPC_PORT, SERVER_METRICS_PORT, WORKER_METRICS_PORT}
ABSL_BUILTIN_FLAGS = {"flagfile", "fromenv", "tryfromenv", "undefok", "help", "helpfull",
                      "helpshort", "helppackage", "version", "only_check_args", "helpon",
                      "helpmatch"}

results = []


def report(status, name, why=""):
    line = f"{status:<4} {name}"
    if why:
        line += f": {why}"
    print(line, flush=True)


def ok(name):
    report("ok", name)


def fail(name, why):
    report("FAIL", name, why)


def skip(name, why):
    report("skip", name, why)


# ------------------------------------------------------------------ what the binaries accept
def absl_flags(help_text):
    return set(re.findall(r"^\s+--([A-Za-z0-9_]+) \(", help_text, re.M))


def cli_commands(help_text):
    return set(re.findall(r"^  ([a-z][a-z-]*)\b", help_text, re.M))


def cli_flags(help_text):
    return set(re.findall(r"--([a-z][a-z_]*)", help_text))


# ------------------------------------------------------------------ finding invocations
class Invocation:
    def __init__(self, binary, args, where, container=False, resolve=None):
        self.binary = binary          # gongkaid | gongkai-worker | gongkai
        self.args = args              # argv[1:]
        self.where = where            # file (and place) for messages
        self.container = container    # inside a container (must bind 0.0.0.0)
        self.resolve = resolve or (lambda v: v)

    def flags(self):
        """[(name, value or None)] for every --flag (stops at a bare `--`)."""
        out = []
        i = 0
        while i < len(self.args):
            a = self.args[i]
            if a == "--":
                break
            if a.startswith("--") and len(a) > 2:
                name, eq, value = a[2:].partition("=")
                if not eq:
                    nxt = self.args[i + 1] if i + 1 < len(self.args) else None
                    value = nxt if nxt is not None and not nxt.startswith("-") else None
                out.append((name, value))
            i += 1
        return out

    def subcommand(self):
        for a in self.args:
            if not a.startswith("-"):
                return a
            break
        return None


CONTROL_CHARS = ";&|()\n"
KEEP_COMMAND_POSITION = {"exec", "then", "do", "else", "elif", "if", "while", "until", "!",
                         "{", "time", "command", "nohup", "nice", "env", "sudo", "runuser"}


def program_of(token):
    base = os.path.basename(token)
    return base if base in BINARIES else None


def scan_script(script, where, container=False, resolve=None, scripts=None):
    """Invocations of our binaries in a shell script."""
    if scripts is not None:
        scripts.append((where, script))
    text = script.replace("\\\n", " ")
    lex = shlex.shlex(text, posix=True, punctuation_chars=CONTROL_CHARS)
    lex.whitespace = " \t\r"
    lex.whitespace_split = True
    try:
        tokens = list(lex)
    except ValueError as e:  # unbalanced quotes: reported by the sh -n check
        return [], [f"{where}: cannot tokenize: {e}"]
    found, problems = [], []
    command_position = True
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t and all(c in CONTROL_CHARS for c in t):
            command_position = True
            i += 1
            continue
        if not command_position:
            if t == "--":
                command_position = True
            i += 1
            continue
        if re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", t):  # VAR=value prefix
            i += 1
            continue
        if t in ("sudo", "runuser"):  # skip their options (and -u USER)
            i += 1
            while i < len(tokens) and tokens[i].startswith("-"):
                i += 2 if tokens[i] in ("-u", "-g") else 1
            continue
        if t in KEEP_COMMAND_POSITION:
            i += 1
            continue
        prog = program_of(t)
        if prog:
            j = i + 1
            while j < len(tokens) and not all(c in CONTROL_CHARS for c in tokens[j]):
                j += 1
            found.append(Invocation(prog, tokens[i + 1:j], where, container, resolve))
            i = j
            continue
        command_position = False
        i += 1
    return found, problems


def scan_argv(argv, where, container=False, resolve=None, scripts=None):
    if not argv:
        return [], []
    head = os.path.basename(argv[0])
    if head in ("sh", "bash", "dash") and len(argv) >= 3 and argv[1] == "-c":
        return scan_script(argv[2], where, container, resolve, scripts)
    prog = program_of(argv[0])
    if prog:
        return [Invocation(prog, list(argv[1:]), where, container, resolve)], []
    return [], []


# ------------------------------------------------------------------ Dockerfile
def parse_dockerfile(path):
    """[(INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    instructions, current = [], ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.lstrip().startswith("#"):
                continue
            if line.endswith("\\"):
                current += line[:-1] + " "
                continue
            current += line
            if current.strip():
                word, _, rest = current.strip().partition(" ")
                instructions.append((word.upper(), rest.strip()))
            current = ""
    return instructions


def exec_form(text):
    try:
        value = json.loads(text)
        return value if isinstance(value, list) else None
    except ValueError:
        return None


# ------------------------------------------------------------------ systemd and env files
def unit_exec_lines(path):
    lines, current = [], ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if not current and line.lstrip().startswith(("#", ";")):
                continue
            if line.endswith("\\"):
                current += line[:-1] + " "
                continue
            current += line
            key, eq, value = current.partition("=")
            if eq and key.strip().startswith("Exec"):
                lines.append((key.strip(), value.strip()))
            elif eq and key.strip() == "Environment":
                lines.append(("Environment", value.strip()))
            current = ""
    return lines


def systemd_unescape(value):
    return value.replace("%%", "%").replace("$$", "$")


# ------------------------------------------------------------------ helpers for ports
def host_port(value):
    """'0.0.0.0:50051' → ('0.0.0.0', 50051); '[::]:1' → ('[::]', 1); otherwise None."""
    if value is None:
        return None
    m = re.match(r"^(.*):(\d+)$", value.strip().strip('"\''))
    return (m.group(1), int(m.group(2))) if m else None


def compose_default(value):
    """Compose interpolation: ${VAR:-default} / ${VAR-default} → default, $$ → $."""
    if value is None:
        return None
    value = re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}", r"\1", value)
    return value.replace("$$", "$")


def main():
    source, help_d, help_w, help_c = sys.argv[1:5]
    install_root = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None
    read = lambda p: open(p, encoding="utf-8", errors="replace").read()
    accepted = {
        "gongkaid": absl_flags(read(help_d)),
        "gongkai-worker": absl_flags(read(help_w)),
    }
    cli_help = read(help_c)
    accepted["gongkai"] = cli_flags(cli_help)
    commands = cli_commands(cli_help)
    for name, flags in accepted.items():
        if not flags:
            fail(f"{name}: list its flags", "no flags found in its help output")

    deploy = os.path.join(source, "deploy")
    rel = lambda p: os.path.relpath(p, source)

    # ---------------------------------------------------------------- YAML parses
    yaml_docs = {}  # path → [documents]
    yaml_files = []
    for root, _, files in os.walk(deploy):
        for f in sorted(files):
            if f.endswith((".yml", ".yaml")):
                yaml_files.append(os.path.join(root, f))
    yaml_files.sort()
    if yaml is None:
        skip("YAML parses", "python3-yaml (import yaml) is not installed")
    else:
        for p in yaml_files:
            try:
                with open(p, encoding="utf-8") as fh:
                    yaml_docs[p] = [d for d in yaml.safe_load_all(fh) if d is not None]
                ok(f"YAML parses: {rel(p)}")
            except yaml.YAMLError as e:
                fail(f"YAML parses: {rel(p)}", str(e).replace("\n", " "))

    invocations, scripts, problems_by_file = [], [], {}

    def add(found_problems, where):
        found, problems = found_problems
        invocations.extend(found)
        problems_by_file.setdefault(where, []).extend(problems)

    # ---------------------------------------------------------------- Dockerfile
    dockerfile = os.path.join(deploy, "docker", "Dockerfile")
    entrypoint, expose, docker_env = None, set(), {}
    if os.path.exists(dockerfile):
        where = rel(dockerfile)
        problems_by_file.setdefault(where, [])
        cmd = None
        for word, rest in parse_dockerfile(dockerfile):
            if word == "ENTRYPOINT":
                entrypoint = exec_form(rest)
                if entrypoint is None:
                    problems_by_file[where].append("ENTRYPOINT is not in exec (JSON) form")
            elif word == "CMD":
                cmd = exec_form(rest)
            elif word == "HEALTHCHECK":
                m = re.search(r"\bCMD\s+(\[.*\])\s*$", rest)
                hc = exec_form(m.group(1)) if m else None
                if hc is None:
                    problems_by_file[where].append("HEALTHCHECK CMD is not in exec form")
                else:
                    add(scan_argv(hc, where + " HEALTHCHECK", True), where)
            elif word == "RUN":
                add(scan_script(re.sub(r"^--mount=\S+\s+", "", rest), where + " RUN",
                                True, scripts=scripts), where)
            elif word == "EXPOSE":
                expose |= {int(p.split("/")[0]) for p in rest.split()}
            elif word == "ENV":
                for k, v in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", rest):
                    docker_env[k] = v
        if entrypoint:
            add(scan_argv(entrypoint + (cmd or []), where + " ENTRYPOINT", True), where)
    else:
        fail("Dockerfile exists", f"{rel(dockerfile)} is missing")

    # ---------------------------------------------------------------- Compose
    env_servers = []  # (where, GONGKAI_SERVER value)
    for k, v in docker_env.items():
        if k == "GONGKAI_SERVER":
            env_servers.append((rel(dockerfile) + " ENV", v))
    compose_ports = []  # (where, program, host port, container port)
    for p, docs in yaml_docs.items():
        if "compose" not in rel(p).split(os.sep)[1:2] and not os.path.basename(p).startswith(
                ("docker-compose", "compose")):
            continue
        where = rel(p)
        for doc in docs:
            for name, svc in (doc.get("services") or {}).items():
                ep = svc.get("entrypoint")
                cm = svc.get("command")
                ep = shlex.split(ep) if isinstance(ep, str) else ep
                cm = shlex.split(cm) if isinstance(cm, str) else cm
                argv = list(ep) if ep else list(entrypoint or [])
                argv += list(cm or [])
                argv = [str(a).replace("$$", "$") for a in argv]
                found, probs = scan_argv(argv, f"{where} service {name}", True,
                                         compose_default, scripts)
                invocations.extend(found)
                problems_by_file.setdefault(where, []).extend(probs)
                program = program_of(argv[0]) if argv else None
                env = svc.get("environment") or {}
                if isinstance(env, list):
                    env = dict(e.split("=", 1) for e in env if "=" in e)
                if "GONGKAI_SERVER" in env:
                    env_servers.append((f"{where} service {name}",
                                        compose_default(str(env["GONGKAI_SERVER"]))))
                for port in svc.get("ports") or []:
                    parts = compose_default(str(port)).split(":")
                    try:
                        container_port = int(parts[-1].split("/")[0])
                        host = int(parts[-2]) if len(parts) >= 2 else None
                    except ValueError:
                        problems_by_file[where].append(f"service {name}: port {port!r}?")
                        continue
                    compose_ports.append((f"{where} service {name}", program, host,
                                          container_port))

    # ---------------------------------------------------------------- Kubernetes
    k8s_dir = os.path.join(deploy, "k8s")
    k8s_docs = [(p, d) for p, docs in yaml_docs.items()
                if p.startswith(k8s_dir + os.sep) for d in docs]
    configmap = {}
    for p, d in k8s_docs:
        if isinstance(d, dict) and d.get("kind") == "ConfigMap":
            configmap.update({k: str(v) for k, v in (d.get("data") or {}).items()})
    for k, v in configmap.items():
        if k == "GONGKAI_SERVER":
            env_servers.append(("deploy/k8s ConfigMap", v))

    def k8s_resolve(value):
        if value is None:
            return None
        return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                      lambda m: configmap.get(m.group(1), m.group(0)), value)

    def pod_specs(d):
        kind = d.get("kind")
        spec = d.get("spec") or {}
        if kind in ("StatefulSet", "Deployment", "DaemonSet", "Job"):
            yield (spec.get("template") or {})
        elif kind == "CronJob":
            yield ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}

    k8s_container_ports = []  # (where, program, containerPort, name, pod labels)
    k8s_probe_ports, k8s_annotation_ports, k8s_service_ports = [], [], []
    k8s_structure = []
    names = {(d.get("kind"), (d.get("metadata") or {}).get("name"))
             for _, d in k8s_docs if isinstance(d, dict)}
    for p, d in k8s_docs:
        where = rel(p)
        if not isinstance(d, dict):
            k8s_structure.append(f"{where}: a document that is not a mapping")
            continue
        if d.get("kind") == "Kustomization":
            for r in d.get("resources") or []:
                if not os.path.exists(os.path.join(os.path.dirname(p), r)):
                    k8s_structure.append(f"{where}: resource {r} does not exist")
            continue
        for key in ("apiVersion", "kind"):
            if not d.get(key):
                k8s_structure.append(f"{where}: a document without {key}")
        if not (d.get("metadata") or {}).get("name"):
            k8s_structure.append(f"{where}: a {d.get('kind')} without metadata.name")
        if d.get("kind") == "Service":
            for port in (d.get("spec") or {}).get("ports") or []:
                k8s_service_ports.append((where, d["metadata"]["name"], port,
                                          (d.get("spec") or {}).get("selector") or {}))
        for template in pod_specs(d):
            pod = template.get("spec") or {}
            annotations = (template.get("metadata") or {}).get("annotations") or {}
            obj = f"{where} {d.get('kind')}/{(d.get('metadata') or {}).get('name')}"
            for c in pod.get("containers") or []:
                cname = f"{obj} container {c.get('name')}"
                defined = set()
                for ef in c.get("envFrom") or []:
                    ref = (ef.get("configMapRef") or {}).get("name")
                    if ref:
                        if ("ConfigMap", ref) not in names:
                            k8s_structure.append(f"{cname}: no ConfigMap {ref}")
                        defined |= set(configmap)
                defined |= {e.get("name") for e in c.get("env") or []}
                argv = list(c.get("command") or entrypoint or []) + list(c.get("args") or [])
                argv = [str(a) for a in argv]
                for a in argv:
                    for var in re.findall(r"(?<!\$)\$\(([A-Za-z_][A-Za-z0-9_]*)\)", a):
                        if var not in defined:
                            k8s_structure.append(f"{cname}: $({var}) is not defined")
                found, probs = scan_argv(argv, cname, True, k8s_resolve, scripts)
                invocations.extend(found)
                problems_by_file.setdefault(where, []).extend(probs)
                program = program_of(argv[0]) if argv else None
                labels = (template.get("metadata") or {}).get("labels") or {}
                for port in c.get("ports") or []:
                    k8s_container_ports.append((cname, program, port.get("containerPort"),
                                                port.get("name"), labels))
                for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                    pr = c.get(probe)
                    if pr:
                        grpc = pr.get("grpc") or pr.get("httpGet") or pr.get("tcpSocket")
                        if grpc is not None:
                            k8s_probe_ports.append((f"{cname} {probe}", grpc.get("port")))
                        probe_argv = [str(a) for a in (pr.get("exec") or {}).get("command")
                                      or []]
                        if probe_argv:
                            found, probs = scan_argv(probe_argv, f"{cname} {probe}", True,
                                                     k8s_resolve, scripts)
                            invocations.extend(found)
                            problems_by_file.setdefault(where, []).extend(probs)
                if program and "prometheus.io/port" in annotations:
                    k8s_annotation_ports.append((obj, program,
                                                 int(annotations["prometheus.io/port"])))
            # Volumes (also each source of a projected volume) and env valueFrom references
            # name a ConfigMap or Secret of the manifests (secrets.yaml, not applied, shows
            # the shape of the Secrets created out of band), and their keys when it lists
            # them.
            def check_ref(kind, ref, what, keys=()):
                name = ref.get("name") or ref.get("secretName")
                if ref.get("optional"):
                    return
                if (kind, name) not in names:
                    k8s_structure.append(f"{obj}: {what} from missing {kind} {name}")
                    return
                for d2 in (d2 for _, d2 in k8s_docs if isinstance(d2, dict)):
                    if (d2.get("kind"), (d2.get("metadata") or {}).get("name")) == (kind, name):
                        have = set(d2.get("data") or {}) | set(d2.get("stringData") or {})
                        for k in keys:
                            if k not in have:
                                k8s_structure.append(f"{obj}: {what}: {kind} {name} "
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
    if k8s_docs:
        if k8s_structure:
            fail("Kubernetes manifests are well-formed", "; ".join(k8s_structure))
        else:
            ok("Kubernetes manifests are well-formed (kinds, names, references, $(VARs))")

    # ---------------------------------------------------------------- systemd + env file
    systemd_dir = os.path.join(deploy, "systemd")
    for f in sorted(os.listdir(systemd_dir)) if os.path.isdir(systemd_dir) else []:
        p = os.path.join(systemd_dir, f)
        where = rel(p)
        if f.endswith((".service", ".socket")):
            problems_by_file.setdefault(where, [])
            for key, value in unit_exec_lines(p):
                value = systemd_unescape(value)
                if key == "Environment":
                    for k, v in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=(\S+)", value):
                        if k == "GONGKAI_SERVER":
                            env_servers.append((where, v))
                    continue
                value = value.lstrip("@-:+!")
                try:
                    argv = shlex.split(value)
                except ValueError as e:
                    problems_by_file[where].append(f"{key}: {e}")
                    continue
                add(scan_argv(argv, f"{where} {key}", False, None, scripts), where)
        elif f.endswith(".env"):
            problems_by_file.setdefault(where, [])
            with open(p, encoding="utf-8") as fh:
                for line in fh:
                    m = re.match(r"^#?\s*([A-Z_]+)=(.*)$", line.strip())
                    if not m:
                        continue
                    var, value = m.groups()
                    program = {"GONGKAID_ARGS": "gongkaid",
                               "GONGKAI_WORKER_ARGS": "gongkai-worker"}.get(var)
                    if program:
                        invocations.append(Invocation(program, shlex.split(value),
                                                      f"{where} {var}"))
                    elif var == "GONGKAI_CLI_ARGS":  # appended to a gongkai command
                        invocations.append(Invocation("gongkai",
                                                      ["health"] + shlex.split(value),
                                                      f"{where} {var}"))
                    elif var == "GONGKAI_SERVER":
                        env_servers.append((where, value))

    # ---------------------------------------------------------------- docs
    for doc in ("OPERATIONS.md", "SCALING.md"):
        p = os.path.join(source, "docs", doc)
        if not os.path.exists(p):
            fail(f"docs/{doc} exists", "missing")
            continue
        where = rel(p)
        problems_by_file.setdefault(where, [])
        text = read(p)
        for n, block in enumerate(re.findall(r"^```(?:sh|bash|shell)\n(.*?)^```", text,
                                             re.M | re.S)):
            block = re.sub(r"^\$ ", "", block, flags=re.M)
            add(scan_script(block, f"{where} block {n + 1}"), where)

    # ---------------------------------------------------------------- flags are real
    by_file = {}
    for inv in invocations:
        by_file.setdefault(inv.where.split(" ")[0], []).append(inv)
    for where in sorted(set(by_file) | set(problems_by_file)):
        problems = list(problems_by_file.get(where, []))
        count = 0
        for inv in by_file.get(where, []):
            if inv.binary == "gongkai":
                sub = inv.subcommand()
                if sub is None:
                    problems.append(f"{inv.where}: gongkai without a command")
                elif sub not in commands:
                    problems.append(f"{inv.where}: `gongkai {sub}` is not a gongkai command")
            for name, _ in inv.flags():
                count += 1
                if name not in accepted[inv.binary]:
                    problems.append(f"{inv.where}: {inv.binary} has no --{name}")
        if problems:
            fail(f"flags and commands in {where}", "; ".join(dict.fromkeys(problems)))
        else:
            ok(f"flags and commands in {where} ({count} flags, "
               f"{len(by_file.get(where, []))} command lines)")

    # ---------------------------------------------------------------- ports
    port_problems = []
    roles = {("gongkaid", "listen"): GRPC_PORT,
             ("gongkaid", "metrics_listen"): SERVER_METRICS_PORT,
             ("gongkai-worker", "metrics_listen"): WORKER_METRICS_PORT,
             ("gongkai-worker", "server"): GRPC_PORT,
             ("gongkai", "server"): GRPC_PORT}
    checked = 0
    for inv in invocations:
        for name, value in inv.flags():
            want = roles.get((inv.binary, name))
            if want is None or value is None:
                continue
            value = inv.resolve(value)
            if value in ("", '""') and name == "metrics_listen":
                continue
            hp = host_port(value)
            checked += 1
            if hp is None:
                port_problems.append(f"{inv.where}: --{name}={value} is not host:port")
                continue
            if hp[1] != want:
                port_problems.append(f"{inv.where}: --{name} port {hp[1]}, expected {want}")
            if inv.container and name != "server" and hp[0] not in ("0.0.0.0", "[::]"):
                port_problems.append(f"{inv.where}: --{name}={value} inside a container "
                                     "must bind 0.0.0.0")
    for where, value in env_servers:
        checked += 1
        hp = host_port(value)
        if hp is None or hp[1] != GRPC_PORT:
            port_problems.append(f"{where}: GONGKAI_SERVER={value}, expected port {GRPC_PORT}")
    if os.path.exists(dockerfile):
        checked += 1
        if expose != {GRPC_PORT, SERVER_METRICS_PORT}:
            port_problems.append(f"Dockerfile EXPOSE {sorted(expose)}, expected "
                                 f"{[SERVER_METRICS_PORT, GRPC_PORT]}")
    expected_by_program = {"gongkaid": {GRPC_PORT, SERVER_METRICS_PORT},
                           "gongkai-worker": {WORKER_METRICS_PORT}}
    for where, program, host, container in compose_ports:
        checked += 1
        if container not in expected_by_program.get(program, set()):
            port_problems.append(f"{where}: publishes container port {container} of {program}")
        if host is not None and host != container:
            port_problems.append(f"{where}: host port {host} ≠ container port {container}")
    for where, program, port, name, _ in k8s_container_ports:
        checked += 1
        if port not in expected_by_program.get(program, set()):
            port_problems.append(f"{where}: containerPort {port} for {program}")
    for where, port in k8s_probe_ports:
        checked += 1
        if port not in (GRPC_PORT, "grpc"):
            port_problems.append(f"{where}: probe port {port}, expected {GRPC_PORT}")
    for where, program, port in k8s_annotation_ports:
        checked += 1
        want = SERVER_METRICS_PORT if program == "gongkaid" else WORKER_METRICS_PORT
        if port != want:
            port_problems.append(f"{where}: prometheus.io/port {port}, expected {want}")
    for where, service, port, selector in k8s_service_ports:
        checked += 1
        number, target = port.get("port"), port.get("targetPort", port.get("port"))
        if number not in PORTS:
            port_problems.append(f"{where} Service {service}: port {number}")
        # The container ports of the pods the Service selects, by name.
        named = {}
        for _, _, cport, name, labels in k8s_container_ports:
            if selector and all(labels.get(k) == v for k, v in selector.items()) and name:
                named.setdefault(name, set()).add(cport)
        target_ports = named.get(target, set()) if isinstance(target, str) else {target}
        if target_ports != {number}:
            port_problems.append(f"{where} Service {service}: port {number} → targetPort "
                                 f"{target} ({sorted(target_ports) or 'no such port'})")
    if port_problems:
        fail("ports are 50051 (gRPC), 9464 (gongkaid metrics), 9465 (worker metrics)",
             "; ".join(port_problems))
    else:
        ok(f"ports are 50051 (gRPC), 9464 (gongkaid metrics), 9465 (worker metrics) "
           f"({checked} places)")

    # ---------------------------------------------------------------- binaries and paths
    path_problems, referenced = [], set()
    for root, _, files in os.walk(deploy):
        for f in files:
            p = os.path.join(root, f)
            try:
                text = read(p)
            except OSError:
                continue
            for m in re.finditer(r"/opt/gongkai/[A-Za-z0-9_./-]*[A-Za-z0-9_-]", text):
                referenced.add((rel(p), m.group(0)))
    for where, path in sorted(referenced):
        if path.startswith("/opt/gongkai/bin/"):
            name = path[len("/opt/gongkai/bin/"):]
            if name not in BINARIES:
                path_problems.append(f"{where}: {path} is not one of {', '.join(BINARIES)}")
                continue
        if install_root and not os.path.exists(install_root + path):
            path_problems.append(f"{where}: {path} is not in the install layout")
    what = "in the install layout" if install_root else "named like the installed binaries"
    if path_problems:
        fail(f"/opt/gongkai paths in deploy/ are {what}", "; ".join(path_problems))
    else:
        ok(f"/opt/gongkai paths in deploy/ are {what} ({len(referenced)} references)")

    if entrypoint:
        target = entrypoint[0]
        if install_root is None:
            if program_of(target) and target == "/opt/gongkai/bin/" + program_of(target):
                skip("Dockerfile ENTRYPOINT binary is in the install layout",
                     f"no install tree to look in; {target} is at least an installed name")
            else:
                fail("Dockerfile ENTRYPOINT binary is in the install layout",
                     f"{target} is not /opt/gongkai/bin/<gongkaid|gongkai|gongkai-worker>")
        elif os.access(install_root + target, os.X_OK):
            ok(f"Dockerfile ENTRYPOINT binary is in the install layout ({target})")
        else:
            fail("Dockerfile ENTRYPOINT binary is in the install layout",
                 f"{target} is not an executable after `cmake --install`")

    # ---------------------------------------------------------------- docs cover flags, metrics
    operations = os.path.join(source, "docs", "OPERATIONS.md")
    if os.path.exists(operations):
        text = read(operations)
        for program in ("gongkaid", "gongkai-worker"):
            missing = sorted(f for f in accepted[program] - ABSL_BUILTIN_FLAGS
                             if f"--{f}" not in text)
            if missing:
                fail(f"docs/OPERATIONS.md documents every {program} flag",
                     "missing " + ", ".join("--" + f for f in missing))
            else:
                ok(f"docs/OPERATIONS.md documents every {program} flag")
        used = set()
        for root, _, files in os.walk(os.path.join(deploy, "prometheus")):
            for f in files:
                used |= set(re.findall(r"\bgongkai_[a-z_]+", read(os.path.join(root, f))))
        used = {re.sub(r"_(bucket|count|sum)$", "", m) for m in used}
        missing = sorted(m for m in used if m not in text)
        if missing:
            fail("alert rules use only metrics documented in docs/OPERATIONS.md",
                 ", ".join(missing))
        elif used:
            ok(f"alert rules use only metrics documented in docs/OPERATIONS.md "
               f"({len(used)} metrics)")

    # ---------------------------------------------------------------- embedded shell scripts
    bad = []
    for where, script in scripts:
        r = subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True)
        if r.returncode != 0:
            bad.append(f"{where}: {r.stderr.strip()}")
    if bad:
        fail("embedded shell scripts pass `sh -n`", "; ".join(bad))
    else:
        ok(f"embedded shell scripts pass `sh -n` ({len(scripts)} scripts)")


if __name__ == "__main__":
    main()

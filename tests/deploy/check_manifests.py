#!/usr/bin/python3
"""The parsing half of tests/deploy/check_deploy.sh: YAML, flags, ports, paths, docs.

    check_manifests.py SOURCE_DIR GONGKAID_HELP GONGKAI_WORKER_HELP GONGKAI_HELP [INSTALL_ROOT]

The *_HELP arguments are files holding `gongkaid --helpfull`, `gongkai-worker --helpfull`
and `gongkai help` output. INSTALL_ROOT, when given, is a DESTDIR into which
`cmake --install … --prefix /opt/gongkai` was run.

Prints one line per check, `ok   NAME`, `FAIL NAME: why` or `skip NAME: why`; the shell
script counts them. Exits 0 (the counting decides).

The code is in three files next to each other: this one runs the sections in order and
holds the checks (YAML, flags and commands, ports, paths, docs coverage, embedded scripts);
manifest_collect.py gathers the command lines, ports and references of each kind of file
(and checks the Kubernetes structure) into a Manifests object; manifest_scan.py scans a
single command line or script and reads Dockerfiles, systemd units and help output.

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

import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:  # python3-yaml missing: report and let the other checks run
    yaml = None

# Both modules are next to this file, which is sys.path[0] when it is run as a script.
from manifest_collect import (Manifests, scan_compose, scan_dockerfile, scan_docs,
                              scan_kubernetes, scan_systemd)
from manifest_scan import (BINARIES, absl_flags, cli_commands, cli_flags, fail, host_port,
                           ok, program_of, read, skip)

GRPC_PORT, SERVER_METRICS_PORT, WORKER_METRICS_PORT = 50051, 9464, 9465
PORTS = {GRPC_PORT, SERVER_METRICS_PORT, WORKER_METRICS_PORT}
ABSL_BUILTIN_FLAGS = {"flagfile", "fromenv", "tryfromenv", "undefok", "help", "helpfull",
                      "helpshort", "helppackage", "version", "only_check_args", "helpon",
                      "helpmatch"}

results = []


def load_binaries(source, help_d, help_w, help_c, install_root):
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
    return Manifests(source, install_root, accepted, commands)


# ---------------------------------------------------------------- YAML parses
def check_yaml(m):
    yaml_files = []
    for root, _, files in os.walk(m.deploy):
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
                    m.yaml_docs[p] = [d for d in yaml.safe_load_all(fh) if d is not None]
                ok(f"YAML parses: {m.rel(p)}")
            except yaml.YAMLError as e:
                fail(f"YAML parses: {m.rel(p)}", str(e).replace("\n", " "))


# ---------------------------------------------------------------- flags are real
def check_flags(m):
    by_file = {}
    for inv in m.invocations:
        by_file.setdefault(inv.where.split(" ")[0], []).append(inv)
    for where in sorted(set(by_file) | set(m.problems_by_file)):
        problems = list(m.problems_by_file.get(where, []))
        count = 0
        for inv in by_file.get(where, []):
            if inv.binary == "gongkai":
                sub = inv.subcommand()
                if sub is None:
                    problems.append(f"{inv.where}: gongkai without a command")
                elif sub not in m.commands:
                    problems.append(f"{inv.where}: `gongkai {sub}` is not a gongkai command")
            for name, _ in inv.flags():
                count += 1
                if name not in m.accepted[inv.binary]:
                    problems.append(f"{inv.where}: {inv.binary} has no --{name}")
        if problems:
            fail(f"flags and commands in {where}", "; ".join(dict.fromkeys(problems)))
        else:
            ok(f"flags and commands in {where} ({count} flags, "
               f"{len(by_file.get(where, []))} command lines)")


# ---------------------------------------------------------------- ports
def check_ports(m):
    port_problems = []
    checked = check_flag_ports(m, port_problems)
    checked += check_manifest_ports(m, port_problems)
    if port_problems:
        fail("ports are 50051 (gRPC), 9464 (gongkaid metrics), 9465 (worker metrics)",
             "; ".join(port_problems))
    else:
        ok(f"ports are 50051 (gRPC), 9464 (gongkaid metrics), 9465 (worker metrics) "
           f"({checked} places)")


def check_flag_ports(m, port_problems):
    """The ports of --listen, --metrics_listen and --server, and GONGKAI_SERVER values."""
    roles = {("gongkaid", "listen"): GRPC_PORT,
             ("gongkaid", "metrics_listen"): SERVER_METRICS_PORT,
             ("gongkai-worker", "metrics_listen"): WORKER_METRICS_PORT,
             ("gongkai-worker", "server"): GRPC_PORT,
             ("gongkai", "server"): GRPC_PORT}
    checked = 0
    for inv in m.invocations:
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
    for where, value in m.env_servers:
        checked += 1
        hp = host_port(value)
        if hp is None or hp[1] != GRPC_PORT:
            port_problems.append(f"{where}: GONGKAI_SERVER={value}, expected port {GRPC_PORT}")
    return checked


def check_manifest_ports(m, port_problems):
    """EXPOSE, Compose ports, containerPorts, probes, scrape annotations and Services."""
    checked = 0
    if os.path.exists(m.dockerfile):
        checked += 1
        if m.expose != {GRPC_PORT, SERVER_METRICS_PORT}:
            port_problems.append(f"Dockerfile EXPOSE {sorted(m.expose)}, expected "
                                 f"{[SERVER_METRICS_PORT, GRPC_PORT]}")
    expected_by_program = {"gongkaid": {GRPC_PORT, SERVER_METRICS_PORT},
                           "gongkai-worker": {WORKER_METRICS_PORT}}
    for where, program, host, container in m.compose_ports:
        checked += 1
        if container not in expected_by_program.get(program, set()):
            port_problems.append(f"{where}: publishes container port {container} of {program}")
        if host is not None and host != container:
            port_problems.append(f"{where}: host port {host} ≠ container port {container}")
    for where, program, port, name, _ in m.k8s_container_ports:
        checked += 1
        if port not in expected_by_program.get(program, set()):
            port_problems.append(f"{where}: containerPort {port} for {program}")
    for where, port in m.k8s_probe_ports:
        checked += 1
        if port not in (GRPC_PORT, "grpc"):
            port_problems.append(f"{where}: probe port {port}, expected {GRPC_PORT}")
    for where, program, port in m.k8s_annotation_ports:
        checked += 1
        want = SERVER_METRICS_PORT if program == "gongkaid" else WORKER_METRICS_PORT
        if port != want:
            port_problems.append(f"{where}: prometheus.io/port {port}, expected {want}")
    for where, service, port, selector in m.k8s_service_ports:
        checked += 1
        number, target = port.get("port"), port.get("targetPort", port.get("port"))
        if number not in PORTS:
            port_problems.append(f"{where} Service {service}: port {number}")
        # The container ports of the pods the Service selects, by name.
        named = {}
        for _, _, cport, name, labels in m.k8s_container_ports:
            if selector and all(labels.get(k) == v for k, v in selector.items()) and name:
                named.setdefault(name, set()).add(cport)
        target_ports = named.get(target, set()) if isinstance(target, str) else {target}
        if target_ports != {number}:
            port_problems.append(f"{where} Service {service}: port {number} → targetPort "
                                 f"{target} ({sorted(target_ports) or 'no such port'})")
    return checked


# ---------------------------------------------------------------- binaries and paths
def check_paths(m):
    path_problems, referenced = [], set()
    for root, _, files in os.walk(m.deploy):
        for f in files:
            p = os.path.join(root, f)
            try:
                text = read(p)
            except OSError:
                continue
            for match in re.finditer(r"/opt/gongkai/[A-Za-z0-9_./-]*[A-Za-z0-9_-]", text):
                referenced.add((m.rel(p), match.group(0)))
    for where, path in sorted(referenced):
        if path.startswith("/opt/gongkai/bin/"):
            name = path[len("/opt/gongkai/bin/"):]
            if name not in BINARIES:
                path_problems.append(f"{where}: {path} is not one of {', '.join(BINARIES)}")
                continue
        if m.install_root and not os.path.exists(m.install_root + path):
            path_problems.append(f"{where}: {path} is not in the install layout")
    what = "in the install layout" if m.install_root else "named like the installed binaries"
    if path_problems:
        fail(f"/opt/gongkai paths in deploy/ are {what}", "; ".join(path_problems))
    else:
        ok(f"/opt/gongkai paths in deploy/ are {what} ({len(referenced)} references)")


def check_entrypoint(m):
    if m.entrypoint:
        target = m.entrypoint[0]
        if m.install_root is None:
            if program_of(target) and target == "/opt/gongkai/bin/" + program_of(target):
                skip("Dockerfile ENTRYPOINT binary is in the install layout",
                     f"no install tree to look in; {target} is at least an installed name")
            else:
                fail("Dockerfile ENTRYPOINT binary is in the install layout",
                     f"{target} is not /opt/gongkai/bin/<gongkaid|gongkai|gongkai-worker>")
        elif os.access(m.install_root + target, os.X_OK):
            ok(f"Dockerfile ENTRYPOINT binary is in the install layout ({target})")
        else:
            fail("Dockerfile ENTRYPOINT binary is in the install layout",
                 f"{target} is not an executable after `cmake --install`")


# ---------------------------------------------------------------- docs cover flags, metrics
def check_docs_cover(m):
    operations = os.path.join(m.source, "docs", "OPERATIONS.md")
    if os.path.exists(operations):
        text = read(operations)
        for program in ("gongkaid", "gongkai-worker"):
            missing = sorted(f for f in m.accepted[program] - ABSL_BUILTIN_FLAGS
                             if f"--{f}" not in text)
            if missing:
                fail(f"docs/OPERATIONS.md documents every {program} flag",
                     "missing " + ", ".join("--" + f for f in missing))
            else:
                ok(f"docs/OPERATIONS.md documents every {program} flag")
        used = set()
        for root, _, files in os.walk(os.path.join(m.deploy, "prometheus")):
            for f in files:
                used |= set(re.findall(r"\bgongkai_[a-z_]+", read(os.path.join(root, f))))
        used = {re.sub(r"_(bucket|count|sum)$", "", u) for u in used}
        missing = sorted(u for u in used if u not in text)
        if missing:
            fail("alert rules use only metrics documented in docs/OPERATIONS.md",
                 ", ".join(missing))
        elif used:
            ok(f"alert rules use only metrics documented in docs/OPERATIONS.md "
               f"({len(used)} metrics)")


# ---------------------------------------------------------------- embedded shell scripts
def check_scripts(m):
    bad = []
    for where, script in m.scripts:
        r = subprocess.run(["sh", "-n"], input=script, text=True, capture_output=True)
        if r.returncode != 0:
            bad.append(f"{where}: {r.stderr.strip()}")
    if bad:
        fail("embedded shell scripts pass `sh -n`", "; ".join(bad))
    else:
        ok(f"embedded shell scripts pass `sh -n` ({len(m.scripts)} scripts)")


def main():
    source, help_d, help_w, help_c = sys.argv[1:5]
    install_root = sys.argv[5] if len(sys.argv) > 5 and sys.argv[5] else None
    m = load_binaries(source, help_d, help_w, help_c, install_root)
    check_yaml(m)
    scan_dockerfile(m)
    scan_compose(m)
    scan_kubernetes(m)
    scan_systemd(m)
    scan_docs(m)
    check_flags(m)
    check_ports(m)
    check_paths(m)
    check_entrypoint(m)
    check_docs_cover(m)
    check_scripts(m)


if __name__ == "__main__":
    main()

"""Command-line scanning for check_manifests.py and manifest_collect.py.

What each binary accepts (from its help output), the invocations of gongkaid,
gongkai-worker and gongkai found in shell scripts and argv lists, the readers of
Dockerfiles, systemd units and host:port / Compose values, and the `ok` / `FAIL` / `skip`
lines every check prints. check_manifests.py's docstring says how a command line is found
in each kind of file.
"""

import json
import os
import re
import shlex

BINARIES = ("gongkaid", "gongkai-worker", "gongkai")


# ------------------------------------------------------------------ reporting, reading
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


def read(p):
    return open(p, encoding="utf-8", errors="replace").read()


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

"""The reusable half of crash_test.py: typed calls, report contents, the ledger, the server.

  Api        typed calls to ReportService, with message classes built from the descriptors
             the server serves (tests/grpc_reflection.py loads the pool);
  Contents   the exact report submitted for a (key, token), rebuildable for comparison;
  Ledger     everything the clients were told (acknowledgements) and everything they sent;
  Server     the real gongkaid on a private copy of the binary, started, SIGKILLed, stopped;
and the paged reads the verification uses (list_changes, list_revisions, get_revision).
"""

import collections
import hashlib
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

import grpc
from google.protobuf import json_format, message_factory

RPC_TIMEOUT = 10  # seconds, per call
SERVICE = "gongkai.v1.ReportService"
TRANSPORT_ERRORS = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                    grpc.StatusCode.CANCELLED, grpc.StatusCode.UNKNOWN,
                    grpc.StatusCode.INTERNAL)


def log(*parts):
    print(*parts, flush=True)


# ---------------------------------------------------------------------------------------------
# Typed calls with message classes built from the served descriptors (tests/grpc_reflection.py).

class Api:
    """Typed calls to ReportService over one channel, with classes built from reflection."""

    def __init__(self, pool):
        self.pool = pool
        self.factory = message_factory.MessageFactory(pool)
        self.service = pool.FindServiceByName(SERVICE)
        self.channel = None
        self.stubs = {}

    def cls(self, full_name):
        return self.factory.GetPrototype(self.pool.FindMessageTypeByName(full_name))

    def enum(self, enum_name, value_name):
        return self.pool.FindEnumTypeByName(enum_name).values_by_name[value_name].number

    def connect(self, port):
        if self.channel is not None:
            self.channel.close()
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(self.channel).result(timeout=RPC_TIMEOUT)
        self.stubs = {}
        for method in self.service.methods:
            req = self.factory.GetPrototype(method.input_type)
            resp = self.factory.GetPrototype(method.output_type)
            self.stubs[method.name] = (req, self.channel.unary_unary(
                f"/{SERVICE}/{method.name}", request_serializer=req.SerializeToString,
                response_deserializer=resp.FromString))

    def request(self, method):
        return self.stubs[method][0]()

    def call(self, method, request):
        return self.stubs[method][1](request, timeout=RPC_TIMEOUT)

    def close(self):
        if self.channel is not None:
            self.channel.close()
            self.channel = None


# ---------------------------------------------------------------------------------------------
# The reports: a fixture whose text and a few unconstrained cells carry a unique token.

class Contents:
    def __init__(self, api, fixture_path):
        self.api = api
        self.report_cls = api.cls("gongkai.v1.Report")
        self.base = self.report_cls()
        with open(fixture_path, encoding="utf-8") as f:
            json_format.Parse(f.read(), self.base)
        self.own = api.enum("gongkai.v1.Scope", "SCOPE_OWN")
        self.summary = api.enum("gongkai.v1.Scope", "SCOPE_SUMMARY")

    def make(self, key, token):
        """The exact report submitted for (key, token); deterministic, so it can be rebuilt."""
        region, year, scope = key
        report = self.report_cls()
        report.CopyFrom(self.base)
        report.key.region_code = region
        report.key.year = year
        report.key.scope = scope
        rnd = random.Random(token)
        report.title = f"{region} {year} 年度报告 [{token}]"
        report.narrative.other_matters = f"无。{token}" + "变" * rnd.randrange(0, 40)
        # Unconstrained cells (no R-rule covers 表二 item 9): vary them per content.
        report.table2_2019.item9.procurement.projects = rnd.randrange(0, 1000)
        report.table2_2019.item9.procurement.amount = rnd.randrange(0, 10**12)
        return report

    @staticmethod
    def bytes_of(message):
        return message.SerializeToString(deterministic=True)


def digest(data):
    return hashlib.sha256(data).digest()


def key_of(api_key, own_scope):
    scope = api_key.scope or own_scope
    return (api_key.region_code, api_key.year, scope)


def set_key(message_key, key):
    message_key.region_code, message_key.year, message_key.scope = key


# ---------------------------------------------------------------------------------------------
# The run's ledger: everything the clients were told, and everything they sent.

Ack = collections.namedtuple("Ack", "key revision token created expected round")


class Ledger:
    def __init__(self):
        self.lock = threading.Lock()
        self.acks = []                                # every acknowledged submission
        # key -> {token: SHA-256 of the exact bytes sent}, acknowledged or not
        self.sent = collections.defaultdict(dict)
        self.in_doubt = 0
        self.rejected = collections.Counter()         # status code name -> count
        self.latest = {}                              # key -> highest revision seen acked
        self.problems = []

    def problem(self, text):
        with self.lock:
            self.problems.append(text)
        log("PROBLEM:", text)


# ---------------------------------------------------------------------------------------------
# Server process.

class Server:
    def __init__(self, args, workdir):
        self.args, self.workdir = args, workdir
        self.data_dir = os.path.join(workdir, "data")
        # A private copy of the binary: the build tree's may be relinked during a long run.
        self.binary = os.path.join(workdir, "gongkaid")
        shutil.copy2(os.path.abspath(args.gongkaid), self.binary)
        self.process = None
        self.port = None
        self.starts = 0

    def start(self):
        self.starts += 1
        port_file = os.path.join(self.workdir, f"port.{self.starts}")
        self.log_path = os.path.join(self.workdir, f"gongkaid.{self.starts}.log")
        with open(self.log_path, "wb") as out:
            self.process = subprocess.Popen(
                [self.binary, "--listen=127.0.0.1:0",
                 f"--data_dir={self.data_dir}",
                 f"--registry_dir={os.path.abspath(self.args.registry_dir)}",
                 f"--port_file={port_file}", "--metrics_listen=127.0.0.1:0", "--worker=false"],
                stdout=out, stderr=subprocess.STDOUT)
        started = time.monotonic()
        while not (os.path.exists(port_file) and os.path.getsize(port_file) > 0):
            if self.process.poll() is not None or time.monotonic() - started > 60:
                sys.stderr.write(self.tail_log())
                raise RuntimeError(f"gongkaid did not start (exit code {self.process.poll()})")
            time.sleep(0.02)
        with open(port_file, encoding="ascii") as f:
            self.port = int(f.read().strip())
        return time.monotonic() - started

    def tail_log(self, lines=30):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.process = None

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


# ---------------------------------------------------------------------------------------------
# Reads for the verification against the restarted server.

def list_changes(api):
    """Every change-log entry, page by page, checking the paging contract on the way."""
    changes, seq, problems = [], 1, []
    while True:
        request = api.request("ListChanges")
        request.start_sequence = seq
        request.page_size = 1000
        response = api.call("ListChanges", request)
        for change in response.changes:
            if change.sequence != seq:
                problems.append(f"change log gap: expected sequence {seq}, got {change.sequence}")
                seq = change.sequence
            changes.append(change)
            seq += 1
        if response.next_sequence != seq:
            problems.append(f"next_sequence {response.next_sequence}, expected {seq}")
        if response.head_sequence < seq - 1:
            problems.append(f"head_sequence {response.head_sequence} < last returned {seq - 1}")
        if not response.changes:
            if response.head_sequence != seq - 1:
                problems.append(f"caught up at {seq - 1} but head_sequence is "
                                f"{response.head_sequence}")
            return changes, problems


def list_revisions(api, key, full=False):
    revisions, token = [], ""
    while True:
        request = api.request("ListRevisions")
        set_key(request.key, key)
        request.page_size = 200 if full else 1000
        request.page_token = token
        request.view = api.enum("gongkai.v1.ReportView",
                                "REPORT_VIEW_FULL" if full else "REPORT_VIEW_BASIC")
        response = api.call("ListRevisions", request)
        revisions.extend(response.revisions)
        token = response.next_page_token
        if not token:
            return revisions


def get_revision(api, key, revision):
    request = api.request("GetReport")
    set_key(request.key, key)
    request.revision = revision
    return api.call("GetReport", request)

#!/usr/bin/python3
"""Crash safety of gongkaid under SIGKILL: no acknowledged submission is ever lost.

Each round:
  1. start the real gongkaid (127.0.0.1:0, a fresh port) on the data directory of the run
     (the same directory for every round, so each round starts from a recovered database);
  2. run --threads client threads submitting reports concurrently: keys shared by all threads
     and keys owned by one thread, new contents, identical resubmissions (idempotent), guarded
     updates (expected_revision = the revision last seen, or 0), strict and lenient mode. Every
     submission that returns OK is recorded as ACKNOWLEDGED (key, revision, exact content);
     every one that fails with a transport error is recorded as in doubt;
  3. SIGKILL gongkaid at a random moment while the clients are busy;
  4. restart it on the same data directory and verify:
     - every submission acknowledged in this round is present at its revision and
       byte-identical (GetReport with that revision; deterministic serialization compared);
     - every revision created in this round (change log past the previous head) holds a
       content some client actually sent for that key (nothing invented, nothing torn);
     - the change log is gap-free from 1 to head (ListChanges, every page);
     - the change log matches the revision history: for each key the entries are revisions
       1..n in order with previous_revision = n-1, n is the key's current revision, and
       every revision's change_sequence points to its entry (ListRevisions, GetReport);
     - linearizability of the acknowledgements: a created revision with expected_revision E
       is E+1, and no two acknowledged creations of a key share a revision number.
  After the last round (and every --full_check_every rounds) every acknowledged submission of
  the whole run is checked again, content included, against the recovered database.

Prints a summary line: rounds, acknowledged submissions, kills, problems. Exit 0 iff problems
is 0. Needs only /usr/bin/python3 with Debian's python3-grpcio and python3-protobuf, and protoc
(to generate the reflection proto module), like tests/reflection_client_test.py.

  /usr/bin/python3 tests/reliability/crash_test.py --gongkaid build/bin/gongkaid \
      --registry_dir data/regions --fixture tests/testdata/2019_town_yishi.json [--rounds 100]
"""

import argparse
import collections
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import hashlib

import grpc

# tests/grpc_reflection.py, shared with reflection_client_test.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import grpc_reflection  # noqa: E402
from google.protobuf import json_format, message_factory

GRPC_PROTO_DIR = grpc_reflection.GRPC_PROTO_DIR
RPC_TIMEOUT = 10  # seconds, per call
SERVICE = "gongkai.v1.ReportService"
# Townships and streets of 宁海县 (330226000000), all in the registry.
REGIONS = ["330226001000", "330226002000", "330226003000", "330226004000", "330226101000",
           "330226102000", "330226104000", "330226105000", "330226106000", "330226107000",
           "330226108000", "330226109000", "330226110000", "330226111000", "330226112000",
           "330226200000", "330226201000", "330226202000"]
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
# Clients.

class Client(threading.Thread):
    def __init__(self, index, api, contents, ledger, shared_keys, own_keys, stop, round_no, seed):
        super().__init__(daemon=True)
        self.index, self.api, self.contents, self.ledger = index, api, contents, ledger
        self.shared_keys, self.own_keys = shared_keys, own_keys
        self.stop_event, self.round_no = stop, round_no
        self.rnd = random.Random(seed)
        self.ops = 0
        self.last_token = {}  # key -> the last token this thread sent for it

    def refresh(self, key):
        request = self.api.request("GetReport")
        set_key(request.key, key)
        request.view = self.api.enum("gongkai.v1.ReportView", "REPORT_VIEW_BASIC")
        try:
            revision = self.api.call("GetReport", request).revision
        except grpc.RpcError:
            return
        with self.ledger.lock:
            if revision > self.ledger.latest.get(key, 0):
                self.ledger.latest[key] = revision

    def run(self):
        lenient = self.api.enum("gongkai.v1.ValidationMode", "VALIDATION_MODE_LENIENT")
        strict = self.api.enum("gongkai.v1.ValidationMode", "VALIDATION_MODE_STRICT")
        while not self.stop_event.is_set():
            self.ops += 1
            r = self.rnd.random()
            key = self.rnd.choice(self.shared_keys if r < 0.5 else self.own_keys)
            kind = self.rnd.random()
            if kind < 0.15 and key in self.last_token:
                token = self.last_token[key]              # identical resubmission
            else:
                token = f"r{self.round_no}t{self.index}o{self.ops}"
            expected = None
            guard = self.rnd.random()
            with self.ledger.lock:
                latest = self.ledger.latest.get(key, 0)
            if guard < 0.35:
                expected = latest                          # the revision last seen (may be stale)
            elif guard < 0.45:
                expected = 0                               # must not exist yet
            request = self.api.request("SubmitReport")
            request.report.CopyFrom(self.contents.make(key, token))
            request.mode = lenient if self.rnd.random() < 0.2 else strict
            if expected is not None:
                request.expected_revision = expected
            with self.ledger.lock:
                self.ledger.sent[key][token] = digest(Contents.bytes_of(request.report))
            self.last_token[key] = token
            try:
                response = self.api.call("SubmitReport", request)
            except grpc.RpcError as error:
                code = error.code()
                with self.ledger.lock:
                    if code in TRANSPORT_ERRORS:
                        self.ledger.in_doubt += 1
                    else:
                        self.ledger.rejected[code.name] += 1
                if code == grpc.StatusCode.FAILED_PRECONDITION:
                    self.refresh(key)  # the guard was stale: learn the current revision
                    continue
                if code in TRANSPORT_ERRORS:
                    if self.stop_event.wait(0.05):
                        return
                    continue
                self.ledger.problem(f"unexpected {code.name} for {key} token {token}: "
                                    f"{error.details()}")
                continue
            revision = response.revision.revision
            got_key = key_of(response.revision.key, self.contents.own)
            if got_key != key:
                self.ledger.problem(f"SubmitReport for {key} answered for key {got_key}")
            if response.created and expected is not None and revision != expected + 1:
                self.ledger.problem(f"{key}: created revision {revision} with "
                                    f"expected_revision {expected}")
            with self.ledger.lock:
                self.ledger.acks.append(Ack(key, revision, token, response.created, expected,
                                            self.round_no))
                if revision > self.ledger.latest.get(key, 0):
                    self.ledger.latest[key] = revision


# ---------------------------------------------------------------------------------------------
# Verification against the restarted server.

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


def verify(api, contents, ledger, round_no, round_acks, previous_head, full):
    """Returns (problems, head sequence, checked revisions)."""
    problems = []
    own = contents.own

    # 1. The change log: gap-free, and per key revisions 1..n in order.
    changes, log_problems = list_changes(api)
    problems += log_problems
    head = len(changes)
    if head < previous_head:
        problems.append(f"change log shrank from {previous_head} to {head}")
    per_key = collections.defaultdict(list)  # key -> [change]
    for change in changes:
        key = key_of(change.key, own)
        expect = len(per_key[key]) + 1
        if change.revision != expect or change.previous_revision != expect - 1:
            problems.append(f"seq {change.sequence} {key}: revision {change.revision} previous "
                            f"{change.previous_revision}, expected {expect} previous {expect - 1}")
        per_key[key].append(change)

    # 2. The revision history of every key agrees with the log, and so does the current revision.
    for key, key_changes in per_key.items():
        revisions = list_revisions(api, key)
        numbers = [r.revision for r in revisions]
        if numbers != list(range(1, len(key_changes) + 1)):
            problems.append(f"{key}: ListRevisions gives {numbers[:5]}… ({len(numbers)}) but the "
                            f"log has {len(key_changes)} revisions")
        for rev, change in zip(revisions, key_changes):
            if rev.change_sequence != change.sequence:
                problems.append(f"{key} revision {rev.revision}: change_sequence "
                                f"{rev.change_sequence}, log entry {change.sequence}")
        current = get_revision(api, key, 0)
        if current.revision != len(key_changes):
            problems.append(f"{key}: current revision {current.revision}, log says "
                            f"{len(key_changes)}")
    for key in ledger.sent:
        if key not in per_key and any(a.key == key for a in round_acks):
            problems.append(f"{key}: acknowledged but absent from the change log")

    # 3. Linearizability of the acknowledgements: one acknowledged creation per revision.
    created_at = {}
    for ack in ledger.acks:
        if ack.created:
            other = created_at.setdefault((ack.key, ack.revision), ack.token)
            if other != ack.token:
                problems.append(f"{ack.key} revision {ack.revision} acknowledged as created for "
                                f"two contents ({other}, {ack.token}): a lost update")

    # 4. Every acknowledged submission: present at its revision, byte-identical.
    checked = 0
    if full:
        by_key = collections.defaultdict(list)
        for ack in ledger.acks:
            by_key[ack.key].append(ack)
        for key in set(by_key) | set(per_key):
            stored = {r.revision: r for r in list_revisions(api, key, full=True)}
            sent_digests = set(ledger.sent.get(key, {}).values())
            for number, rev in stored.items():
                if digest(Contents.bytes_of(rev.report)) not in sent_digests:
                    problems.append(f"{key} revision {number}: content no client sent")
            for ack in by_key.get(key, ()):
                checked += 1
                rev = stored.get(ack.revision)
                if rev is None:
                    problems.append(f"LOST: {key} revision {ack.revision} ({ack.token}) "
                                    f"acknowledged in round {ack.round} is missing")
                elif (Contents.bytes_of(rev.report)
                      != Contents.bytes_of(contents.make(key, ack.token))):
                    problems.append(f"{key} revision {ack.revision}: content differs from the "
                                    f"acknowledged {ack.token}")
    else:
        for ack in round_acks:
            checked += 1
            try:
                rev = get_revision(api, ack.key, ack.revision)
            except grpc.RpcError as error:
                problems.append(f"LOST: {ack.key} revision {ack.revision} ({ack.token}) "
                                f"acknowledged in round {ack.round}: {error.code().name} "
                                f"{error.details()}")
                continue
            want = Contents.bytes_of(contents.make(ack.key, ack.token))
            if Contents.bytes_of(rev.report) != want:
                problems.append(f"{ack.key} revision {ack.revision}: content differs from the "
                                f"acknowledged {ack.token}")
        # Revisions created since the last check hold a content some client sent.
        digests = {}
        for change in changes[previous_head:]:
            key = key_of(change.key, own)
            if key not in digests:
                digests[key] = set(ledger.sent.get(key, {}).values())
            rev = get_revision(api, key, change.revision)
            if digest(Contents.bytes_of(rev.report)) not in digests[key]:
                problems.append(f"{key} revision {change.revision}: content no client sent")
    return problems, head, checked


# ---------------------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gongkaid", required=True)
    parser.add_argument("--registry_dir", required=True)
    parser.add_argument("--fixture", required=True, help="proto JSON of a valid 2019 report")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--min_load", type=float, default=0.3,
                        help="earliest kill, seconds after the clients start")
    parser.add_argument("--max_load", type=float, default=2.5, help="latest kill")
    parser.add_argument("--full_check_every", type=int, default=10,
                        help="re-check every acknowledged submission every N rounds "
                             "(always after the last)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--sabotage_round", type=int, default=0,
                        help="test of the test: in this round, restart on a copy of the data "
                             "directory taken before the load (so the round's acknowledged "
                             "submissions are lost); the run must then report problems")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rnd = random.Random(seed)
    log(f"crash_test: seed {seed}, {args.rounds} rounds, {args.threads} client threads")

    workdir = tempfile.mkdtemp(prefix="gongkai-crash-")
    server = Server(args, workdir)
    api = None
    ledger = Ledger()
    kills = 0
    started = time.monotonic()
    try:
        ref_pb2 = grpc_reflection.compile_proto(f"{GRPC_PROTO_DIR}/reflection/v1alpha", "reflection.proto",
                                workdir)
        server.start()
        channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
        pool = grpc_reflection.load_pool(channel, ref_pb2, RPC_TIMEOUT, SERVICE)
        channel.close()
        api = Api(pool)
        api.connect(server.port)
        contents = Contents(api, args.fixture)
        scopes = (contents.own, contents.summary)
        all_keys = [(region, year, scope) for region in REGIONS for year in (2019, 2020)
                    for scope in scopes]
        rnd.shuffle(all_keys)
        shared_keys = all_keys[:6]
        own_keys = [all_keys[6 + 3 * i: 9 + 3 * i] for i in range(args.threads)]
        if any(len(k) < 3 for k in own_keys):
            raise SystemExit("too many threads for the key space")
        head = 0
        for round_no in range(1, args.rounds + 1):
            stop = threading.Event()
            if round_no == args.sabotage_round:
                shutil.copytree(server.data_dir, server.data_dir + ".before")
            acks_before = len(ledger.acks)
            clients = [Client(i, api, contents, ledger, shared_keys, own_keys[i], stop,
                              round_no, rnd.randrange(1 << 30)) for i in range(args.threads)]
            for c in clients:
                c.start()
            load = rnd.uniform(args.min_load, args.max_load)
            time.sleep(load)
            server.kill()  # SIGKILL, mid-flight
            kills += 1
            stop.set()
            for c in clients:
                c.join(timeout=RPC_TIMEOUT + 5)
                if c.is_alive():
                    ledger.problem(f"client {c.index} did not stop")
            round_acks = ledger.acks[acks_before:]
            if round_no == args.sabotage_round:
                shutil.rmtree(server.data_dir)
                os.rename(server.data_dir + ".before", server.data_dir)
                log(f"round {round_no}: sabotage: restarting on the data from before the load")
            recovery = server.start()
            api.connect(server.port)
            full = round_no == args.rounds or round_no % args.full_check_every == 0
            problems, new_head, checked = verify(api, contents, ledger, round_no, round_acks,
                                                 head, full)
            for p in problems:
                ledger.problem(f"round {round_no}: {p}")
            log(f"round {round_no}: killed after {load:.2f}s; acknowledged {len(round_acks)} "
                f"({sum(a.created for a in round_acks)} created); change log "
                f"{head} -> {new_head}; restart {recovery:.2f}s; checked {checked}"
                f"{' (full)' if full else ''}; problems {len(problems)}")
            head = new_head
        server.stop()
    except BaseException:
        if server.process is not None:
            sys.stderr.write(server.tail_log())
        raise
    finally:
        if api is not None:
            api.close()
        if server.process is not None:
            server.process.kill()
            server.process.wait()
        if args.keep:
            log(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    created = sum(a.created for a in ledger.acks)
    rejected = ", ".join(f"{k} {v}" for k, v in sorted(ledger.rejected.items())) or "none"
    log(f"SUMMARY: rounds {args.rounds}, acknowledged submissions {len(ledger.acks)} "
        f"({created} created, {len(ledger.acks) - created} idempotent), kills {kills}, "
        f"in doubt {ledger.in_doubt}, refused {rejected}, change log head {head}, "
        f"problems: {len(ledger.problems)}, seed {seed}, {time.monotonic() - started:.0f}s")
    return 0 if not ledger.problems else 1


if __name__ == "__main__":
    sys.exit(main())

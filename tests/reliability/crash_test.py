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

The client threads, the verification and the rounds are here; the typed calls (Api), the
report contents, the ledger, the server process and the paged reads are in crash_lib.py next
to this file.
"""

import argparse
import collections
import os
import random
import shutil
import sys
import tempfile
import threading
import time

import grpc

# tests/grpc_reflection.py, shared with reflection_client_test.py.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import grpc_reflection  # noqa: E402
# crash_lib.py is next to this file (sys.path[0] when it is run as a script).
from crash_lib import (RPC_TIMEOUT, SERVICE, TRANSPORT_ERRORS, Ack, Api,  # noqa: E402
                       Contents, Ledger, Server, digest, get_revision, key_of,
                       list_changes, list_revisions, log, set_key)

GRPC_PROTO_DIR = grpc_reflection.GRPC_PROTO_DIR
# Townships and streets of 宁海县 (330226000000), all in the registry.
REGIONS = ["330226001000", "330226002000", "330226003000", "330226004000", "330226101000",
           "330226102000", "330226104000", "330226105000", "330226106000", "330226107000",
           "330226108000", "330226109000", "330226110000", "330226111000", "330226112000",
           "330226200000", "330226201000", "330226202000"]


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

def verify(api, contents, ledger, round_no, round_acks, previous_head, full):
    """Returns (problems, head sequence, checked revisions)."""
    problems = []
    own = contents.own
    changes, per_key, head = check_change_log(api, own, previous_head, problems)
    check_histories(api, ledger, round_acks, per_key, problems)
    check_creations(ledger, problems)
    if full:
        checked = check_every_ack(api, contents, ledger, per_key, problems)
    else:
        checked = check_round_acks(api, contents, ledger, round_acks, changes, previous_head,
                                   own, problems)
    return problems, head, checked


def check_change_log(api, own, previous_head, problems):
    """1. The change log: gap-free, and per key revisions 1..n in order."""
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
    return changes, per_key, head


def check_histories(api, ledger, round_acks, per_key, problems):
    """2. The revision history of every key agrees with the log, and so does the current
    revision."""
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


def check_creations(ledger, problems):
    """3. Linearizability of the acknowledgements: one acknowledged creation per revision."""
    created_at = {}
    for ack in ledger.acks:
        if ack.created:
            other = created_at.setdefault((ack.key, ack.revision), ack.token)
            if other != ack.token:
                problems.append(f"{ack.key} revision {ack.revision} acknowledged as created for "
                                f"two contents ({other}, {ack.token}): a lost update")


def check_every_ack(api, contents, ledger, per_key, problems):
    """4, full: every acknowledged submission of the run is present at its revision,
    byte-identical, and every stored revision holds a content some client sent."""
    checked = 0
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
    return checked


def check_round_acks(api, contents, ledger, round_acks, changes, previous_head, own, problems):
    """4, this round: every submission acknowledged in the round is present at its revision,
    byte-identical, and every revision created since the last check holds a content some
    client sent."""
    checked = 0
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
    return checked


# ---------------------------------------------------------------------------------------------
# The run: set up, rounds of load + SIGKILL + restart + verify, summary.

def parse_args():
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
    return parser.parse_args()


def load_pool(server, workdir):
    """Starts the server the first time and loads the descriptors it serves."""
    ref_pb2 = grpc_reflection.compile_proto(f"{GRPC_PROTO_DIR}/reflection/v1alpha",
                                            "reflection.proto", workdir)
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    pool = grpc_reflection.load_pool(channel, ref_pb2, RPC_TIMEOUT, SERVICE)
    channel.close()
    return pool


def key_space(contents, rnd, threads):
    """(keys shared by every client thread, [the keys each thread owns])."""
    scopes = (contents.own, contents.summary)
    all_keys = [(region, year, scope) for region in REGIONS for year in (2019, 2020)
                for scope in scopes]
    rnd.shuffle(all_keys)
    shared_keys = all_keys[:6]
    own_keys = [all_keys[6 + 3 * i: 9 + 3 * i] for i in range(threads)]
    if any(len(k) < 3 for k in own_keys):
        raise SystemExit("too many threads for the key space")
    return shared_keys, own_keys


def run_round(args, rnd, server, api, contents, ledger, keys, round_no, head):
    """One round: load, SIGKILL, restart, verify. Returns the new change-log head."""
    shared_keys, own_keys = keys
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
    return new_head


def main():
    args = parse_args()
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
        pool = load_pool(server, workdir)
        api = Api(pool)
        api.connect(server.port)
        contents = Contents(api, args.fixture)
        keys = key_space(contents, rnd, args.threads)
        head = 0
        for round_no in range(1, args.rounds + 1):
            head = run_round(args, rnd, server, api, contents, ledger, keys, round_no, head)
            kills += 1
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

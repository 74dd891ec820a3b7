#!/usr/bin/python3
"""Clients that hold a server's resources without using them (issue 15, item 6).

    slow_readers_test.py --gongkaid PATH --registry_dir DIR

Starts the real gongkaid on 127.0.0.1:0 and, with a raw HTTP/2 client (Debian's python3-h2),
opens connections that advertise a zero flow-control window and then open reflection streams
(no credentials needed) that the server can never answer, and connections that never send
the HTTP/2 preface. Before the bounds each stream held a thread without limit (10,000 streams:
10,029 threads, 885 MB) and a silent connection stayed open. Checks:
  - a connection gets at most --max_concurrent_streams streams at once;
  - the server's threads stay bounded by --max_threads (plus its own fixed ones);
  - a connection that never completes its handshake is closed within --handshake_timeout;
  - the server still answers a normal call afterwards.
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings

MAX_THREADS = 32
MAX_STREAMS = 20
HANDSHAKE_SECONDS = 2
CONNECTIONS = 6
STREAMS_PER_CONNECTION = 60

failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)


def threads_of(pid):
    return len(os.listdir(f"/proc/{pid}/task"))


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0


def reflection_request():
    # ServerReflectionRequest{list_services: ""}: field 7, length-delimited, empty.
    message = b"\x3a\x00"
    return b"\x00" + len(message).to_bytes(4, "big") + message


def slow_connection(port):
    """A connection with a zero window that opens STREAMS_PER_CONNECTION reflection streams.
    Returns (socket, connection, streams the server refused or reset)."""
    sock = socket.create_connection(("127.0.0.1", port))
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    sock.sendall(conn.data_to_send())
    # Read the server's settings (its MAX_CONCURRENT_STREAMS) before opening streams.
    sock.settimeout(5)
    events = conn.receive_data(sock.recv(65536))
    sock.sendall(conn.data_to_send())
    opened = 0
    for _ in range(STREAMS_PER_CONNECTION):
        try:
            stream = conn.get_next_available_stream_id()
            conn.send_headers(stream, [
                (":method", "POST"), (":scheme", "http"), (":authority", f"127.0.0.1:{port}"),
                (":path", "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"),
                ("content-type", "application/grpc"), ("te", "trailers")])
            conn.send_data(stream, reflection_request())
            opened += 1
        except h2.exceptions.TooManyStreamsError:
            break
    sock.sendall(conn.data_to_send())
    return sock, conn, opened, events


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gongkaid", required=True)
    parser.add_argument("--registry_dir", required=True)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="gongkai-slow-")
    port_file = os.path.join(work, "port")
    server = subprocess.Popen(
        [args.gongkaid, "--listen=127.0.0.1:0", f"--port_file={port_file}",
         f"--data_dir={work}/db", f"--registry_dir={args.registry_dir}", "--metrics_listen=",
         "--worker=false", "--log_format=text", f"--max_threads={MAX_THREADS}",
         f"--max_concurrent_streams={MAX_STREAMS}", f"--handshake_timeout={HANDSHAKE_SECONDS}s"],
        stderr=open(os.path.join(work, "gongkaid.log"), "w"))
    try:
        for _ in range(300):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        port = int(open(port_file).read())
        time.sleep(0.5)
        idle_threads = threads_of(server.pid)

        connections = [slow_connection(port) for _ in range(CONNECTIONS)]
        opened = [c[2] for c in connections]
        check(all(n <= MAX_STREAMS for n in opened),
              f"each connection gets at most {MAX_STREAMS} streams at once (opened {opened})")
        time.sleep(1.5)
        busy = threads_of(server.pid)
        check(busy - idle_threads <= MAX_THREADS + 8,
              f"threads stay bounded: {idle_threads} idle, {busy} with "
              f"{sum(opened)} stalled streams (cap {MAX_THREADS})")
        check(rss_mib(server.pid) < 400, f"memory stays bounded ({rss_mib(server.pid):.0f} MiB)")

        # A connection that never sends the preface is closed after the handshake timeout.
        silent = socket.create_connection(("127.0.0.1", port))
        silent.settimeout(HANDSHAKE_SECONDS + 8)
        start = time.time()
        closed = False
        try:
            while not closed:  # the server's own settings may come first
                closed = silent.recv(4096) == b""
        except ConnectionResetError:
            closed = True
        except socket.timeout:
            pass
        waited = time.time() - start
        check(closed and waited < HANDSHAKE_SECONDS + 6,
              f"a connection without a handshake is closed ({waited:.1f} s, timeout "
              f"{HANDSHAKE_SECONDS} s)")

        for sock, _, _, _ in connections:
            sock.close()
        time.sleep(1)
        # Still serving: a fresh client's call succeeds.
        import grpc  # noqa: E402 (Debian's python3-grpcio)
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        health = channel.unary_unary("/grpc.health.v1.Health/Check",
                                     request_serializer=lambda b: b,
                                     response_deserializer=lambda b: b)
        reply = health(b"", timeout=10)
        check(reply == b"\x08\x01", "the server still answers a health check afterwards")
    finally:
        server.terminate()
        server.wait(timeout=30)
    if failures:
        print(f"{len(failures)} check(s) failed; gongkaid's log: {work}/gongkaid.log")
        sys.exit(1)


if __name__ == "__main__":
    main()

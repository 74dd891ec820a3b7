#!/usr/bin/python3
"""Independent client test of gongkaid through gRPC server reflection (as grpcurl works).

Starts a real gongkaid on a free port with a fresh data directory, discovers its API only via
grpc.reflection.v1alpha, builds message classes dynamically from the served descriptors and
calls ReportService, RegionService and grpc.health.v1.Health with them.

Needs only Debian's python3-grpcio and python3-protobuf, plus protoc (whose built-in Python
generator turns the reflection and health protos into importable modules in a temp dir).

Usage (from the repository root):
  /usr/bin/python3 tests/reflection_client_test.py --gongkaid build/bin/gongkaid \
      --registry_dir data/regions --fixture tests/testdata/2019_town_yishi.json
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import grpc

import grpc_reflection  # tests/grpc_reflection.py, beside this file
from google.protobuf import json_format, message_factory

GRPC_PROTO_DIR = grpc_reflection.GRPC_PROTO_DIR
RPC_TIMEOUT = 10  # seconds, per call
TOWN = "330226104000"  # 一市镇, 宁海县

ARGS = None     # parsed command line
CHANNEL = None  # channel to the running gongkaid
ref_pb2 = None  # generated grpc.reflection.v1alpha module
health_pb2 = None  # generated grpc.health.v1 module


def reflect(**request_fields):
    return grpc_reflection.reflect(CHANNEL, ref_pb2, RPC_TIMEOUT, **request_fields)


class ReflectionClientTest(unittest.TestCase):
    """Test methods are numbered: they run in name order and later ones rely on earlier ones."""

    @classmethod
    def setUpClass(cls):
        cls.pool = grpc_reflection.load_pool(CHANNEL, ref_pb2, RPC_TIMEOUT,
                                            "gongkai.v1.ReportService",
                                            "gongkai.v1.RegionService")
        cls.factory = message_factory.MessageFactory(cls.pool)  # GetPrototype: protobuf 3.21 API

    def call(self, service, method, request_fields=None, request=None):
        """Invokes service/method with messages built dynamically from the pool.

        The request is either given or built from proto-JSON-style `request_fields`."""
        method_desc = self.pool.FindServiceByName(service).FindMethodByName(method)
        request_cls = self.factory.GetPrototype(method_desc.input_type)
        response_cls = self.factory.GetPrototype(method_desc.output_type)
        if request is None:
            request = json_format.ParseDict(request_fields or {}, request_cls())
        stub = CHANNEL.unary_unary(f"/{service}/{method}",
                                   request_serializer=request_cls.SerializeToString,
                                   response_deserializer=response_cls.FromString)
        return stub(request, timeout=RPC_TIMEOUT)

    def report_call(self, method, **kwargs):
        return self.call("gongkai.v1.ReportService", method, **kwargs)

    def submit_request(self):
        """A SubmitReportRequest carrying the fixture (proto JSON of gongkai.v1.Report)."""
        cls = self.factory.GetPrototype(self.pool.FindMessageTypeByName("gongkai.v1.SubmitReportRequest"))
        request = cls()
        with open(ARGS.fixture, encoding="utf-8") as f:
            json_format.Parse(f.read(), request.report)
        return request

    def get_report(self):
        return self.report_call("GetReport", request_fields={"key": {"regionCode": TOWN, "year": 2019}})

    def test_1_list_services(self):
        services = {s.name for s in reflect(list_services="").list_services_response.service}
        for expected in ("gongkai.v1.ReportService", "gongkai.v1.RegionService",
                         "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"):
            self.assertIn(expected, services)

    def test_2_describe_submit_report(self):
        method = self.pool.FindServiceByName("gongkai.v1.ReportService").FindMethodByName("SubmitReport")
        self.assertEqual(method.input_type.full_name, "gongkai.v1.SubmitReportRequest")
        self.assertEqual(method.output_type.full_name, "gongkai.v1.SubmitReportResponse")

    def test_3_get_region(self):
        region = self.call("gongkai.v1.RegionService", "GetRegion", request_fields={"code": TOWN})
        self.assertEqual(region.name, "一市镇")
        township = region.DESCRIPTOR.fields_by_name["level"].enum_type.values_by_name["LEVEL_TOWNSHIP"]
        self.assertEqual(region.level, township.number)
        self.assertEqual(region.parent_code, "330226000000")

    def test_4_submit_report(self):
        response = self.report_call("SubmitReport", request=self.submit_request())
        self.assertEqual(response.revision.revision, 1)
        self.assertTrue(response.created)

    def test_5_get_report(self):
        revision = self.get_report()
        self.assertEqual(revision.revision, 1)
        self.assertEqual(revision.report.table3.new_requests.total, 2)
        self.assertEqual(revision.report.table2_2019.item9.procurement.amount, 93860500)

    def test_6_rejected_submit_stores_nothing(self):
        request = self.submit_request()
        request.report.table3.new_requests.total = 3  # breaks R3: total = sum of applicants
        with self.assertRaises(grpc.RpcError) as caught:
            self.report_call("SubmitReport", request=request)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("R3", caught.exception.details())
        revision = self.get_report()
        self.assertEqual(revision.revision, 1)
        self.assertEqual(revision.report.table3.new_requests.total, 2)

    def test_7_health(self):
        check = CHANNEL.unary_unary("/grpc.health.v1.Health/Check",
                                    request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
                                    response_deserializer=health_pb2.HealthCheckResponse.FromString)
        response = check(health_pb2.HealthCheckRequest(service="gongkai.v1.ReportService"),
                         timeout=RPC_TIMEOUT)
        self.assertEqual(response.status, health_pb2.HealthCheckResponse.SERVING)


def start_server(tmpdir):
    """Starts gongkaid on a free port; returns (process, port)."""
    port_file = os.path.join(tmpdir, "port")
    log = open(os.path.join(tmpdir, "gongkaid.log"), "wb")
    server = subprocess.Popen([os.path.abspath(ARGS.gongkaid), "--listen=127.0.0.1:0",
                               f"--data_dir={os.path.join(tmpdir, 'data')}",
                               f"--registry_dir={os.path.abspath(ARGS.registry_dir)}",
                               f"--port_file={port_file}", "--metrics_listen=127.0.0.1:0"], stdout=log, stderr=subprocess.STDOUT)
    log.close()
    deadline = time.monotonic() + 30
    while not os.path.exists(port_file):  # written atomically once serving
        if server.poll() is not None or time.monotonic() > deadline:
            with open(os.path.join(tmpdir, "gongkaid.log"), encoding="utf-8", errors="replace") as f:
                sys.stderr.write(f.read())
            raise RuntimeError(f"gongkaid did not start (exit code {server.poll()})")
        time.sleep(0.1)
    with open(port_file, encoding="ascii") as f:
        return server, int(f.read().strip())


def main():
    global ARGS, CHANNEL, ref_pb2, health_pb2
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     usage="%(prog)s --gongkaid P --registry_dir D --fixture F [test ...]")
    parser.add_argument("--gongkaid", required=True, help="path of the gongkaid binary")
    parser.add_argument("--registry_dir", required=True, help="directory of the region CSVs")
    parser.add_argument("--fixture", required=True, help="proto JSON of a gongkai.v1.Report")
    ARGS, unittest_args = parser.parse_known_args()

    tmpdir = tempfile.mkdtemp(prefix="gongkai-reflection-")
    server = None
    try:
        ref_pb2 = grpc_reflection.compile_proto(f"{GRPC_PROTO_DIR}/reflection/v1alpha", "reflection.proto", tmpdir)
        health_pb2 = grpc_reflection.compile_proto(f"{GRPC_PROTO_DIR}/health/v1", "health.proto", tmpdir)
        server, port = start_server(tmpdir)
        print(f"gongkaid listening on 127.0.0.1:{port}", flush=True)
        CHANNEL = grpc.insecure_channel(f"127.0.0.1:{port}")
        grpc.channel_ready_future(CHANNEL).result(timeout=RPC_TIMEOUT)

        suite = unittest.defaultTestLoader.loadTestsFromTestCase(ReflectionClientTest)
        if unittest_args:  # optional: names of the test methods to run, e.g. test_3_get_region
            suite = unittest.TestSuite(ReflectionClientTest(name) for name in unittest_args)
        result = unittest.TextTestRunner(verbosity=2).run(suite)
        failed = len(result.failures) + len(result.errors)
        print(f"\nSUMMARY: {result.testsRun} run, {result.testsRun - failed} passed, {failed} failed"
              f"{', ' + str(len(result.skipped)) + ' skipped' if result.skipped else ''}")
        return 0 if result.wasSuccessful() else 1
    finally:
        if CHANNEL is not None:
            CHANNEL.close()
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Reflection helpers shared by the Python test clients (reflection_client_test.py and
reliability/crash_test.py): Debian's python3-grpcio speaking the reflection protocol as
grpcurl does, with no code generated from our protos."""

import importlib
import subprocess
import sys

from google.protobuf import descriptor_pb2, descriptor_pool

GRPC_PROTO_DIR = "/usr/share/grpc-proto/grpc"
REFLECTION_METHOD = "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo"


def compile_proto(proto_dir, proto_file, out_dir):
    """Runs protoc's built-in Python generator and imports the resulting *_pb2 module."""
    subprocess.run(["protoc", f"-I{proto_dir}", f"--python_out={out_dir}", proto_file], check=True)
    if out_dir not in sys.path:
        sys.path.insert(0, out_dir)
    return importlib.import_module(proto_file[:-len(".proto")] + "_pb2")


def reflect(channel, ref_pb2, timeout, **request_fields):
    """Sends one ServerReflectionRequest over ServerReflectionInfo and returns its response."""
    call = channel.stream_stream(
        REFLECTION_METHOD,
        request_serializer=ref_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=ref_pb2.ServerReflectionResponse.FromString)
    responses = list(call(iter([ref_pb2.ServerReflectionRequest(**request_fields)]),
                          timeout=timeout))
    if len(responses) != 1 or responses[0].HasField("error_response"):
        raise RuntimeError(f"reflection failed: {responses}")
    return responses[0]


def load_pool(channel, ref_pb2, timeout, *symbols):
    """Builds a DescriptorPool with the files defining `symbols` and all their dependencies."""
    files = {}  # name -> FileDescriptorProto

    def add_all(response):
        for blob in response.file_descriptor_response.file_descriptor_proto:
            fdp = descriptor_pb2.FileDescriptorProto.FromString(blob)
            files.setdefault(fdp.name, fdp)

    for symbol in symbols:
        add_all(reflect(channel, ref_pb2, timeout, file_containing_symbol=symbol))
    # Fetch any dependency the server did not send along.
    missing = [d for f in list(files.values()) for d in f.dependency if d not in files]
    while missing:
        name = missing.pop()
        if name not in files:
            add_all(reflect(channel, ref_pb2, timeout, file_by_filename=name))
            missing += [d for d in files[name].dependency if d not in files]

    # Add in dependency order (the C++ backed pool resolves imports eagerly).
    pool, added = descriptor_pool.DescriptorPool(), set()

    def add(name):
        if name not in added:
            for dep in files[name].dependency:
                add(dep)
            pool.Add(files[name])
            added.add(name)

    for name in sorted(files):
        add(name)
    return pool

#!/usr/bin/python3
"""Generates nas_client's gRPC stubs from the project's proto/ files.

  /usr/bin/python3 python/build_stubs.py [--proto_root DIR] [--out DIR]

writes OUT/nas_client/proto/{search,search_service,worker_service}_pb2[_grpc].py
and an __init__.py (OUT defaults to python/, beside this file; PROTO_ROOT, the
directory holding proto/, defaults to the repository root). setup.py runs it
when the package is built and //python:stubs when Bazel builds it; the
generated files are never committed.

protoc names a generated module's imports after the .proto paths
("from proto import search_pb2"), which would make a top-level package called
`proto` (a name other distributions use); the imports are rewritten to
nas_client.proto, while the descriptors keep the file names the C++ code
registers ("proto/search.proto").
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROTOS = ["search.proto", "search_service.proto", "worker_service.proto"]
PACKAGE = "nas_client.proto"


def generate(proto_root, out):
    """Writes the stubs under out/nas_client/proto; returns the paths written."""
    missing = [p for p in PROTOS if not os.path.isfile(os.path.join(proto_root, "proto", p))]
    if missing:
        raise SystemExit(f"build_stubs: --proto_root {proto_root} has no proto/{missing[0]}")
    target = os.path.join(out, *PACKAGE.split("."))
    os.makedirs(target, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        # sys.executable: the interpreter running this script has grpc_tools
        # (Debian's python3-grpc-tools under /usr/bin/python3).
        command = [sys.executable, "-m", "grpc_tools.protoc", f"-I{proto_root}",
                   f"--python_out={tmp}", f"--grpc_python_out={tmp}"]
        command += [os.path.join(proto_root, "proto", p) for p in PROTOS]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"build_stubs: protoc failed:\n{result.stderr}")
        for name in sorted(os.listdir(os.path.join(tmp, "proto"))):
            if not name.endswith(".py"):
                continue
            with open(os.path.join(tmp, "proto", name), encoding="utf-8") as f:
                text = f.read()
            text = re.sub(r"^from proto import ", f"from {PACKAGE} import ", text, flags=re.M)
            path = os.path.join(target, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            written.append(path)
    init = os.path.join(target, "__init__.py")
    with open(init, "w", encoding="utf-8") as f:
        f.write('"""nas.v1 messages and stubs, generated from proto/ by build_stubs.py."""\n')
    return written + [init]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proto_root", default=os.path.dirname(HERE),
                        help="the directory holding proto/ (default: the repository root)")
    parser.add_argument("--out", default=HERE,
                        help="where nas_client/proto/ is written (default: python/)")
    args = parser.parse_args()
    for path in generate(args.proto_root, args.out):
        print(path)


if __name__ == "__main__":
    main()

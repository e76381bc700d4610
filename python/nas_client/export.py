"""Client.export's pieces: which individuals have weights, finding and running
nas_export (worker/export/nas_export.cc), the same way `nasctl export` does
(controller/cli/export_command.cc, export_tool.cc).

nas_export prints "kind=K in_channels=C num_classes=N" and exits 0, or exits
with the absl status code of its error (1..16, the same numbers as gRPC's)
and prints the message on its standard error (worker/export/export_summary.h).
"""
import collections
import os
import shutil
import subprocess
import tempfile

import grpc
from google.protobuf import text_format

from nas_client.errors import NasError
from nas_client.proto import search_pb2

TOOL = "nas_export"

ExportResult = collections.namedtuple(
    "ExportResult", ["path", "individual_id", "search_id", "fitness", "kind", "in_channels",
                     "num_classes"])

_CODES = {code.value[0]: code for code in grpc.StatusCode}


def find_tool(tool=None):
    """`tool` if given (it must be an executable file), else nas_export on PATH.
    FAILED_PRECONDITION saying how to get it otherwise."""
    if tool:
        if os.path.isfile(tool) and os.access(tool, os.X_OK):
            return tool
        raise NasError(grpc.StatusCode.FAILED_PRECONDITION,
                       f"export_tool: {tool} is not an executable file (it should be {TOOL}, "
                       f"built by `bazel build //worker/export:nas_export`)")
    found = shutil.which(TOOL)
    if found:
        return found
    raise NasError(grpc.StatusCode.FAILED_PRECONDITION,
                   f"export needs {TOOL}, the program that writes TorchScript (it links "
                   f"LibTorch), and found none on PATH; build it with `bazel build "
                   f"//worker/export:nas_export`, then put it on PATH or pass export_tool=PATH")


def retrain_birth(spec):
    """The birth order of a supernet or TF-NAS search's retrain, or None."""
    strategy = spec.strategy
    if strategy.HasField("supernet") and strategy.supernet.retrain:
        return 1
    if strategy.HasField("tfnas") and strategy.tfnas.retrain:
        return 2 if not strategy.tfnas.latency_table_path else 1
    return None


def check_has_weights(search, individual):
    """FAILED_PRECONDITION unless `individual` of `search` can have weights."""
    spec = search.spec

    def refuse(message):
        raise NasError(grpc.StatusCode.FAILED_PRECONDITION, message)

    if spec.space.HasField("nasbench201") or spec.HasField("table_lookup"):
        refuse(f"search {search.id} evaluates architectures by table lookup: it trains no "
               f"networks, so there are no weights to export")
    if spec.strategy.HasField("supernet") or spec.strategy.HasField("tfnas"):
        if individual.birth_order != retrain_birth(spec):
            refuse(f"individual {individual.id} of search {search.id} is not a trained "
                   f"network: its checkpoint holds architecture parameters (only the retrain "
                   f"of the derived architecture is a network)")
    if individual.state != search_pb2.INDIVIDUAL_EVALUATED:
        refuse(f"individual {individual.id} of search {search.id} was not evaluated, so it "
               f"has no trained weights")
    if not individual.checkpoint:
        refuse(f"individual {individual.id} of search {search.id} has no checkpoint: its "
               f"weights were not kept (the controller keeps those of each search's best "
               f"individual and of those its strategy still needs)")


def run_tool(tool, architecture, checkpoint, out, data=None):
    """Runs nas_export on the checkpoint bytes; (kind, in_channels, num_classes).
    With `data` (a DataDescription), the module normalises its input and
    carries the class names."""
    with tempfile.TemporaryDirectory(prefix="nas-client-export.") as tmp:
        checkpoint_path = os.path.join(tmp, "checkpoint")
        with open(checkpoint_path, "wb") as f:
            f.write(checkpoint)
        argv = [tool, f"--checkpoint={checkpoint_path}", f"--architecture={architecture}",
                f"--out={out}"]
        if data is not None:
            data_path = os.path.join(tmp, "data_description.txt")
            with open(data_path, "w", encoding="utf-8") as f:
                f.write(text_format.MessageToString(data))
            argv.append(f"--data_description={data_path}")
        try:
            result = subprocess.run(argv, capture_output=True, text=True)
        except OSError as e:
            raise NasError(grpc.StatusCode.FAILED_PRECONDITION,
                           f"cannot run {tool}: {e.strerror}") from None
    errors = result.stderr.strip()
    if result.returncode < 0:
        raise NasError(grpc.StatusCode.INTERNAL,
                       f"{tool} was killed by signal {-result.returncode}: {errors}")
    if result.returncode != 0:
        code = _CODES.get(result.returncode, grpc.StatusCode.UNKNOWN)
        raise NasError(code, errors or f"{tool} exited with status {result.returncode}")
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    fields = dict(part.split("=", 1) for part in lines[-1].split() if "=" in part) if lines else {}
    try:
        return fields["kind"], int(fields["in_channels"]), int(fields["num_classes"])
    except (KeyError, ValueError):
        raise NasError(grpc.StatusCode.INTERNAL,
                       f"{tool} printed no summary line: {result.stdout!r}") from None

"""Client.export on a real trained search: a DARTS-cell random search on the
8x8 digits (1 epoch, 2 candidates, as tests/e2e/export_test.cc), trained by
the session's worker. The module nas_client writes computes what the one
`nasctl export` writes computes, and carries the search's class names."""
import os

import grpc
import pytest
import torch

import cluster as cluster_lib
import nas_client
from nas_client import search_pb2
from conftest import assert_frame_matches, table_spec_text


def test_trained_individuals_frame_has_their_metrics_as_columns(client, trained):
    individuals = client.individuals(trained.id)
    frame = client.individuals(trained.id, as_frame=True)
    assert len(frame) == len(individuals) == 2
    for metric in ["final_train_loss", "train_seconds", "train_examples"]:
        assert frame[metric].notna().all(), list(frame.columns)
    assert list(frame["train_examples"]) == [600, 600]
    assert_frame_matches(individuals, frame)


def test_export_writes_the_same_module_as_nasctl(cluster, client, trained, tmp_path):
    tool = cluster_lib.binary("worker/export/nas_export")
    result = client.export(trained.id, tmp_path / "best.pt", export_tool_path=tool)
    assert result.individual_id == trained.best.id
    assert result.search_id == trained.id
    assert result.fitness == trained.best.fitness
    assert (result.kind, result.in_channels, result.num_classes) == ("darts_cell", 1, 10)

    nasctl = cluster_lib.binary("controller/cli/nasctl")
    reference = tmp_path / "nasctl.pt"
    run = cluster_lib.subprocess.run(
        [nasctl, f"--controller={cluster.address}", "export", f"--search={trained.id}",
         f"--out={reference}", f"--export_tool={tool}"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr

    ours, theirs = torch.jit.load(result.path), torch.jit.load(str(reference))
    torch.manual_seed(1)
    x = torch.rand(16, 1, 8, 8)
    with torch.no_grad():
        logits = ours(x)
        assert logits.shape == (16, 10)
        assert torch.equal(logits, theirs(x))
    assert list(ours.class_names) == list(trained.data.class_names)


def test_export_finds_nas_export_on_path_and_exports_by_individual(client, trained, tmp_path,
                                                                  monkeypatch):
    tool_dir = os.path.dirname(cluster_lib.binary("worker/export/nas_export"))
    monkeypatch.setenv("PATH", tool_dir + os.pathsep + os.environ.get("PATH", ""))
    others = [i for i in client.individuals(trained.id)
              if i.id != trained.best.id and i.checkpoint]
    chosen = others[0] if others else trained.best
    result = client.export(None, tmp_path / "chosen.pt", individual=chosen.id)
    assert result.individual_id == chosen.id
    assert torch.jit.load(result.path)(torch.rand(2, 1, 8, 8)).shape == (2, 10)


def test_export_errors_say_why(client, trained, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    error = pytest.raises(nas_client.NasError, client.export, trained.id,
                          tmp_path / "x.pt").value
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION
    assert "//worker/export:nas_export" in error.message
    error = pytest.raises(nas_client.NasError, client.export, trained.id, tmp_path / "x.pt",
                          export_tool_path=str(tmp_path / "no_such_tool")).value
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION

    table = client.submit(table_spec_text(10, "no weights"))
    done = client.watch(table.id, poll=0.2, progress=False, timeout=120)
    assert done.state == search_pb2.SEARCH_SUCCEEDED
    error = pytest.raises(nas_client.NasError, client.export, table.id, tmp_path / "x.pt").value
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION
    assert "table lookup" in error.message

    error = pytest.raises(nas_client.NasError, client.export, table.id, tmp_path / "x.pt",
                          individual=trained.best.id).value
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert f"belongs to search {trained.id}" in error.message
    assert not os.path.exists(tmp_path / "x.pt")

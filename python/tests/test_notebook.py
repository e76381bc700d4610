"""docs/python.md's example is python/examples/notebook.py, and it runs:
every Python block of the doc is a cell of the file, and the file, run
against the session's controller and worker, trains a search to the end,
plots it and exports its best network."""
import os
import re
import subprocess

import cluster as cluster_lib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOTEBOOK = os.path.join(ROOT, "python", "examples", "notebook.py")
DOC = os.path.join(ROOT, "docs", "python.md")
# As docs/python.md runs it, from the repository root.
RUN = "PYTHONPATH=python /usr/bin/python3 python/examples/notebook.py"


def python_blocks(path):
    with open(path, encoding="utf-8") as f:
        return re.findall(r"^```python\n(.*?)^```", f.read(), flags=re.M | re.S)


def test_every_python_block_of_the_doc_is_in_the_notebook():
    with open(NOTEBOOK, encoding="utf-8") as f:
        notebook = f.read()
    blocks = python_blocks(DOC)
    assert len(blocks) >= 8, "connect, submit, watch, frame, plot, best, lineage, export"
    for block in blocks:
        assert block in notebook, f"docs/python.md shows code notebook.py lacks:\n{block}"


def test_notebook_runs_end_to_end(cluster, tmp_path):
    env = dict(os.environ, NAS_CONTROLLER=cluster.address, NAS_OUT=str(tmp_path),
               MPLBACKEND="Agg",
               PATH=os.path.dirname(cluster_lib.binary("worker/export/nas_export")) +
               os.pathsep + os.environ.get("PATH", ""))
    run = subprocess.run(["bash", "-euc", RUN], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr + cluster.logs()
    out = run.stdout
    assert "SEARCH_SUCCEEDED 6 evaluations" in out
    assert re.search(r"^best: individual \d+, accuracy 0\.\d{4}, \d+ parameters$", out, re.M)
    lineage = re.findall(r"^individual (\d+) \(birth (\d+)\)", out, re.M)
    assert lineage, out
    assert re.search(r"^exported individual \d+ \(darts_cell\): classes .* logits \(4, 10\)$",
                     out, re.M)
    assert "6/6" in run.stderr, "the progress bar reached the budget"
    assert os.path.getsize(tmp_path / "fitness.png") > 1000
    assert os.path.getsize(tmp_path / "model.pt") > 1000

"""Fixtures: one controller and one CPU worker (table lookups and training)
on a fresh database for the whole session, and specs that use the shared data."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cluster as cluster_lib  # noqa: E402

import nas_client  # noqa: E402


@pytest.fixture(scope="session")
def cluster():
    c = cluster_lib.Cluster("client")
    try:
        c.address = c.start_controller()
        c.start_worker(c.address, "w1", ["--job_kinds=table_lookup,train_candidate"])
        yield c
    finally:
        c.stop()


@pytest.fixture
def client(cluster):
    with nas_client.Client(cluster.address) as c:
        yield c


def table_spec_text(budget=30, name="nasbench201 aging"):
    """Aging evolution on NAS-Bench-201 by table lookup, as text format (the
    fields of deploy/specs/nasbench201_aging.textproto, with the table's
    absolute path)."""
    table = cluster_lib.shared_data("nasbench201/nb201_cifar10_test_acc.csv")
    return f"""
name: "{name}"
space {{ nasbench201 {{}} }}
strategy {{ aging_evolution {{ population_size: 10 sample_size: 3 }} }}
budget: {budget}
seed: 7
table_lookup {{
  table_path: "{table}"
  cell_column: "arch"
  fitness_column: "cifar10_test_acc_200ep"
}}
"""


@pytest.fixture
def table_spec():
    return table_spec_text

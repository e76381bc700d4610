"""Fixtures: one controller and one CPU worker (table lookups and training)
on a fresh database for the whole session, and specs that use the shared data."""
import math
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


def digits_spec():
    return {
        "name": "digits export", "space": {"dartsCell": {"nodes": 2}},
        "strategy": {"random": {}}, "budget": 2, "seed": "11",
        "training": {"epochs": 1, "batchSize": 64, "learningRate": 0.05, "momentum": 0.9,
                     "weightDecay": 3e-4, "initChannels": 4, "cells": 3},
        "dataset": {"format": "DIGITS_CSV",
                    "path": cluster_lib.shared_data("digits/digits.csv.gz"),
                    "trainExamples": 600, "validationExamples": 300},
    }


@pytest.fixture(scope="session")
def trained(cluster):
    """A finished DARTS-cell random search on the 8x8 digits (1 epoch, 2
    candidates, as tests/e2e/export_test.cc) whose networks the worker trained."""
    with nas_client.Client(cluster.address) as client:
        created = client.submit(digits_spec())
        search = client.watch(created.id, poll=0.2, progress=False, timeout=300)
        assert search.evaluations_done == 2, cluster.logs()
        yield search


def assert_frame_matches(individuals, frame):
    """The frame has one row per message, in order, with the same values, and
    one column per metric any of them reported."""
    assert list(frame["id"]) == [i.id for i in individuals]
    for column, field in [("parent_id", "parent_id"), ("mutation", "mutation"),
                          ("parameter_count", "parameter_count"), ("alive", "alive")]:
        assert list(frame[column]) == [getattr(i, field) for i in individuals], column
    assert list(frame["architecture"]) == [i.architecture.text for i in individuals]
    for row, ind in zip(frame["fitness"], individuals):
        evaluated = ind.state == nas_client.search_pb2.INDIVIDUAL_EVALUATED
        assert row == ind.fitness if evaluated else math.isnan(row)
    metric_names = set().union(*(i.metrics.keys() for i in individuals))
    columns = {nas_client.frames.metric_column(name) for name in metric_names}
    assert set(frame.columns) - set(nas_client.frames.BASE_COLUMNS) == columns
    for name in metric_names:
        column = nas_client.frames.metric_column(name)
        for row, ind in zip(frame[column], individuals):
            if name in ind.metrics:
                assert row == ind.metrics[name], (column, ind.id)
            else:
                assert math.isnan(row), (column, ind.id)

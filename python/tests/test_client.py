"""nas_client against the real controller and a real worker doing
NAS-Bench-201 table lookups."""
import socket
import threading
import time

import grpc
import pytest
from google.protobuf import text_format

import nas_client
from nas_client import search_pb2
from conftest import assert_frame_matches, table_spec_text

WATCH_SECONDS = 240


def table_spec_dict(budget, name):
    """The spec of table_spec_text, written as the dict a user would write."""
    spec = text_format.Parse(table_spec_text(budget, name), search_pb2.SearchSpec())
    return {
        "name": name,
        "space": {"nasbench201": {}},
        "strategy": {"agingEvolution": {"populationSize": 10, "sampleSize": 3}},
        "budget": budget,
        "seed": "7",
        "tableLookup": {"tablePath": spec.table_lookup.table_path, "cellColumn": "arch",
                        "fitnessColumn": "cifar10_test_acc_200ep"},
    }


@pytest.fixture(scope="module")
def finished(cluster):
    """A finished table-lookup search (budget 30) and its individuals."""
    with nas_client.Client(cluster.address) as client:
        created = client.submit(table_spec_text(30, "finished"))
        search = client.watch(created.id, poll=0.2, progress=False, timeout=WATCH_SECONDS)
        assert search.state == search_pb2.SEARCH_SUCCEEDED, cluster.logs()
        yield search, client.individuals(search.id), client.individuals_frame(search.id)


def test_submit_from_file_string_and_dict_gives_the_same_search(client, tmp_path):
    path = tmp_path / "aging.textproto"
    path.write_text(table_spec_text(20, "same"))
    created = [client.submit(str(path)), client.submit(path),
               client.submit(table_spec_text(20, "same")),
               client.submit(table_spec_dict(20, "same"))]
    assert len({s.id for s in created}) == 4, "each submit creates its own search"
    for s in created[1:]:
        assert s.spec == created[0].spec
    runs = []
    for s in created:
        done = client.watch(s.id, poll=0.2, progress=False, timeout=WATCH_SECONDS)
        assert done.state == search_pb2.SEARCH_SUCCEEDED
        assert done.evaluations_done == 20
        runs.append([i.architecture.hash for i in client.individuals(s.id)])
    # The same seed draws the same initial population, however the spec was written.
    for run in runs[1:]:
        assert run[:10] == runs[0][:10]


def test_bad_spec_raises_invalid_argument_naming_the_field(client):
    before = len(client.searches())
    spec = table_spec_dict(20, "bad")
    spec["budget"] = 0
    with pytest.raises(nas_client.NasError) as e:
        client.submit(spec)
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert e.value.message.startswith("spec.budget: 0 is out of range 1..100000 (request_id ")
    spec = table_spec_dict(20, "bad")
    spec["strategy"]["agingEvolution"]["sampleSize"] = 11
    with pytest.raises(nas_client.NasError) as e:
        client.submit(spec)
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert e.value.message.startswith(
        "spec.strategy.aging_evolution.sample_size: 11 must be in 1..population_size (10)")
    # Refused before sending: an unknown field, text or dict, and a missing file.
    with pytest.raises(nas_client.NasError) as e:
        client.submit(table_spec_text(20, "bad") + "budgett: 3\n")
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "budgett" in e.value.message
    with pytest.raises(nas_client.NasError) as e:
        client.submit({"budgett": 3})
    assert "budgett" in e.value.message
    with pytest.raises(nas_client.NasError) as e:
        client.submit("no/such/spec.textproto")
    assert "no such spec file no/such/spec.textproto" in e.value.message
    assert len(client.searches()) == before, "a refused spec stores nothing"


def test_watch_shows_progress_and_returns_the_finished_search(client, capsys):
    created = client.submit(table_spec_text(25, "watched"))
    search = client.watch(created.id, poll=0.2, timeout=WATCH_SECONDS)
    assert search.state == search_pb2.SEARCH_SUCCEEDED
    assert search.evaluations_done == search.spec.budget == 25
    bar = capsys.readouterr().err
    assert f"search {created.id}" in bar and "25/25" in bar
    assert f"best={search.best.fitness:.4f}" in bar


def test_individuals_list_and_frame_agree(finished):
    search, individuals, frame = finished
    assert len(individuals) == len(frame) == search.spec.budget
    assert list(frame["birth_order"]) == list(range(search.spec.budget))
    assert set(frame["state"]) == {"evaluated"}
    assert_frame_matches(individuals, frame)
    # Table lookups report no metrics: the frame has the base columns alone.
    assert list(frame.columns) == nas_client.frames.BASE_COLUMNS


def test_best_is_the_frames_highest_fitness(client, finished):
    search, _, frame = finished
    best = client.best(search.id)
    assert best.fitness == frame["fitness"].max()
    assert best.id in set(frame.loc[frame["fitness"] == frame["fitness"].max(), "id"])
    assert search.best.id == best.id


def test_lineage_chains_parent_ids(client, finished):
    _, individuals, _ = finished
    child = max((i for i in individuals if i.parent_id), key=lambda i: i.birth_order)
    chain = client.lineage(child.id)
    assert chain[0].id == child.id
    assert len(chain) >= 2
    for ind, parent in zip(chain, chain[1:]):
        assert ind.parent_id == parent.id
        assert parent.birth_order < ind.birth_order
    assert chain[-1].parent_id == 0


def test_cancel_stops_the_search(client):
    created = client.submit(table_spec_text(5000, "cancelled"))
    cancelled = client.cancel(created.id)
    assert cancelled.state == search_pb2.SEARCH_CANCELLED
    assert client.search(created.id).state == search_pb2.SEARCH_CANCELLED
    frame = client.individuals_frame(created.id)
    assert len(frame) < 5000
    assert "cancelled" in set(frame["state"])
    assert frame.loc[frame["state"] != "evaluated", "fitness"].isna().all()


def test_resume_then_extend_a_search(client):
    created = client.submit(table_spec_text(20, "resumed"))
    client.cancel(created.id)
    resumed = client.resume(created.id)
    assert resumed.state == search_pb2.SEARCH_RUNNING
    done = client.watch(created.id, poll=0.2, progress=False, timeout=120)
    assert done.state == search_pb2.SEARCH_SUCCEEDED
    assert done.evaluations_done + done.evaluations_failed == 20
    extended = client.extend(created.id, 30)
    assert extended.spec.budget == 30
    done = client.watch(created.id, poll=0.2, progress=False, timeout=120)
    assert done.evaluations_done + done.evaluations_failed == 30
    with pytest.raises(nas_client.NasError) as e:
        client.extend(created.id, 10)
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "budget: 10 must be larger than the current budget (30)" in e.value.message
    with pytest.raises(nas_client.NasError) as e:
        client.retry(done.best.id)
    assert e.value.code == grpc.StatusCode.FAILED_PRECONDITION


def test_searches_lists_newest_first_and_missing_ids_are_not_found(client):
    created = client.submit(table_spec_text(10, "listed"))
    listed = client.searches()
    assert listed[0].id == created.id
    assert [s.id for s in listed] == sorted((s.id for s in listed), reverse=True)
    with pytest.raises(nas_client.NasError) as e:
        client.search(10**9)
    assert e.value.code == grpc.StatusCode.NOT_FOUND
    assert client.epochs(created.id) == [], "only supernet searches report epochs"
    client.cancel(created.id)


def test_submit_retries_until_the_controller_serves_with_one_request_id(cluster, client):
    # A second controller on the same database, started only after the first
    # attempt has failed with UNAVAILABLE.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    late = threading.Timer(0.5, cluster.start_controller, kwargs={"port": port, "wait": False})
    late.start()
    try:
        with nas_client.Client(f"127.0.0.1:{port}", timeout=30) as retrying:
            started = time.monotonic()
            created = retrying.submit(table_spec_text(10, "retried"), request_id="retry-test-1")
            assert time.monotonic() - started >= 0.5
    finally:
        late.join()
    assert [s.id for s in client.searches() if s.spec.name == "retried"] == [created.id]
    # The same request_id again returns that search rather than a second one.
    again = client.submit(table_spec_text(10, "retried"), request_id="retry-test-1")
    assert again.id == created.id
    with pytest.raises(nas_client.NasError) as e:
        client.submit(table_spec_text(11, "retried"), request_id="retry-test-1")
    assert e.value.code == grpc.StatusCode.ALREADY_EXISTS
    assert "retry-test-1" in e.value.message
    client.cancel(created.id)

"""Client.workers and Client.logs (ListWorkers, ListJobLogs) against the
session's controller and its worker w1.

The two RPCs are in proto/ before the controller implements them: while it
answers UNIMPLEMENTED these tests are skipped, saying so; once it serves
them they run, with no edit here."""
import grpc
import pytest

import nas_client
from nas_client import worker_service_pb2
from conftest import table_spec_text


def unimplemented_skips(call):
    try:
        return call()
    except nas_client.NasError as e:
        if e.code == grpc.StatusCode.UNIMPLEMENTED:
            pytest.skip(f"this controller does not implement the RPC yet: {e}")
        raise


def test_workers_lists_the_running_worker_and_its_kinds(client, cluster):
    client.watch(client.submit(table_spec_text(10, "for workers")).id, poll=0.2,
                 progress=False, timeout=120)
    workers = {w.worker_id: w for w in unimplemented_skips(client.workers)}
    assert "w1" in workers, cluster.logs()
    w1 = workers["w1"]
    assert w1.device == "cpu"
    assert w1.slots == 1
    assert set(w1.job_kinds) == {worker_service_pb2.TABLE_LOOKUP,
                                 worker_service_pb2.TRAIN_CANDIDATE}
    assert w1.last_seen_time.ToNanoseconds() >= w1.first_seen_time.ToNanoseconds() > 0
    assert len(w1.jobs) <= w1.slots
    with pytest.raises(nas_client.NasError) as e:
        client.workers(seen_within_seconds=-1)
    assert e.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "seen_within_seconds" in e.value.message


def test_logs_of_a_search_and_of_one_individual(client, trained):
    lines = unimplemented_skips(lambda: client.logs(trained.id))
    assert lines, "a trained candidate's job logs what it does"
    individuals = {i.id for i in client.individuals(trained.id)}
    for line in lines:
        assert line.individual_id in individuals
        assert line.worker_id == "w1"
        assert line.text
    times = [line.time.ToNanoseconds() for line in lines]
    assert times == sorted(times), "oldest first"
    one = lines[-1].individual_id
    assert client.logs(trained.id, individual=one) == \
        [line for line in lines if line.individual_id == one]
    with pytest.raises(nas_client.NasError) as e:
        client.logs(10**9)
    assert e.value.code == grpc.StatusCode.NOT_FOUND

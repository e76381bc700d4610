"""TLS and bearer tokens: a controller started with certificates and token
files (--client_tokens_file, --worker_tokens_file), as controller/auth_test.cc
but through nas_client."""
import grpc
import pytest

import cluster as cluster_lib
import nas_client
from conftest import table_spec_text

CLIENT_TOKEN = "client-token-0123456789abcdef"
WORKER_TOKEN = "worker-token-0123456789abcdef"


@pytest.fixture(scope="module")
def secured():
    c = cluster_lib.Cluster("auth")
    try:
        cert, key = cluster_lib.make_certificate(c.dir, "server")
        client_tokens = f"{c.dir}/client_tokens"
        worker_tokens = f"{c.dir}/worker_tokens"
        with open(client_tokens, "w") as f:
            f.write(CLIENT_TOKEN + "\n")
        with open(worker_tokens, "w") as f:
            f.write("# workers\n" + WORKER_TOKEN + "\n")
        c.address = c.start_controller([
            f"--tls_cert_file={cert}", f"--tls_key_file={key}",
            f"--client_tokens_file={client_tokens}", f"--worker_tokens_file={worker_tokens}"])
        c.ca = cert
        yield c
    finally:
        c.stop()


def code_of(call):
    with pytest.raises(nas_client.NasError) as e:
        call()
    return e.value


def test_client_token_over_tls_may_submit_and_list(secured):
    with nas_client.Client(secured.address, token=CLIENT_TOKEN, ca=secured.ca) as client:
        created = client.submit(table_spec_text(10, "with token"))
        assert [s.id for s in client.searches()] == [created.id]
        assert client.cancel(created.id).id == created.id


def test_missing_or_wrong_token_is_unauthenticated(secured):
    with nas_client.Client(secured.address, ca=secured.ca) as client:
        error = code_of(client.searches)
        assert error.code == grpc.StatusCode.UNAUTHENTICATED
        assert error.message
    with nas_client.Client(secured.address, token="not-a-known-token-at-all",
                           ca=secured.ca) as client:
        assert code_of(lambda: client.submit(table_spec_text(10, "x"))).code == \
            grpc.StatusCode.UNAUTHENTICATED


def test_worker_token_may_not_call_search_service(secured):
    with nas_client.Client(secured.address, token=WORKER_TOKEN, ca=secured.ca) as client:
        error = code_of(client.searches)
    assert error.code == grpc.StatusCode.PERMISSION_DENIED
    assert "worker token may not call SearchService" in error.message


def test_token_is_never_sent_in_plaintext(secured):
    error = code_of(lambda: nas_client.Client(secured.address, token=CLIENT_TOKEN))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "requires TLS" in error.message
    error = code_of(lambda: nas_client.Client(secured.address, ca="/no/such/ca.pem"))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert error.message.startswith("ca: cannot read /no/such/ca.pem")
    # A plaintext client cannot talk to a TLS controller at all.
    with nas_client.Client(secured.address, timeout=5) as plaintext:
        assert code_of(plaintext.searches).code == grpc.StatusCode.UNAVAILABLE

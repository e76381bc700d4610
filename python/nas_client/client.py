"""Client: nas.v1.SearchService from Python, with nasctl's conventions
(controller/cli/nasctl.cc, common/rpc/channel.cc): a deadline on every call,
TLS from a CA file, a bearer token only over TLS, submits retried with the
same request_id."""
import hashlib
import secrets
import time

import grpc

from nas_client import export as export_tool
from nas_client import frames, specs
from nas_client.errors import NasError, from_rpc_error, invalid_argument
from nas_client.proto import search_pb2, search_service_pb2 as service_pb2
from nas_client.proto import search_service_pb2_grpc as service_grpc
from nas_client.proto import worker_service_pb2

MAX_MESSAGE_BYTES = 64 << 20
SUBMIT_ATTEMPTS = 3


class Client:
    """A connection to a controller.

    address: "host:port" of the controller.
    token:   a client bearer token (one line of the controller's
             --client_tokens_file), sent as "authorization: Bearer <token>";
             needs TLS, as nasctl's --token_file does.
    ca:      path of the PEM file of the CA that signed the controller's
             certificate; enables TLS. None = plaintext.
    timeout: the deadline of each call, in seconds.

    Every method raises NasError (a gRPC code and the controller's message)
    on failure. Usable as a context manager, which closes the channel.
    """

    def __init__(self, address, token=None, ca=None, timeout=30):
        if not address:
            raise invalid_argument("address: the controller's host:port is required")
        self.address = address
        self.timeout = timeout
        options = [("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
                   ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES)]
        if ca is None:
            if token is not None:
                raise invalid_argument(
                    "token: a bearer token requires TLS (pass ca=, the controller's CA file); "
                    "it is never sent in plaintext")
            self._channel = grpc.insecure_channel(address, options=options)
        else:
            try:
                with open(ca, "rb") as f:
                    root = f.read()
            except OSError as e:
                raise invalid_argument(f"ca: cannot read {ca}: {e.strerror}") from None
            credentials = grpc.ssl_channel_credentials(root_certificates=root)
            if token is not None:
                credentials = grpc.composite_channel_credentials(
                    credentials, grpc.access_token_call_credentials(token.strip()))
            self._channel = grpc.secure_channel(address, credentials, options=options)
        self._stub = service_grpc.SearchServiceStub(self._channel)

    def close(self):
        self._channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _call(self, method, request, context="", **kwargs):
        try:
            return getattr(self._stub, method)(request, timeout=self.timeout, **kwargs)
        except grpc.RpcError as e:
            raise from_rpc_error(e, context) from None

    # Searches.

    def submit(self, spec, request_id=None):
        """Creates a search from `spec`: a SearchSpec, a dict (protobuf JSON
        form), a text-format file path or a text-format string. Returns the
        new Search. The request carries `request_id` (default: a fresh random
        one); a call whose answer is lost (UNAVAILABLE, DEADLINE_EXCEEDED) is
        retried with the same id, so it never creates two searches.
        INVALID_ARGUMENT names the offending field."""
        request = service_pb2.CreateSearchRequest(spec=specs.to_spec(spec))
        request.request_id = request_id or f"nas_client:{secrets.token_hex(16)}"
        for attempt in range(1, SUBMIT_ATTEMPTS + 1):
            try:
                # A retry waits (up to the deadline) for the controller to come
                # back rather than failing at once while the channel reconnects.
                return self._stub.CreateSearch(request, timeout=self.timeout,
                                               wait_for_ready=attempt > 1)
            except grpc.RpcError as e:
                lost = e.code() in (grpc.StatusCode.UNAVAILABLE,
                                    grpc.StatusCode.DEADLINE_EXCEEDED)
                if not lost or attempt == SUBMIT_ATTEMPTS:
                    raise NasError(e.code(), f"{e.details()} (request_id "
                                             f"{request.request_id})") from None
                time.sleep(attempt)

    def search(self, search_id):
        """The Search: its spec, state, evaluations and best individual."""
        return self._call("GetSearch", service_pb2.GetSearchRequest(search_id=search_id))

    def searches(self):
        """Every Search, newest first."""
        result, token = [], ""
        while True:
            page = self._call("ListSearches",
                              service_pb2.ListSearchesRequest(page_size=1000, page_token=token))
            result.extend(page.searches)
            token = page.next_page_token
            if not token:
                return result

    def cancel(self, search_id):
        """Cancels the search's pending jobs; returns the Search."""
        return self._call("CancelSearch", service_pb2.CancelSearchRequest(search_id=search_id))

    def extend(self, search_id, budget):
        """Raises the search's budget to `budget` evaluations (a finished
        search runs on); returns the Search."""
        return self._call("ExtendSearch",
                          service_pb2.ExtendSearchRequest(search_id=search_id, budget=budget))

    def resume(self, search_id):
        """Runs a cancelled search again from where it stopped; returns the Search."""
        return self._call("ResumeSearch", service_pb2.ResumeSearchRequest(search_id=search_id))

    def retry(self, individual_id):
        """Evaluates a failed individual again with fresh attempts; returns the Individual."""
        return self._call("RetryIndividual",
                          service_pb2.RetryIndividualRequest(individual_id=individual_id))

    def watch(self, search_id, poll=1.0, progress=True, timeout=None):
        """Polls the search until it leaves RUNNING and returns the final Search.
        With `progress`, a tqdm bar of evaluations (done and failed) against
        the budget, with the best fitness so far, failures, busy workers and
        queued jobs in its postfix. `timeout` (seconds, None = none) raises
        DEADLINE_EXCEEDED if the search still runs by then."""
        from tqdm.auto import tqdm

        deadline = None if timeout is None else time.monotonic() + timeout
        search = self.search(search_id)
        bar = tqdm(total=search.spec.budget, unit="eval", desc=f"search {search_id}",
                   disable=not progress)
        try:
            while True:
                ended = (search.evaluations_done + search.evaluations_failed
                         + search.evaluations_infeasible)
                bar.update(ended - bar.n)
                bar.set_postfix(
                    best=f"{search.best.fitness:.4f}" if search.HasField("best") else "-",
                    failed=search.evaluations_failed, busy=search.jobs_leased,
                    queued=search.jobs_in_flight - search.jobs_leased, refresh=True)
                if search.state != search_pb2.SEARCH_RUNNING:
                    return search
                if deadline is not None and time.monotonic() > deadline:
                    raise NasError(grpc.StatusCode.DEADLINE_EXCEEDED,
                                   f"search {search_id} still running after {timeout} s")
                time.sleep(poll)
                search = self.search(search_id)
        finally:
            bar.close()

    # Individuals.

    def individuals(self, search_id, as_frame=False):
        """Every Individual of the search in birth order (all pages), or with
        `as_frame` a pandas DataFrame of them (see individuals_frame)."""
        result, token = [], ""
        while True:
            page = self._call("ListIndividuals", service_pb2.ListIndividualsRequest(
                search_id=search_id, page_size=1000, page_token=token))
            result.extend(page.individuals)
            token = page.next_page_token
            if not token:
                break
        return frames.individuals_frame(result) if as_frame else result

    def individuals_frame(self, search_id):
        """A DataFrame, one row per individual in birth order: id, state,
        fitness (NaN unless evaluated), parameter_count, parent_id, mutation,
        architecture, times, ... and one column per metric."""
        return self.individuals(search_id, as_frame=True)

    def best(self, search_id):
        """The evaluated Individual with the highest fitness; NOT_FOUND if none."""
        return self._call("GetBestIndividual",
                          service_pb2.GetBestIndividualRequest(search_id=search_id))

    def pareto_front(self, search_id):
        """The evaluated Individuals no other dominates by the search's objectives, in birth order;
        each carries objective_values in the order of spec.objectives."""
        return list(self._call("GetParetoFront", service_pb2.GetParetoFrontRequest(
            search_id=search_id)).individuals)

    def lineage(self, individual_id):
        """The individual, then its parent, grandparent, ... back to a root."""
        return list(self._call("GetLineage", service_pb2.GetLineageRequest(
            individual_id=individual_id)).individuals)

    def epochs(self, search_id):
        """Every EpochProgress a supernet search's jobs reported, oldest first."""
        result = []
        while True:
            page = self._call("ListEpochProgress", service_pb2.ListEpochProgressRequest(
                search_id=search_id, skip=len(result))).epochs
            if not page:
                return result
            result.extend(page)

    # Workers and their logs.

    def workers(self, seen_within_seconds=0):
        """WorkerStatus of each worker heard from within `seen_within_seconds`
        (0 = a day), most recently seen first, with the jobs it holds."""
        return list(self._call("ListWorkers", service_pb2.ListWorkersRequest(
            seen_within_seconds=seen_within_seconds)).workers)

    def logs(self, search_id, individual=None):
        """Every JobLogLine workers sent for the search's jobs (or only
        `individual`'s), oldest first."""
        result = []
        while True:
            page = self._call("ListJobLogs", service_pb2.ListJobLogsRequest(
                search_id=search_id, individual_id=individual or 0, skip=len(result))).lines
            if not page:
                return result
            result.extend(page)

    # Export.

    def checkpoint(self, digest):
        """The bytes of a stored checkpoint (Individual.checkpoint), checked
        against the digest (DATA_LOSS if they differ)."""
        try:
            chunks = self._stub.DownloadCheckpoint(
                worker_service_pb2.DownloadCheckpointRequest(digest=digest), timeout=self.timeout)
            data = b"".join(chunk.data for chunk in chunks)
        except grpc.RpcError as e:
            raise from_rpc_error(e, f"checkpoint {digest}") from None
        if "sha256:" + hashlib.sha256(data).hexdigest() != digest:
            raise NasError(grpc.StatusCode.DATA_LOSS,
                           f"checkpoint {digest}: downloaded bytes do not match the digest")
        return data

    def export(self, search_id, out, individual=None, export_tool_path=None):
        """Writes the search's best individual (or `individual`, an id) as a
        TorchScript file at `out`, loadable with torch.jit.load, as `nasctl
        export` does: downloads the checkpoint and runs nas_export
        (`export_tool_path`, else found on PATH). When the search recorded a
        data description the module normalises images scaled to [0, 1] and
        carries class_names. Returns an ExportResult. FAILED_PRECONDITION when
        the individual has no weights (table lookups, unevaluated, not kept)
        or nas_export is not found."""
        if individual:
            chain = self.lineage(individual)
            if not chain or chain[0].id != individual:
                raise NasError(grpc.StatusCode.NOT_FOUND, f"no individual {individual}")
            chosen = chain[0]
            if search_id and chosen.search_id != search_id:
                raise invalid_argument(f"individual: {individual} belongs to search "
                                       f"{chosen.search_id}, not search {search_id}")
        elif search_id:
            chosen = self._best_network(search_id)
        else:
            raise invalid_argument("export: search_id or individual must be a positive id")
        search = self.search(chosen.search_id)
        export_tool.check_has_weights(search, chosen)
        tool = export_tool.find_tool(export_tool_path)
        data = self.checkpoint(chosen.checkpoint)
        try:
            kind, in_channels, num_classes = export_tool.run_tool(
                tool, chosen.architecture.text, data, str(out),
                search.data if search.HasField("data") else None)
        except NasError as e:
            raise NasError(e.code, f"individual {chosen.id}: {e.message}") from None
        return export_tool.ExportResult(str(out), chosen.id, search.id, chosen.fitness, kind,
                                        in_channels, num_classes)

    def _best_network(self, search_id):
        # A gradient search's only trained network is its retrain, whatever
        # the supernet's own validation accuracy.
        retrain = export_tool.retrain_birth(self.search(search_id).spec)
        if retrain is None:
            return self.best(search_id)
        for ind in self.individuals(search_id):
            if ind.birth_order == retrain:
                return ind
        raise NasError(grpc.StatusCode.NOT_FOUND, f"search {search_id} has not queued the "
                                                  f"retrain of its derived architecture yet")

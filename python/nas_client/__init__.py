"""Python client of the nas controller (nas.v1.SearchService).

    import nas_client
    client = nas_client.Client("127.0.0.1:50051")
    search = client.submit("deploy/specs/nasbench201_aging.textproto")
    client.watch(search.id)
    frame = client.individuals_frame(search.id)

The messages are nas_client.search_pb2 (SearchSpec, Search, Individual, ...)
and nas_client.service_pb2 (requests, WorkerStatus, JobLogLine, ...),
generated from proto/ when the package is built (build_stubs.py).
"""
from nas_client.client import Client
from nas_client.errors import NasError
from nas_client.export import ExportResult
from nas_client.frames import individuals_frame
from nas_client.proto import search_pb2
from nas_client.proto import search_service_pb2 as service_pb2
from nas_client.proto import worker_service_pb2

__all__ = ["Client", "NasError", "ExportResult", "individuals_frame", "search_pb2",
           "service_pb2", "worker_service_pb2"]

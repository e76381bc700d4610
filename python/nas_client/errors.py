"""The one exception nas_client raises: a gRPC status code and a message."""
import grpc


class NasError(Exception):
    """A failed call, or a request refused before it was sent.

    code:    a grpc.StatusCode. The controller's codes say what to do:
             INVALID_ARGUMENT (fix the request; the message names the field),
             NOT_FOUND, FAILED_PRECONDITION (do not retry), UNAVAILABLE (retry),
             UNAUTHENTICATED / PERMISSION_DENIED (the token).
    message: the controller's message (or this package's, for a request it
             refused itself, in the same style).
    """

    def __init__(self, code, message):
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


def from_rpc_error(error, context=""):
    """A NasError from a grpc.RpcError, its message prefixed with `context`."""
    message = error.details() or ""
    if context:
        message = f"{context}: {message}"
    return NasError(error.code(), message)


def invalid_argument(message):
    return NasError(grpc.StatusCode.INVALID_ARGUMENT, message)

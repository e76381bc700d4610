"""Turns what a user hands Client.submit into a nas.v1.SearchSpec."""
import os

from google.protobuf import json_format, text_format

from nas_client.errors import invalid_argument
from nas_client.proto import search_pb2


def _looks_like_path(text):
    # A text-format spec has a field name followed by ':' or '{'; a path has
    # neither and no line break.
    return "\n" not in text and ":" not in text and "{" not in text


def _parse_text(text, source):
    spec = search_pb2.SearchSpec()
    try:
        text_format.Parse(text, spec)
    except text_format.ParseError as e:
        raise invalid_argument(f"{source}: not a valid text-format nas.v1.SearchSpec: {e}") from None
    return spec


def to_spec(spec):
    """A SearchSpec from a message, a dict (protobuf JSON form), a path to a
    text-format file (str or os.PathLike) or a text-format string.

    Raises NasError(INVALID_ARGUMENT) naming the field (or the file) when it
    cannot be parsed; the controller validates the values themselves.
    """
    if isinstance(spec, search_pb2.SearchSpec):
        return spec
    if isinstance(spec, dict):
        message = search_pb2.SearchSpec()
        try:
            json_format.ParseDict(spec, message)
        except json_format.ParseError as e:
            raise invalid_argument(f"spec: not a valid nas.v1.SearchSpec dict: {e}") from None
        return message
    if isinstance(spec, os.PathLike) or (isinstance(spec, str) and os.path.isfile(spec)):
        path = os.fspath(spec)
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            raise invalid_argument(f"spec: cannot read spec file {path}: {e.strerror}") from None
        return _parse_text(text, path)
    if isinstance(spec, str):
        if _looks_like_path(spec.strip()) and spec.strip():
            raise invalid_argument(f"spec: no such spec file {spec}")
        return _parse_text(spec, "spec")
    raise invalid_argument(
        f"spec: expected a SearchSpec, a dict, a text-format string or a file path, "
        f"not {type(spec).__name__}")

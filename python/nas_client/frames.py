"""Individuals as a pandas DataFrame: one row per individual, metrics as columns."""
import math

import pandas as pd

from nas_client.proto import search_pb2

# The columns every frame has, in this order; the metrics follow, sorted.
BASE_COLUMNS = [
    "id", "search_id", "birth_order", "state", "fitness", "parameter_count", "parent_id",
    "mutation", "architecture", "hash", "seed", "alive", "aged_out_at", "create_time",
    "evaluate_time", "failure_reason", "checkpoint",
]


def _time(timestamp):
    # An unset Timestamp (seconds and nanos 0) is "never", not 1970.
    if timestamp.seconds == 0 and timestamp.nanos == 0:
        return pd.NaT
    return pd.Timestamp(timestamp.ToNanoseconds(), unit="ns", tz="UTC")


def state_name(state):
    """"evaluated" for INDIVIDUAL_EVALUATED, and so on."""
    return search_pb2.IndividualState.Name(state).removeprefix("INDIVIDUAL_").lower()


def metric_column(name):
    """The frame's column for metric `name`: the name itself, unless a base
    column has it (then "metric_" + name)."""
    return f"metric_{name}" if name in BASE_COLUMNS else name


def individuals_frame(individuals):
    """A DataFrame of `individuals` (nas.v1.Individual messages), in their order.

    fitness is NaN unless the individual was evaluated (the message says 0
    then); a metric an individual did not report is NaN; times are UTC
    timestamps, NaT when unset; state is "pending", "evaluated", "failed",
    "infeasible" or "cancelled".
    """
    rows = []
    metric_names = set()
    for ind in individuals:
        evaluated = ind.state == search_pb2.INDIVIDUAL_EVALUATED
        row = {
            "id": ind.id,
            "search_id": ind.search_id,
            "birth_order": ind.birth_order,
            "state": state_name(ind.state),
            "fitness": ind.fitness if evaluated else math.nan,
            "parameter_count": ind.parameter_count,
            "parent_id": ind.parent_id,
            "mutation": ind.mutation,
            "architecture": ind.architecture.text,
            "hash": ind.architecture.hash,
            "seed": ind.seed,
            "alive": ind.alive,
            "aged_out_at": ind.aged_out_at,
            "create_time": _time(ind.create_time),
            "evaluate_time": _time(ind.evaluate_time),
            "failure_reason": ind.failure_reason,
            "checkpoint": ind.checkpoint,
        }
        for name, value in ind.metrics.items():
            row[metric_column(name)] = value
            metric_names.add(metric_column(name))
        rows.append(row)
    columns = BASE_COLUMNS + sorted(metric_names)
    frame = pd.DataFrame(rows, columns=columns)
    # seed is a uint64: keep it exact rather than let pandas make it a float.
    frame["seed"] = frame["seed"].astype("uint64")
    return frame

# A notebook's cells, in the "# %%" cell format (editors such as VS Code and
# Spyder run them cell by cell; /usr/bin/python3 runs the file whole).
# docs/python.md shows these cells; python/tests/test_notebook.py runs this
# file against a real controller and worker and checks that the doc shows it
# as it is.
#
# Environment: NAS_CONTROLLER (host:port, default 127.0.0.1:50051),
# NAS_SHARED_DATA (the shared data folder, default ../shared/data),
# NAS_OUT (where the plot and the model go, default .); nas_export on PATH.

# %% Connect
import os

import nas_client

client = nas_client.Client(os.environ.get("NAS_CONTROLLER", "127.0.0.1:50051"))
data = os.path.abspath(os.environ.get("NAS_SHARED_DATA", "../shared/data"))
out = os.environ.get("NAS_OUT", ".")

# %% Submit: aging evolution over DARTS cells, trained on the 8x8 digits
spec = {
    "name": "notebook: aging evolution on digits",
    "space": {"dartsCell": {"nodes": 2}},
    "strategy": {"agingEvolution": {"populationSize": 3, "sampleSize": 2}},
    "budget": 6,
    "seed": "11",
    "training": {"epochs": 1, "batchSize": 64, "learningRate": 0.05, "momentum": 0.9,
                 "weightDecay": 3e-4, "initChannels": 4, "cells": 3},
    "dataset": {"format": "DIGITS_CSV", "path": f"{data}/digits/digits.csv.gz",
                "trainExamples": 600, "validationExamples": 300},
}
search = client.submit(spec)
print("created search", search.id)

# %% Watch: a progress bar until the budget is spent
search = client.watch(search.id)
print(nas_client.search_pb2.SearchState.Name(search.state), search.evaluations_done,
      "evaluations")

# %% Every individual as a DataFrame, one row each, metrics as columns
frame = client.individuals_frame(search.id)
print(frame[["birth_order", "fitness", "parameter_count", "parent_id", "mutation"]])

# %% Plot fitness per evaluation and the best so far, with pandas
evaluated = frame.dropna(subset=["fitness"]).sort_values("evaluate_time")
curve = evaluated["fitness"].reset_index(drop=True).to_frame("fitness")
curve["best so far"] = curve["fitness"].cummax()
axes = curve.plot(marker="o", xlabel="evaluation", ylabel="validation accuracy")
axes.figure.savefig(os.path.join(out, "fitness.png"))

# %% Best
best = client.best(search.id)
print(f"best: individual {best.id}, accuracy {best.fitness:.4f}, "
      f"{best.parameter_count} parameters")
print(best.architecture.text)

# %% Lineage: the best individual, its parent, grandparent, ...
for ind in client.lineage(best.id):
    print(f"individual {ind.id} (birth {ind.birth_order}) {ind.fitness:.4f} via {ind.mutation}")

# %% Export the best network as TorchScript and run it
import torch

exported = client.export(search.id, os.path.join(out, "model.pt"))
model = torch.jit.load(exported.path)
logits = model(torch.rand(4, exported.in_channels, 8, 8))
print(f"exported individual {exported.individual_id} ({exported.kind}):",
      "classes", model.class_names, "logits", tuple(logits.shape))

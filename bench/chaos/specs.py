"""Search specs of the chaos benchmark, one per kind of work, small enough that
each job takes seconds on one core (digits from ../shared/data)."""

# Aging evolution on NAS-Bench-201 by table lookup: no training.
TABLE = """name: "chaos table {n}"
space {{ nasbench201 {{}} }}
strategy {{ aging_evolution {{ population_size: 10 sample_size: 3 }} }}
budget: 150
seed: {n}
lease_seconds: 5
max_attempts: 8
table_lookup {{
  table_path: "{data}/nasbench201/nb201_cifar10_test_acc.csv"
  cell_column: "arch"
  fitness_column: "cifar10_test_acc_200ep"
}}
"""

# Aging evolution over DARTS cells trained on the digits; epochs are
# reported (median stopping with more candidates than it will ever see, so
# none is stopped), which gives the moments "epoch under way", "report due".
TRAINING = """name: "chaos training {n}"
space {{ darts_cell {{ nodes: 2 }} }}
strategy {{ aging_evolution {{ population_size: 4 sample_size: 2 }} }}
early_stopping {{ median_stopping {{ min_epochs: 1 min_candidates: 100000 }} }}
budget: 8
seed: {n}
lease_seconds: 5
max_attempts: 8
training {{ epochs: 3 batch_size: 64 learning_rate: 0.05 momentum: 0.9 weight_decay: 0.0003
           init_channels: 4 cells: 3 }}
dataset {{ format: DIGITS_CSV path: "{data}/digits/digits.csv.gz"
          train_examples: 600 validation_examples: 300 }}
"""

# NASH hill climbing on the digits: weight inheritance through checkpoints.
NASH = """name: "chaos nash {n}"
space {{ convnet {{}} }}
strategy {{ nash {{ n_steps: 2 n_neighbours: 2 n_morphisms: 2 start_epochs: 2
                   neighbour_epochs: 1 final_epochs: 1 }} }}
budget: 6
seed: {n}
lease_seconds: 5
max_attempts: 8
training {{ epochs: 1 batch_size: 64 learning_rate: 0.05 momentum: 0.9 weight_decay: 0.0005
           init_channels: 4 cells: 3 }}
dataset {{ format: DIGITS_CSV path: "{data}/digits/digits.csv.gz"
          train_examples: 600 validation_examples: 300 }}
"""

# PC-DARTS supernet search with its retrain: per-epoch progress and resume
# checkpoints.
SUPERNET = """name: "chaos supernet {n}"
space {{ darts_cell {{ nodes: 2 }} }}
strategy {{ supernet {{ method: PC_DARTS partial_k: 2 epochs: 3 batch_size: 32 cells: 2
                       init_channels: 4 retrain: true }} }}
budget: 2
seed: {n}
lease_seconds: 5
max_attempts: 8
training {{ epochs: 2 batch_size: 64 learning_rate: 0.05 momentum: 0.9 weight_decay: 0.0003
           init_channels: 4 cells: 3 }}
dataset {{ format: DIGITS_CSV path: "{data}/digits/digits.csv.gz"
          train_examples: 600 validation_examples: 300 }}
"""

KINDS = {"table": TABLE, "training": TRAINING, "nash": NASH, "supernet": SUPERNET}

# The worker flags of each kind (--job_kinds).
WORKER_KINDS = {
    "table": "table_lookup",
    "training": "train_candidate",
    "nash": "train_morphed",
    "supernet": "supernet_search,train_candidate",
}

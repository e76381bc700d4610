// The searches the browser test submits through the JSON API (SearchSpec in
// protobuf's JSON mapping). Table lookups on the NAS-Bench-201 table cost no
// training, so a search of thousands of individuals takes seconds.

export function tableLookup(table, fitnessColumn = 'cifar10_test_acc_200ep') {
  return {tablePath: table, cellColumn: 'arch', fitnessColumn};
}

export function agingEvolution(name, table, budget, seed) {
  return {
    name, budget, seed: String(seed), space: {nasbench201: {}},
    strategy: {agingEvolution: {populationSize: 20, sampleSize: 5}},
    tableLookup: tableLookup(table),
  };
}

export function randomLookup(name, table, budget, fitnessColumn) {
  return {
    name, budget, seed: '3', maxAttempts: 1, space: {nasbench201: {}}, strategy: {random: {}},
    tableLookup: tableLookup(table, fitnessColumn),
  };
}

// Trains candidates: the test runs no worker that accepts TRAIN_CANDIDATE
// jobs, so this search never gets an evaluation.
export function trainingSearch(name, digits) {
  return {
    name, budget: 4, seed: '5', space: {dartsCell: {nodes: 3}}, strategy: {random: {}},
    training: {epochs: 1, batchSize: 32, learningRate: 0.05, momentum: 0.9, initChannels: 8, cells: 1},
    dataset: {format: 'DIGITS_CSV', path: digits, validationExamples: 200},
  };
}

// A tiny DARTS supernet search on the digits (3 epochs of a 2-node cell):
// seconds on one core, and it reports epochs with architecture weights.
export function supernetSearch(name, digits) {
  return {
    name, budget: 1, seed: '7', space: {dartsCell: {nodes: 2}},
    strategy: {supernet: {method: 'DARTS', epochs: 3, batchSize: 32, cells: 2, initChannels: 4}},
    training: {epochs: 1, batchSize: 64, learningRate: 0.05, momentum: 0.9, initChannels: 4, cells: 3},
    dataset: {format: 'DIGITS_CSV', path: digits, validationExamples: 300, trainExamples: 600},
  };
}

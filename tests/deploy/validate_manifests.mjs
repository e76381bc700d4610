// Validates deploy/k8s against the Kubernetes schema (kubernetes-models) and
// checks what the deployment relies on: two controller replicas behind a
// Service, GPU workers, a PostgreSQL StatefulSet, and that every Secret and
// ConfigMap key a pod references is defined.
//   NAS_NODE_MODULES=DIR node validate_manifests.mjs FILE.yaml...
// DIR holds kubernetes-models and js-yaml (scripts/install_deps.sh installs
// them). kubernetes-models is ESM-only, so it is imported by file path.
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';

const modules = process.env.NAS_NODE_MODULES;
if (!modules) {
  console.error('NAS_NODE_MODULES is not set: run through scripts/test.sh');
  process.exit(2);
}
const yaml = createRequire(path.join(modules, 'x.js'))('js-yaml');
const MODELS = {
  'apps/v1': await import(path.join(modules, 'kubernetes-models/apps/v1/index.js')),
  'v1': await import(path.join(modules, 'kubernetes-models/v1/index.js')),
};

let failures = 0;
function check(condition, message) {
  if (!condition) {
    failures++;
    console.error('FAIL: ' + message);
  }
}

const objects = [];
for (const file of process.argv.slice(2)) {
  for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8'))) {
    if (doc === null) continue;
    const where = `${file}: ${doc.kind}/${doc.metadata && doc.metadata.name}`;
    const group = MODELS[doc.apiVersion];
    const Model = group && group[doc.kind];
    check(Model !== undefined, `${where}: unknown apiVersion/kind ${doc.apiVersion} ${doc.kind}`);
    if (Model === undefined) continue;
    try {
      new Model(doc).validate();
    } catch (e) {
      check(false, `${where}: ${e.message}`);
    }
    objects.push(doc);
  }
}

const find = (kind, name) => objects.find(o => o.kind === kind && o.metadata.name === name);
const controller = find('Deployment', 'nas-controller');
check(controller && controller.spec.replicas === 2, 'controller Deployment with 2 replicas');
check(find('Service', 'nas-controller'), 'controller Service');
const worker = find('Deployment', 'nas-worker');
const gpu = worker && worker.spec.template.spec.containers[0].resources.limits['nvidia.com/gpu'];
check(gpu >= 1, 'worker Deployment requests nvidia.com/gpu');
check(find('StatefulSet', 'nas-postgres'), 'PostgreSQL StatefulSet');
check(find('Service', 'nas-postgres'), 'PostgreSQL Service');

// Every referenced Secret/ConfigMap key exists.
function keysOf(kind, name) {
  const o = find(kind, name);
  if (!o) return null;
  return Object.keys(Object.assign({}, o.data || {}, o.stringData || {}));
}
for (const o of objects.filter(o => o.spec && o.spec.template)) {
  const pod = o.spec.template.spec;
  for (const c of pod.containers) {
    for (const e of c.env || []) {
      const from = e.valueFrom || {};
      for (const [ref, kind] of [[from.secretKeyRef, 'Secret'], [from.configMapKeyRef, 'ConfigMap']]) {
        if (!ref) continue;
        const keys = keysOf(kind, ref.name);
        check(keys && keys.includes(ref.key), `${o.metadata.name}: ${kind} ${ref.name} has key ${ref.key}`);
      }
    }
    const mounted = new Set([...(pod.volumes || []), ...(o.spec.volumeClaimTemplates || [])]
                                .map(v => v.name || v.metadata.name));
    for (const m of c.volumeMounts || []) check(mounted.has(m.name), `${o.metadata.name}: volume ${m.name} defined`);
  }
  for (const v of pod.volumes || []) {
    if (!v.secret) continue;
    const keys = keysOf('Secret', v.secret.secretName);
    check(keys !== null, `${o.metadata.name}: Secret ${v.secret.secretName} defined`);
    for (const item of v.secret.items || []) {
      check(keys && keys.includes(item.key), `${o.metadata.name}: Secret ${v.secret.secretName} has key ${item.key}`);
    }
  }
}

console.log(`${objects.length} objects validated, ${failures} problem(s)`);
process.exit(failures === 0 ? 0 : 1);

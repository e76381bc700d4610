// Validates one rendered deploy/k8s variant: every object against its schema
// (kubernetes-models; KEDA's and the Prometheus Operator's from
// @kubernetes-models/keda and /prometheus-operator), then that it
// deploys as written: every volume, Secret and ConfigMap key, volume claim,
// Service port and image resolves, every probe hits an endpoint its binary
// serves (served_endpoints.mjs), metrics are scraped, no password is on a
// command line, workers trust a CA rather than the server's certificate, pods
// run non-root on read-only root filesystems behind NetworkPolicies.
//   NAS_NODE_MODULES=DIR node validate_manifests.mjs KUSTOMIZATION_DIR RENDERED.yaml [SUPPLIED.yaml...]
// SUPPLIED files hold objects made outside kustomize (create_secrets.sh's
// Secrets). Prints one FAIL line per problem; exit status 1 if any.
import fs from 'node:fs';
import path from 'node:path';
import {createRequire} from 'node:module';
import {SERVED, METRICS} from './served_endpoints.mjs';

const modules = process.env.NAS_NODE_MODULES;
if (!modules) {
  console.error('NAS_NODE_MODULES is not set: run through scripts/test.sh');
  process.exit(2);
}
const [kustomizationDir, rendered, ...supplied] = process.argv.slice(2);
if (!rendered) {
  console.error('usage: validate_manifests.mjs KUSTOMIZATION_DIR RENDERED.yaml [SUPPLIED.yaml...]');
  process.exit(2);
}
const yaml = createRequire(path.join(modules, 'x.js'))('js-yaml');
const load = async sub => import(path.join(modules, sub));
const MODELS = {
  'v1': await load('kubernetes-models/v1/index.js'),
  'apps/v1': await load('kubernetes-models/apps/v1/index.js'),
  'policy/v1': await load('kubernetes-models/policy/v1/index.js'),
  'networking.k8s.io/v1': await load('kubernetes-models/networking.k8s.io/v1/index.js'),
  'keda.sh/v1alpha1': await load('@kubernetes-models/keda/keda.sh/v1alpha1/index.js'),
  'monitoring.coreos.com/v1': await load('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/index.js'),
};

let failures = 0;
function check(condition, message) {
  if (!condition) {
    failures++;
    console.error('FAIL: ' + message);
  }
  return condition;
}

const objects = [];
for (const file of [rendered, ...supplied]) {
  for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8'))) {
    if (doc === null) continue;
    const where = `${doc.kind}/${doc.metadata && doc.metadata.name}`;
    const Model = (MODELS[doc.apiVersion] || {})[doc.kind];
    if (!check(Model !== undefined, `${where}: no schema for ${doc.apiVersion} ${doc.kind}`)) continue;
    try {
      new Model(doc).validate();
    } catch (e) {
      check(false, `${where}: schema: ${e.message}`);
    }
    objects.push(doc);
  }
}
const find = (kind, name) => objects.find(o => o.kind === kind && o.metadata.name === name);
const workloads = objects.filter(o => ['Deployment', 'StatefulSet'].includes(o.kind));
const selects = (selector, labels) =>
  Object.entries(selector || {}).every(([k, v]) => (labels || {})[k] === v);
// A LabelSelector (matchLabels and In expressions) against labels.
const selectsAll = (selector, labels) => selects(selector.matchLabels, labels) &&
    (selector.matchExpressions || []).every(e => e.operator === 'In' && e.values.includes((labels || {})[e.key]));
const selected = selector => workloads.filter(w => selects(selector, w.spec.template.metadata.labels));

// The images: entries of the kustomization and every local base it builds on.
function imageParameters(dir) {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization']
                   .map(f => path.join(dir, f)).find(f => fs.existsSync(f));
  if (!file) return [];
  const k = yaml.load(fs.readFileSync(file, 'utf8'));
  const own = (k.images || []).map(i => `${i.newName || i.name}:${i.newTag}`);
  const bases = (k.resources || []).map(r => path.join(dir, r))
                    .filter(r => fs.existsSync(r) && fs.statSync(r).isDirectory());
  return own.concat(...bases.map(imageParameters));
}
const parameters = imageParameters(kustomizationDir);
// registry/name:tag, the registry a host name (with a dot or port) or localhost.
const IMAGE = /^(localhost|[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]+|[a-z0-9.-]+:[0-9]+)(\/[a-z0-9._-]+)+:[A-Za-z0-9_][A-Za-z0-9._-]*$/;

// Keys a Secret or ConfigMap provides, or null when neither rendered nor supplied.
function keysOf(kind, name) {
  const o = find(kind, name);
  return o ? Object.keys(Object.assign({}, o.data || {}, o.stringData || {}, o.binaryData || {})) : null;
}

// Files a volume provides, relative to its mount path, with where they come from.
function volumeFiles(w, volume) {
  for (const [field, kind, nameField] of [['secret', 'Secret', 'secretName'], ['configMap', 'ConfigMap', 'name']]) {
    const source = volume[field];
    if (!source) continue;
    const name = source[nameField];
    const keys = keysOf(kind, name);
    if (!check(keys !== null, `${w}: volume ${volume.name}: ${kind} ${name} is not defined`)) return [];
    const items = source.items || keys.map(key => ({key, path: key}));
    for (const item of items) {
      check(keys.includes(item.key), `${w}: volume ${volume.name}: ${kind} ${name} has no key ${item.key}`);
    }
    return items.map(item => ({path: item.path, source: `${kind}/${name}`}));
  }
  if (volume.persistentVolumeClaim) {
    const claim = volume.persistentVolumeClaim.claimName;
    check(find('PersistentVolumeClaim', claim), `${w}: volume ${volume.name}: PersistentVolumeClaim ${claim} is not defined`);
  }
  return null;  // Any file (emptyDir, a volume claim).
}

// The value of $(VAR) references in an argument, from the container's env.
function expand(arg, container) {
  return arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name) => {
    const e = (container.env || []).find(x => x.name === name);
    if (!e) return whole;
    if (e.value !== undefined) return e.value;
    const ref = e.valueFrom && e.valueFrom.configMapKeyRef;
    const cm = ref && find('ConfigMap', ref.name);
    return cm && cm.data && cm.data[ref.key] !== undefined ? cm.data[ref.key] : whole;
  });
}

const flagsOf = c => Object.fromEntries((c.args || []).map(a => a.match(/^--([a-z_]+)=(.*)$/s)).filter(Boolean)
                                            .map(m => [m[1], m[2]]));
const fileSources = {};  // "workload/flag" -> Secret/ConfigMap it comes from.

function checkContainer(w, o, pod, c) {
  const where = `${w}/${c.name}`;
  const binary = path.basename((c.command || [])[0] || '');
  const served = SERVED[binary];
  const flags = flagsOf(c);

  check(IMAGE.test(c.image || '') && !/:latest$/.test(c.image),
        `${where}: image ${c.image} is not registry/name:tag (a fixed tag, not latest)`);
  check(parameters.includes(c.image), `${where}: image ${c.image} is not set by an images: entry of the kustomization`);

  const sc = c.securityContext || {};
  check((sc.runAsNonRoot ?? (pod.securityContext || {}).runAsNonRoot) === true, `${where}: runAsNonRoot is not true`);
  check(sc.readOnlyRootFilesystem === true, `${where}: readOnlyRootFilesystem is not true`);
  check(sc.allowPrivilegeEscalation === false, `${where}: allowPrivilegeEscalation is not false`);

  for (const e of c.env || []) {
    const from = e.valueFrom || {};
    for (const [ref, kind] of [[from.secretKeyRef, 'Secret'], [from.configMapKeyRef, 'ConfigMap']]) {
      if (!ref || ref.optional) continue;
      const keys = keysOf(kind, ref.name);
      check(keys && keys.includes(ref.key), `${where}: env ${e.name}: ${kind} ${ref.name} has no key ${ref.key}`);
    }
  }
  for (const a of [...(c.command || []), ...(c.args || [])]) {
    check(!/password/i.test(a), `${where}: a password on the command line: ${a}`);
  }

  // Mounts resolve, and every --*_file flag names a file some volume provides.
  const claims = (o.spec.volumeClaimTemplates || []).map(t => ({name: t.metadata.name}));
  const volumes = [...(pod.volumes || []), ...claims];
  const mounts = (c.volumeMounts || []).map(m => {
    const v = volumes.find(v => v.name === m.name);
    check(v, `${where}: volumeMount ${m.name} has no volume`);
    return {mount: m, files: v ? volumeFiles(w, v) : []};
  });
  for (const [flag, value] of Object.entries(flags)) {
    if (!flag.endsWith('_file')) continue;
    const m = mounts.find(m => value.startsWith(m.mount.mountPath.replace(/\/?$/, '/')));
    if (!check(m, `${where}: --${flag}=${value} is on no mounted volume`)) continue;
    if (m.files === null) continue;
    const rel = value.slice(m.mount.mountPath.replace(/\/?$/, '/').length);
    const file = m.files.find(f => f.path === rel);
    check(file, `${where}: --${flag}=${value}: volume ${m.mount.name} provides no ${rel}`);
    if (file) fileSources[`${binary}/${flag}`] = file.source;
  }

  if (binary === 'nas_controller') {
    const pg = (c.env || []).find(e => e.name === 'PGPASSWORD');
    check(pg && pg.valueFrom && pg.valueFrom.secretKeyRef, `${where}: PGPASSWORD does not come from a Secret`);
  }

  // Ports: what the container declares, what the binary listens on.
  const declared = c.ports || [];
  const portNumber = p => typeof p === 'number' ? p : (declared.find(d => d.name === p) || {}).containerPort;
  const listeners = {};  // port -> endpoint
  if (served) {
    for (const [flag, endpoint] of Object.entries(served)) {
      if (flags[flag] === undefined) continue;
      const port = Number(flags[flag].split(':').pop());
      listeners[port] = {flag, ...endpoint, tls: Boolean(endpoint.tlsWith && flags[endpoint.tlsWith])};
    }
    for (const d of declared) {
      check(listeners[d.containerPort], `${where}: port ${d.name || d.containerPort} (${d.containerPort}) is not one ${binary} listens on`);
    }
    const metrics = Object.values(listeners).find(l => l.flag === 'metrics_listen');
    const annotations = o.spec.template.metadata.annotations || {};
    if (check(metrics, `${where}: ${binary} serves no metrics (--metrics_listen)`)) {
      const port = Number(flags.metrics_listen.split(':').pop());
      check(annotations['prometheus.io/scrape'] === 'true' && Number(annotations['prometheus.io/port']) === port &&
                annotations['prometheus.io/path'] === '/metrics',
            `${where}: prometheus.io/scrape, port and path annotations do not name --metrics_listen's /metrics`);
    }
  }
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const probe = c[kind];
    if (!probe) {
      check(!served || kind === 'startupProbe', `${where}: no ${kind}`);
      continue;
    }
    if (probe.exec) continue;
    const action = probe.grpc || probe.httpGet || probe.tcpSocket;
    const port = portNumber(action.port);
    if (!check(declared.some(d => d.containerPort === port), `${where}: ${kind} port ${action.port} is not declared`)) continue;
    if (!served) continue;
    const l = listeners[port];
    if (!l) continue;  // Reported above as a declared port the binary does not serve.
    if (probe.grpc) {
      check(l.protocol === 'grpc' && l.grpcHealth, `${where}: ${kind}: port ${port} serves no grpc.health.v1`);
      check(!l.tls, `${where}: ${kind}: the kubelet's gRPC probe cannot speak TLS to --${l.flag}`);
    } else if (probe.httpGet) {
      check(l.protocol === 'http' && l.paths.includes(probe.httpGet.path) && !l.tls,
            `${where}: ${kind}: ${binary} serves no plaintext HTTP ${probe.httpGet.path} on port ${port}`);
    } else {
      // Liveness may be a TCP connect: it must not follow the database,
      // which grpc.health.v1 does (restarting would not bring it back).
      check(kind === 'livenessProbe' || !(l.grpcHealth && !l.tls),
            `${where}: ${kind}: a TCP probe where --${l.flag} serves grpc.health.v1 (use grpc:)`);
    }
  }

  // A --controller=host:port resolves to a Service port.
  if (flags.controller !== undefined) {
    const [host, port] = expand(flags.controller, c).split(':');
    const svc = find('Service', host.split('.')[0]);
    check(svc && svc.spec.ports.some(p => p.port === Number(port)),
          `${where}: --controller=${expand(flags.controller, c)} names no Service port`);
  }
}

for (const o of workloads) {
  const w = `${o.kind}/${o.metadata.name}`;
  const pod = o.spec.template.spec;
  for (const c of pod.containers) checkContainer(w, o, pod, c);
  const policies = objects.filter(p => p.kind === 'NetworkPolicy' && selects(p.spec.podSelector.matchLabels, o.spec.template.metadata.labels));
  check(policies.some(p => (p.spec.policyTypes || ['Ingress']).includes('Ingress')), `${w}: no NetworkPolicy limits who reaches it`);
  // PostgreSQL: reached by the controller alone.
  if (pod.containers.some(c => (c.ports || []).some(p => p.containerPort === 5432))) {
    for (const p of policies) {
      for (const rule of p.spec.ingress || []) {
        for (const peer of rule.from || [{}]) {
          const peers = peer.podSelector ? selected(peer.podSelector.matchLabels) : [];
          check(peer.podSelector && !peer.namespaceSelector && peers.length > 0 &&
                    peers.every(x => x.metadata.name === 'nas-controller'),
                `${w}: NetworkPolicy ${p.metadata.name} lets more than the controller reach PostgreSQL`);
        }
      }
    }
  }
}

// Workers trust the CA that signed the controller's certificate, not the certificate.
if (fileSources['nas_worker/tls_ca_file']) {
  check(fileSources['nas_worker/tls_ca_file'] !== fileSources['nas_controller/tls_cert_file'],
        `nas_worker --tls_ca_file comes from ${fileSources['nas_worker/tls_ca_file']}, the controller's own certificate`);
}

// A named or numbered port resolves in every pod a selector picks.
function portIn(w, port) {
  return w.spec.template.spec.containers.some(c => (c.ports || []).some(p => p.name === port || p.containerPort === port));
}
for (const s of objects.filter(o => o.kind === 'Service')) {
  const pods = selected(s.spec.selector);
  if (!check(pods.length > 0, `Service/${s.metadata.name}: selects no pod`)) continue;
  for (const p of s.spec.ports) {
    const target = p.targetPort ?? p.port;
    for (const w of pods) {
      check(portIn(w, target), `Service/${s.metadata.name}: port ${p.name || p.port} -> ${target}: ${w.metadata.name} declares no such container port`);
    }
  }
}
for (const p of objects.filter(o => o.kind === 'PodDisruptionBudget')) {
  check(selected(p.spec.selector.matchLabels).length > 0, `PodDisruptionBudget/${p.metadata.name}: selects no pod`);
}
for (const p of objects.filter(o => o.kind === 'NetworkPolicy')) {
  const where = `NetworkPolicy/${p.metadata.name}`;
  const pods = selected(p.spec.podSelector.matchLabels);
  if (!check(pods.length > 0, `${where}: selects no pod`)) continue;
  for (const rule of p.spec.ingress || []) {
    for (const port of (rule.ports || []).map(x => x.port).filter(x => typeof x === 'string')) {
      check(pods.every(w => portIn(w, port)), `${where}: ingress port ${port} is not declared by every pod it selects`);
    }
    for (const peer of rule.from || []) {
      // nas-client: "true" is the label clients carry (docs/operations.md#running-on-kubernetes).
      if (!peer.podSelector || selects(peer.podSelector.matchLabels, {'nas-client': 'true'})) continue;
      check(selected(peer.podSelector.matchLabels).length > 0, `${where}: an ingress peer selects no pod`);
    }
  }
  for (const rule of p.spec.egress || []) {
    for (const peer of rule.to || []) {
      if (!peer.podSelector) continue;
      const peers = selected(peer.podSelector.matchLabels);
      check(peers.length > 0, `${where}: an egress peer selects no pod`);
      for (const port of (rule.ports || []).map(x => x.port).filter(x => typeof x === 'string')) {
        check(peers.every(w => portIn(w, port)), `${where}: egress port ${port} is not declared by its peers`);
      }
    }
  }
}

// Prometheus Operator scrapes reach every nas binary's --metrics_listen.
const scraped = new Set();
for (const m of objects.filter(o => o.kind === 'PodMonitor')) {
  const where = `PodMonitor/${m.metadata.name}`;
  const pods = workloads.filter(w => selectsAll(m.spec.selector, w.spec.template.metadata.labels));
  check(pods.length > 0, `${where}: selects no pod`);
  for (const e of m.spec.podMetricsEndpoints) {
    for (const w of pods) {
      for (const c of w.spec.template.spec.containers) {
        const listen = flagsOf(c).metrics_listen;
        const p = (c.ports || []).find(p => p.name === e.port);
        if (p && listen && Number(listen.split(':').pop()) === p.containerPort && e.path === '/metrics') scraped.add(w);
      }
    }
  }
}
if (objects.some(o => o.kind === 'PodMonitor')) {
  for (const w of workloads.filter(w => w.spec.template.spec.containers.some(c => SERVED[path.basename((c.command || [])[0] || '')]))) {
    check(scraped.has(w), `${w.kind}/${w.metadata.name}: no PodMonitor endpoint scrapes its --metrics_listen /metrics`);
  }
}

// Autoscaling: on a Deployment that exists, by metrics the controller exports.
for (const s of objects.filter(o => o.kind === 'ScaledObject')) {
  const where = `ScaledObject/${s.metadata.name}`;
  check(find('Deployment', s.spec.scaleTargetRef.name), `${where}: scales ${s.spec.scaleTargetRef.name}, no Deployment`);
  for (const t of s.spec.triggers) {
    if (t.type !== 'prometheus') continue;
    const names = (t.metadata.query || '').match(/nas_[a-z_]+/g) || [];
    check(names.length > 0, `${where}: its query reads no nas_ metric`);
    for (const n of names) check(METRICS.nas_controller.includes(n), `${where}: the controller exports no ${n}`);
  }
}

console.log(`${objects.length} objects validated, ${failures} problem(s)`);
process.exit(failures === 0 ? 0 : 1);

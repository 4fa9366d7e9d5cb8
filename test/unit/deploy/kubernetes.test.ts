/**
 * deploy/kubernetes (docs/deployment.md "Kubernetes"): every manifest of the kustomize base and its components is
 * validated against the Kubernetes API schemas (kubernetes-models, and the Prometheus Operator's for the
 * ServiceMonitor), and the pieces agree with each other and with Airlock itself: the ConfigMap's airlock.yaml
 * loads with Airlock's own config loader, probes hit the internal listener's health endpoints, selectors match
 * the pods, every ${env:...} the config names is set from the Secret, the NetworkPolicy admits only Airlock to
 * Airflow's webserver, and the pods run non-root on a read-only root filesystem.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { parseConfig } from '../../../src/config/index.ts';

const root = resolve(import.meta.dirname, '../../..');
const kdir = join(root, 'deploy', 'kubernetes');

interface Manifest { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [k: string]: unknown }

interface Kustomization { resources: string[]; labels?: Array<{ pairs: Record<string, string> }> }
function kustomization(dir: string): Kustomization {
  return parseYaml(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Kustomization;
}

function manifests(dir: string): Manifest[] {
  return kustomization(dir).resources.flatMap((file) => {
    assert.ok(existsSync(join(dir, file)), `${file} listed in ${dir}/kustomization.yaml exists`);
    return parseAllDocuments(readFileSync(join(dir, file), 'utf8')).map((d) => {
      assert.deepEqual(d.errors, [], `${file} is valid YAML`);
      return d.toJS() as Manifest;
    });
  });
}

async function modelFor(m: Manifest): Promise<new (data: unknown) => { validate(): void }> {
  const mod = m.apiVersion.startsWith('monitoring.coreos.com/')
    ? await import(`@kubernetes-models/prometheus-operator/${m.apiVersion}/${m.kind}`)
    : await import(`kubernetes-models/${m.apiVersion}/${m.kind}`);
  return mod[m.kind];
}

const base = manifests(join(kdir, 'base'));
const byKind = (kind: string) => base.filter((m) => m.kind === kind);
const one = (kind: string, name?: string) => {
  const found = byKind(kind).filter((m) => name === undefined || m.metadata.name === name);
  assert.equal(found.length, 1, `one ${kind}${name ? ` ${name}` : ''}`);
  return found[0] as any; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const deployment = one('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const podLabels: Record<string, string> = deployment.spec.template.metadata.labels;
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

test('every manifest of the base and its components validates against the Kubernetes API schemas', async () => {
  const all = [...base, ...manifests(join(kdir, 'components', 'servicemonitor'))];
  assert.deepEqual([...new Set(all.map((m) => m.kind))].sort(),
    ['ConfigMap', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ServiceMonitor']);
  for (const m of all) {
    const Model = await modelFor(m);
    assert.doesNotThrow(() => new Model(m).validate(), `${m.kind} ${m.metadata.name}`);
  }
  // the schemas do refuse a broken manifest (the check is not vacuous)
  const Model = await modelFor(deployment);
  const broken = structuredClone(deployment);
  broken.spec.template.spec.containers[0].ports[0].containerPort = 'eighty';
  assert.throws(() => new Model(broken).validate());
});

test('the ConfigMap holds a config Airlock loads, with secrets only as ${env:...} from the Secret', () => {
  const text: string = one('ConfigMap', 'airlock-config').data['airlock.yaml'];
  const envNames = [...text.matchAll(/\$\{env:([A-Z0-9_]+)\}/g)].map((m) => m[1]!);
  const fromSecret = Object.fromEntries((container.env as Array<{ name: string; valueFrom?: { secretKeyRef?: { name: string } } }>)
    .map((e) => [e.name, e.valueFrom?.secretKeyRef?.name]));
  assert.deepEqual(envNames.sort(), ['AIRLOCK_CLIENT_SECRET', 'AIRLOCK_DATABASE_URL']);
  for (const name of envNames) assert.equal(fromSecret[name], 'airlock-secrets', `${name} comes from the Secret`);
  const cfg = parseConfig(text, {
    source: 'configmap/airlock.yaml', baseDir: '/etc/airlock',
    env: { AIRLOCK_CLIENT_SECRET: 'x'.repeat(32), AIRLOCK_DATABASE_URL: 'postgres://airlock:pw@postgres:5432/airlock' },
  });
  assert.equal(cfg.store.kind, 'postgres', 'replicas share PostgreSQL');
  assert.equal(cfg.workers, 'auto');
  assert.equal(cfg.listen.port, container.ports.find((p: { name: string }) => p.name === 'http').containerPort);
  const internal = (cfg as unknown as { internal_listen?: { port: number } }).internal_listen;
  assert.ok(internal, 'an internal listener for probes, the JWKS and metrics');
  assert.equal(internal.port, container.ports.find((p: { name: string }) => p.name === 'internal').containerPort);
  // the config is mounted where the container's args point
  assert.deepEqual(container.args, ['serve', '--config', '/etc/airlock/airlock.yaml']);
  assert.equal(container.volumeMounts[0].mountPath, '/etc/airlock');
  assert.equal(pod.volumes[0].configMap.name, 'airlock-config');
});

test('probes hit the health endpoints on the internal port', () => {
  assert.deepEqual(container.livenessProbe.httpGet, { path: '/.airlock/healthz', port: 'internal' });
  assert.deepEqual(container.startupProbe.httpGet, { path: '/.airlock/healthz', port: 'internal' });
  assert.deepEqual(container.readinessProbe.httpGet, { path: '/.airlock/readyz', port: 'internal' });
});

test('pods run as non-root with a read-only root filesystem, no privilege escalation, no capabilities', () => {
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.ok(pod.securityContext.runAsUser >= 1000);
  assert.equal(pod.automountServiceAccountToken, false);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
  assert.ok(container.resources.requests.cpu && container.resources.requests.memory, 'resource requests');
  assert.ok(container.resources.limits.cpu, 'a CPU limit: workers: auto sizes itself from it');
});

test('several replicas, a PodDisruptionBudget and Services all select the gateway pods', () => {
  assert.ok(deployment.spec.replicas >= 2, 'HA: at least two replicas');
  assert.ok(selects(deployment.spec.selector.matchLabels, podLabels));
  assert.ok(selects(one('PodDisruptionBudget').spec.selector.matchLabels, podLabels));
  for (const svc of byKind('Service') as any[]) assert.ok(selects(svc.spec.selector, podLabels), `Service ${svc.metadata.name}`); // eslint-disable-line @typescript-eslint/no-explicit-any
  const sm = manifests(join(kdir, 'components', 'servicemonitor'))[0] as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const internalSvc = one('Service', 'airlock-internal');
  assert.ok(selects(sm.spec.selector.matchLabels, { ...internalSvc.metadata.labels, ...kustomization(join(kdir, 'base')).labels?.[0]?.pairs }));
  assert.equal(sm.spec.endpoints[0].path, '/.airlock/metrics');
  assert.equal(sm.spec.endpoints[0].port, internalSvc.spec.ports[0].name);
});

test("only Airlock's pods may reach Airflow's webserver", () => {
  const np = one('NetworkPolicy', 'airflow-webserver-only-from-airlock');
  assert.deepEqual(np.spec.policyTypes, ['Ingress']);
  assert.equal(np.spec.ingress.length, 1);
  const from = np.spec.ingress[0].from;
  assert.equal(from.length, 1);
  assert.ok(selects(from[0].podSelector.matchLabels, podLabels), 'the one allowed peer is the gateway');
  assert.ok(!selects(np.spec.podSelector.matchLabels, podLabels), 'the policy protects Airflow, not Airlock');
  // Airlock's own policy: the internal port is not open to the ingress controller
  const own = one('NetworkPolicy', 'airlock');
  const internalRule = own.spec.ingress.find((r: { ports: Array<{ port: string }> }) => r.ports.some((p) => p.port === 'internal'));
  assert.ok(internalRule.from.every((f: { namespaceSelector?: { matchLabels?: Record<string, string> } }) => f.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] !== 'ingress-nginx'));
});

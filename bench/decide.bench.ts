/**
 * decide() latency with 5,000 DAG rules and 50 roles.  node --import tsx bench/decide.bench.ts
 * Prints median and p99 per call next to baselines measured in the same run.
 */
import { configSchema } from '../src/config/schema/index.ts';
import { Secret } from '../src/config/secret.ts';
import { canonicalizeTarget, classify, compilePolicy, decide, type Subject } from '../src/policy/index.ts';

const RULES = 5000;
const ROLES = 50;
const roles: Record<string, { extends: string[]; permissions: [string, string][] }> = {};
for (let i = 0; i < ROLES; i++) roles[`Team${i}`] = { extends: [i % 2 ? 'User' : 'Viewer'], permissions: [['can_read', `Custom ${i}`]] };
const groupRoles: Record<string, string> = {};
for (let i = 0; i < ROLES; i++) groupRoles[`team-${i}`] = `Team${i}`;
const dags: unknown[] = [];
for (let i = 0; i < RULES; i++) {
  const who = [`group:team-${i % ROLES}`];
  if (i % 10 === 0) dags.push({ id: `r${i}`, env: 'prod', dag_ids: [`team${i}_a`, `team${i}_b`], deny: { delete: ['group:contractors'] } });
  else if (i % 50 === 1) dags.push({ id: `r${i}`, env: 'prod', regex: `^rx${i}_[a-z]+$`, allow: { clear: who } });
  else dags.push({ id: `r${i}`, env: 'prod', match: `team${i}_*`, allow: { trigger: who, clear: who } });
}
const cfg = configSchema.parse({
  public_url: 'http://localhost:8080',
  idp: { issuer: 'http://localhost:9000', allow_insecure_http: true, client_id: 'a', client_secret: new Secret('s', 'bench') },
  roles: groupRoles,
  environments: { prod: { host: 'p.example.com', upstream: 'http://127.0.0.1:1', airflow: 2 } },
  policy: { roles, env_defaults: { prod: { allow: { pause: ['group:oncall', 'role:Team3'] } } } },
  dags,
});
const t0 = process.hrtime.bigint();
const policy = compilePolicy(cfg);
const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;

const subject: Subject = { kind: 'person', sub: 's', username: 'alice', groups: ['team-7', 'data-eng'], roles: ['Team7'], mfa: { method: 'webauthn', at: Date.now() } };
const targets = Array.from({ length: 1000 }, (_, i) => `/api/v1/dags/team${(i * 7) % RULES}_x/dagRuns`);
const classified = targets.map((t) => classify(policy, 2, canonicalizeTarget('POST', t)));
const map = new Map(targets.map((t, i) => [t, i]));
const ctx = { now: Date.now() };

function measure(name: string, n: number, fn: (i: number) => unknown): { name: string; median: number; p99: number } {
  for (let i = 0; i < 20_000; i++) fn(i); // warm-up (JIT, caches)
  const samples = new Float64Array(n);
  let sink = 0;
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    const r = fn(i);
    samples[i] = Number(process.hrtime.bigint() - s);
    if (r) sink++;
  }
  if (sink < 0) console.log(sink);
  samples.sort();
  return { name, median: samples[Math.floor(n / 2)]! / 1000, p99: samples[Math.floor(n * 0.99)]! / 1000 };
}

const N = 100_000;
const empty = measure('timer only (empty fn)', N, () => 1);
const baseline = measure('baseline: Map.get', N, (i) => map.get(targets[i % 1000]!));
const canon = measure('canonicalize + classify', N, (i) => classify(policy, 2, canonicalizeTarget('POST', targets[i % 1000]!)));
const dec = measure('decide() (5,000 rules, 50 roles)', N, (i) => decide(policy, subject, 'prod', classified[i % 1000]!, ctx));
const full = measure('canonicalize + classify + decide', N, (i) => decide(policy, subject, 'prod', classify(policy, 2, canonicalizeTarget('POST', targets[i % 1000]!)), ctx));

console.log(`compilePolicy: ${compileMs.toFixed(1)} ms for ${RULES} rules, ${ROLES} custom roles`);
console.log('| measurement | median µs | p99 µs | median / Map.get |');
console.log('|---|---|---|---|');
for (const r of [empty, baseline, canon, dec, full]) console.log(`| ${r.name} | ${r.median.toFixed(3)} | ${r.p99.toFixed(3)} | ${(r.median / baseline.median).toFixed(1)}x |`);
console.log(`target: decide() median <= 5 µs -> ${dec.median <= 5 ? 'met' : 'NOT met'}`);

/**
 * The dag_rules fixture set (docs/assertion-contract.md "dag_rules"): assertions minted by the gateway's own code
 * for people under a rule set that uses every selector, with what the gateway's rule evaluation (EnvRules.evaluate)
 * decides for every DAG and action. The Python tests (integrations/airflow/tests/test_dag_rules_contract.py)
 * evaluate the same claims to the same outcomes, readable and editable sets.
 */
import type { JWK } from 'jose';
import { configSchema } from '../../../src/config/schema/index.ts';
import { Secret } from '../../../src/config/secret.ts';
import type { Identity } from '../../../src/identity/index.ts';
import { ACTIONS, compilePolicy, dagRulesClaimFor, type DagMetadataSnapshot } from '../../../src/policy/index.ts';
import { AUDIENCE, ISSUER, KeyRing, TTL_MS, mintAssertion, signWithRing } from './mint.ts';

/** DAGs with their tags and owners; null = Airflow does not know its metadata (tags/owners rules fail closed). */
export const DAGS: Readonly<Record<string, { tags: string[]; owners: string[] } | null>> = {
  example_etl: { tags: ['example'], owners: ['airflow'] },
  finance_daily: { tags: ['finance', 'pci'], owners: ['fin'] },
  finance_eod: { tags: ['finance'], owners: ['fin', 'airflow'] },
  hr_payroll: { tags: ['pci'], owners: ['hr'] },
  ml_training: { tags: [], owners: ['ml'] },
  reporting_hourly: { tags: ['example'], owners: ['airflow'] },
  'ünïcode_dag': { tags: [], owners: [] },
  'a.b-c': { tags: ['x'], owners: ['ml'] },
  deployed_after_last_read: null,
};

/** Every selector: env default (every), glob, portable regex, dag_ids, tags, owners; allows, denies, restrictions. */
export const RULES = [
  { id: 'finance-read', match: 'finance_*', allow: { read: ['group:finance', 'role:Admin'] } },
  { id: 'hr-deny', regex: '^hr_', deny: { '*': ['group:contractors'] } },
  { id: 'one-dag', dag_ids: ['example_etl'], allow: { read: ['user:dave', 'group:finance', 'role:Admin'] } },
  { id: 'pci', tags: ['pci'], allow: { read: ['group:pci-readers'] } },
  { id: 'ml-no-pause', owners: ['ml'], deny: { pause: ['user:carol'], mark: ['kind:service'] } },
  { id: 'unicode', regex: '^ü[a-zï]+_(?:dag|job)$', deny: { write: ['group:contractors'] } },
];
const ENV_DEFAULTS = { prod: { allow: { trigger: ['group:oncall'], clear: ['group:oncall'] } } };

const person = (username: string, groups: string[], roles: string[]): Identity => ({
  kind: 'person', sub: `sub-${username}`, username, email: `${username}@example.com`, name: username, groups, roles, sessionId: `sess-${username}`, mfa: { method: 'none' },
});
export const SUBJECTS: Readonly<Record<string, Identity>> = {
  ada_admin: person('ada', ['airflow-admins', 'finance', 'pci-readers', 'oncall'], ['Admin']),
  dave_one_dag: person('dave', ['analysts'], ['Viewer']),
  carol_contractor: person('carol', ['data-eng', 'contractors', 'oncall'], ['User']),
  fin_finance: person('fin', ['finance'], ['User']),
  etl_service: { kind: 'service', sub: 'svc:etl', username: 'svc:etl', email: undefined, name: undefined, groups: [], roles: ['Op'], tokenId: 'tok-1', mfa: { method: 'none' } },
};

export interface DagRulesCase {
  token: string;
  /** The claim as minted (for reading the fixture; the Python tests read it from the verified token). */
  claim: unknown;
  /** dag -> action -> none | deny | allow | restricted | metadata_unavailable */
  outcomes: Record<string, Record<string, string>>;
  /** Airflow's GET: the DAGs the rules let the person read. */
  readable: string[];
  /** Airflow's PUT: the DAGs the person may read where the rules leave at least one write action. */
  editable: string[];
  /** Per action: whether some rule restricts it for the person somewhere ("all DAGs" is then not granted). */
  restricts: Record<string, boolean>;
}

export interface DagRulesFixtures {
  issuer: string;
  audience: string;
  jwks: { keys: JWK[] };
  actions: string[];
  dags: typeof DAGS;
  rules: typeof RULES;
  cases: Record<string, DagRulesCase>;
  /** Signed by the gateway's key, with a malformed dag_rules: refused as AIRLOCK_AIRFLOW_ASSERTION_INVALID (claims). */
  hostile: Record<string, { token: string; code: string; reason: string }>;
}

export async function buildDagRulesFixtures(now: number = Date.now()): Promise<DagRulesFixtures> {
  const cfg = configSchema.parse({
    public_url: ISSUER,
    idp: { issuer: 'http://localhost:9000', allow_insecure_http: true, client_id: 'airlock', client_secret: new Secret('s', 'test') },
    roles: { 'airflow-admins': 'Admin' },
    environments: { [AUDIENCE]: { host: 'airflow.example.com', upstream: 'http://127.0.0.1:1', airflow: 2, airflow_filters_dags: true } },
    policy: { env_defaults: ENV_DEFAULTS, dag_metadata: { [AUDIENCE]: { token: new Secret('t', 'test'), max_age: '10m' } } },
    dags: RULES,
  });
  const policy = compilePolicy(cfg);
  const rules = policy.envs.get(AUDIENCE)!.rules;
  const snapshot: DagMetadataSnapshot = {
    fetchedAt: now,
    dags: new Map(Object.entries(DAGS).flatMap(([d, m]) => (m ? [[d, m] as const] : []))),
  };
  const ring = await KeyRing.generateEphemeral();
  const cases: Record<string, DagRulesCase> = {};
  for (const [name, identity] of Object.entries(SUBJECTS)) {
    const claim = dagRulesClaimFor(policy, AUDIENCE, identity)!;
    const outcomes: Record<string, Record<string, string>> = {};
    const permits = (d: string, a: (typeof ACTIONS)[number]) => ['allow', 'none'].includes(outcomes[d]![a]!);
    for (const d of Object.keys(DAGS)) {
      outcomes[d] = Object.fromEntries(ACTIONS.map((a) => [a, rules.evaluate(identity, d, a, now, snapshot).kind]));
    }
    cases[name] = {
      token: await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity, ttlMs: TTL_MS, now, dagRules: claim }),
      claim,
      outcomes,
      readable: Object.keys(DAGS).filter((d) => permits(d, 'read')),
      editable: Object.keys(DAGS).filter((d) => permits(d, 'read') && ACTIONS.some((a) => a !== 'read' && permits(d, a))),
      restricts: Object.fromEntries(ACTIONS.map((a) => [a, rules.restrictingAny(identity, a, `fixture-${name}-${a}`).length > 0])),
    };
  }
  const base = JSON.parse(Buffer.from(cases.dave_one_dag!.token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  const hostile = async (patch: unknown) => signWithRing(ring, { ...base, jti: `${String(base.jti)}-h${Math.random().toString(36).slice(2)}`, dag_rules: patch });
  const INVALID = { code: 'AIRLOCK_AIRFLOW_ASSERTION_INVALID', reason: 'claims' };
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: ring.jwks(),
    actions: [...ACTIONS],
    dags: DAGS,
    rules: RULES,
    cases,
    hostile: {
      not_a_list: { token: await hostile({ o: 'a--------', every: true }), ...INVALID },
      short_letters: { token: await hostile([{ o: 'a-', every: true }]), ...INVALID },
      unknown_letter: { token: await hostile([{ o: 'x--------', every: true }]), ...INVALID },
      two_selectors: { token: await hostile([{ o: 'a--------', every: true, match: '*' }]), ...INVALID },
      unknown_selector: { token: await hostile([{ o: 'a--------', dag_id_pattern: '%' }]), ...INVALID },
      empty_dag_ids: { token: await hostile([{ o: 'a--------', dag_ids: [] }]), ...INVALID },
      regex_outside_dialect: { token: await hostile([{ o: 'r--------', regex: '^\\w+$' }]), ...INVALID },
      regex_lookahead: { token: await hostile([{ o: 'r--------', regex: '^(?!example_etl$)' }]), ...INVALID },
    },
  };
}

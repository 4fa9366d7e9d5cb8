import { stringify } from 'yaml';

/** Group -> Airflow role in the demo (erin's "marketing" maps to nothing: she sees the 403 page). */
export const DEMO_ROLES: Readonly<Record<string, string>> = Object.freeze({
  'airflow-admins': 'Admin',
  'data-platform-ops': 'Op',
  'data-eng': 'User',
  analysts: 'Viewer',
});

export const DEMO_CLIENT_ID = 'airlock-demo';

/** The demo's per-DAG rules (see the banner and demo/README.md). */
export const DEMO_DAG_RULES = Object.freeze([
  // svc:etl-ci is the demo CI token's service account (its token reaches example_etl only: see DEMO_TOKENS_SECTION)
  { id: 'read-by-team', name: 'Only the data teams (and the ETL CI) read DAGs', match: '*', allow: { read: ['group:airflow-admins', 'group:data-platform-ops', 'group:data-eng', 'user:svc:etl-ci'] } },
  { id: 'analysts-reporting', name: 'Analysts read the reporting DAGs', match: 'reporting_*', allow: { read: ['group:analysts'] } },
  { id: 'finance-trigger', name: 'Finance DAGs are triggered by ops', match: 'finance_*', allow: { trigger: ['group:airflow-admins', 'group:data-platform-ops'] } },
]);

/** Machine identities of the demo (docs/machine-identities.md): the CI's service account; tokens live at most a day. */
export const DEMO_TOKENS_SECTION = Object.freeze({
  max_ttl: '24h',
  service_accounts: {
    'etl-ci': { role: 'User', description: 'The demo ETL pipeline CI', envs: ['prod'], dags: ['example_etl'], actions: ['read', 'trigger'] },
  },
});

/** Every agent token's trigger, clear, pause and delete in prod waits for a person's approval (security key). */
export const DEMO_APPROVALS_SECTION = Object.freeze({
  agent_actions: { prod: ['trigger', 'clear', 'pause', 'delete'] },
});

export interface DemoConfigInput {
  port: number;
  publicUrl: string;
  issuer: string;
  prodUpstream: string;
  devUpstream: string;
  logLevel: 'info' | 'warn';
  workers: number;
  /** session.claims_max_age: how soon a group changed at the dev IdP reaches a live session (default 30s). */
  claimsMaxAge?: string;
}

/**
 * The gateway config of the demo: environment "prod" (Airflow 2) at host localhost, environment "dev"
 * (Airflow 3) at path prefix /dev on the same host (a prefix match wins over the bare host).
 * The client secret is read from ./client-secret next to the config file.
 */
export function renderDemoConfig(c: DemoConfigInput): string {
  const doc = {
    listen: `127.0.0.1:${c.port}`,
    public_url: c.publicUrl,
    workers: c.workers,
    log: { level: c.logLevel },
    idp: {
      issuer: c.issuer,
      client_id: DEMO_CLIENT_ID,
      client_secret: '${file:./client-secret}',
      token_endpoint_auth_method: 'client_secret_basic',
      allow_insecure_http: true,
    },
    roles: { ...DEMO_ROLES },
    // short, so that a group removed on the dev IdP's admin page (/admin) is refused within half a minute
    session: { claims_max_age: c.claimsMaxAge ?? '30s' },
    environments: {
      // the stand-ins filter DAG lists like the airflow-airlock integration does (X-Airlock-Dag-Filter)
      prod: { host: 'localhost', upstream: c.prodUpstream, airflow: 2, airflow_filters_dags: true },
      dev: { host: 'localhost', path_prefix: '/dev', upstream: c.devUpstream, airflow: 3, airflow_filters_dags: true },
    },
    // per-DAG rules: analysts (dave) see only the reporting DAGs, everywhere, in Airlock and inside Airflow's
    // lists; finance DAGs are triggered by ops and admins only (carol, a User, is refused)
    dags: [...DEMO_DAG_RULES],
    // the CI token and the agent token that demo/run.ts issues at every start (demo/demo-tokens.ts)
    tokens: DEMO_TOKENS_SECTION,
    approvals: DEMO_APPROVALS_SECTION,
    store: 'sqlite:./airlock.db',
  };
  return `# Written by the Airlock demo (demo/run.ts) at every start; edit demo/demo-config.ts instead.\n${stringify(doc)}`;
}

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createDevIdp, type DevIdp, type DevIdpClient, type DevIdpOptions } from '../../../demo/idp/index.ts';
import { startAirflowStandin, type AirflowStandin } from '../../../demo/airflow-standin/index.ts';
import { startGateway, type RunningGateway } from '../../../src/server/index.ts';
import { createLogger, type Logger } from '../../../src/server/logger.ts';

export const CLIENT_ID = 'airlock-test';
export const CLIENT_SECRET = 'test-client-secret-0123456789abcdef';

/** A free TCP port on loopback (the IdP and the gateway must know each other's URL before they start). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface TestStack {
  readonly gatewayUrl: string;
  readonly publicUrl: string;
  readonly idp: DevIdp;
  readonly prod: AirflowStandin;
  readonly dev: AirflowStandin;
  readonly dir: string;
  readonly configPath: string;
  gateway: RunningGateway;
  /** Rewrites the config file (same secrets) with changes applied; the caller sends SIGHUP or restarts. */
  writeConfig(change?: (cfg: Record<string, any>) => void): Promise<void>;
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface StackOptions {
  readonly idp?: Partial<Omit<DevIdpOptions, 'clients'>>;
  readonly workers?: number;
  /** Config changes applied before start. */
  readonly config?: (cfg: Record<string, any>) => void;
  /** Give the stand-ins the gateway's JWKS so they verify assertions (default true). */
  readonly verifyAssertions?: boolean;
  readonly store?: string;
  readonly tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /** More IdP clients besides the gateway's (e.g. a client_credentials machine client). */
  readonly extraClients?: readonly DevIdpClient[];
  /** The gateway's logger (default: silent, or the level in AIRLOCK_TEST_LOG); e.g. one writing to a capture stream. */
  readonly logger?: Logger;
  /** Runs after the IdP and stand-ins started, before the config is written (e.g. to start a man-in-the-middle). */
  /** Whether the stand-ins run the integration's DAG filter (default true; false = an integration without it). */
  readonly dagFilter?: boolean;
  /** Headers the prod stand-in adds to every response (a hostile upstream). */
  readonly prodResponseHeaders?: Record<string, string | string[]>;
  readonly prepare?: (parts: { readonly idp: DevIdp; readonly prod: AirflowStandin; readonly dev: AirflowStandin; readonly dir: string; readonly publicUrl: string }) => Promise<void> | void;
}

/** Dev IdP (oidc-provider) + Airflow 2 and 3 stand-ins + the gateway on loopback, all on ephemeral ports. */
export async function startStack(opts: StackOptions = {}): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-it-'));
  const gwPort = await freePort();
  const publicUrl = `http://localhost:${gwPort}`;
  const idp = await createDevIdp({
    ...opts.idp,
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${publicUrl}/.airlock/callback`],
        post_logout_redirect_uris: [`${publicUrl}/.airlock/logged-out`],
        token_endpoint_auth_method: opts.tokenEndpointAuthMethod ?? 'client_secret_basic',
        // OIDC Back-Channel Logout to the gateway (docs/sessions.md): an IdP logout ends the gateway's sessions
        backchannel_logout_uri: `${publicUrl}/.airlock/backchannel-logout`,
        backchannel_logout_session_required: true,
      },
      ...(opts.extraClients ?? []),
    ],
  });
  const verify = opts.verifyAssertions ?? true;
  const jwks = verify ? { jwksUrl: `${publicUrl}/.airlock/jwks.json`, issuer: publicUrl } : {};
  const dagFilter = opts.dagFilter === false ? { dagFilter: false } : {};
  const prod = await startAirflowStandin({ airflow: 2, ...jwks, ...dagFilter, ...(verify ? { audience: 'prod' } : {}), ...(opts.prodResponseHeaders ? { extraResponseHeaders: opts.prodResponseHeaders } : {}) });
  // served under /dev as the gateway's path_prefix forwards it (Airflow's base_url includes it)
  const dev = await startAirflowStandin({ airflow: 3, basePath: '/dev', ...jwks, ...dagFilter, ...(verify ? { audience: 'dev' } : {}) });
  await opts.prepare?.({ idp, prod, dev, dir, publicUrl });
  await writeFile(join(dir, 'client-secret'), `${CLIENT_SECRET}\n`);
  const configPath = join(dir, 'airlock.yaml');
  const base = (): Record<string, any> => ({
    listen: `127.0.0.1:${gwPort}`,
    public_url: publicUrl,
    workers: opts.workers ?? 1,
    log: { level: process.env.AIRLOCK_TEST_LOG ?? 'fatal' },
    idp: {
      issuer: idp.issuer,
      client_id: CLIENT_ID,
      client_secret: '${file:./client-secret}',
      token_endpoint_auth_method: opts.tokenEndpointAuthMethod ?? 'client_secret_basic',
      allow_insecure_http: true,
      timeout: '3s',
    },
    roles: { 'airflow-admins': 'Admin', 'data-platform-ops': 'Op', 'data-eng': 'User', analysts: 'Viewer' },
    environments: {
      prod: { host: 'localhost', upstream: prod.url, airflow: 2, timeout: '3s', connect_timeout: '1s' },
      dev: { host: 'localhost', path_prefix: '/dev', upstream: dev.url, airflow: 3, timeout: '3s', connect_timeout: '1s' },
    },
    store: opts.store ?? 'sqlite:./airlock.db',
  });
  const writeConfig = async (change?: (cfg: Record<string, any>) => void) => {
    const cfg = base();
    opts.config?.(cfg);
    change?.(cfg);
    await writeFile(configPath, stringify(cfg));
  };
  await writeConfig();
  const logger = opts.logger ?? createLogger({ level: process.env.AIRLOCK_TEST_LOG ?? 'silent' });
  const stack: TestStack = {
    gatewayUrl: publicUrl,
    publicUrl,
    idp,
    prod,
    dev,
    dir,
    configPath,
    gateway: await startGateway({ configPath, logger, ...(opts.workers ? { workers: opts.workers } : {}) }),
    writeConfig,
    async restart() {
      await stack.gateway.close();
      stack.gateway = await startGateway({ configPath, logger, ...(opts.workers ? { workers: opts.workers } : {}) });
    },
    async close() {
      await stack.gateway.close();
      await Promise.all([prod.close(), dev.close(), idp.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

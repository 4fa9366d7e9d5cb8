import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../src/server/index.ts';
import { createDevIdp, type DemoUser, type DevIdp } from './idp/index.ts';
import { startAirflowStandin, type AirflowStandin } from './airflow-standin/index.ts';
import { DEMO_CLIENT_ID, renderDemoConfig } from './demo-config.ts';
import { demoBanner } from './banner.ts';
import { issueDemoTokens, type DemoTokens } from './demo-tokens.ts';

export interface DemoOptions {
  /** Gateway port; default 8080. */
  port?: number;
  /** Dev IdP port; default 8081. */
  idpPort?: number;
  /** Gateway worker processes; default 1. */
  workers?: number;
  /** No banner, gateway logs at warn. */
  quiet?: boolean;
  /** Where the config, client secret and SQLite store are written; default <repo>/.airlock-demo. */
  dir?: string;
  /** session.claims_max_age of the demo gateway (default "30s"). */
  claimsMaxAge?: string;
}

export interface RunningDemo {
  readonly gatewayUrl: string;
  readonly users: DemoUser[];
  readonly idp: DevIdp;
  readonly standins: { readonly prod: AirflowStandin; readonly dev: AirflowStandin };
  readonly configPath: string;
  /** The CI token and the agent token issued at this start (secrets also in files in the demo dir, mode 0600). */
  readonly tokens: DemoTokens;
  /** The banner (printed unless quiet). */
  readonly banner: string;
  close(): Promise<void>;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Starts the whole demo: dev IdP (issuer http://localhost:<idpPort>), an Airflow 2 stand-in (environment
 * "prod", host localhost) and an Airflow 3 stand-in (environment "dev", path prefix /dev), the gateway config
 * in .airlock-demo/, and the gateway on http://localhost:<port>.
 */
export async function startDemo(opts: DemoOptions = {}): Promise<RunningDemo> {
  const port = opts.port ?? 8080;
  const idpPort = opts.idpPort ?? 8081;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new TypeError('startDemo: port must be 1..65535 (the public URL needs a fixed port)');
  if (!Number.isInteger(idpPort) || idpPort < 0 || idpPort > 65535) throw new TypeError('startDemo: idpPort must be 0..65535');
  if (opts.workers !== undefined && (!Number.isInteger(opts.workers) || opts.workers < 1)) throw new TypeError('startDemo: workers must be a positive integer');
  const publicUrl = `http://localhost:${port}`;
  const dir = opts.dir ?? join(REPO_ROOT, '.airlock-demo');
  const clientSecret = randomBytes(24).toString('base64url');
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    closers.length = 0;
  };

  try {
    const idp = await createDevIdp({
      port: idpPort,
      clients: [{
        client_id: DEMO_CLIENT_ID,
        client_secret: clientSecret,
        redirect_uris: [`${publicUrl}/.airlock/callback`],
        post_logout_redirect_uris: [`${publicUrl}/.airlock/logged-out`, `${publicUrl}/`],
        // the dev IdP's "Sign out everywhere" (and its end_session) ends the gateway's sessions at once
        backchannel_logout_uri: `${publicUrl}/.airlock/backchannel-logout`,
        backchannel_logout_session_required: true,
      }],
    });
    closers.push(() => idp.close());
    const jwksUrl = `${publicUrl}/.airlock/jwks.json`;
    const prod = await startAirflowStandin({ airflow: 2, jwksUrl, issuer: publicUrl, audience: 'prod' });
    closers.push(() => prod.close());
    const dev = await startAirflowStandin({ airflow: 3, jwksUrl, issuer: publicUrl, audience: 'dev', basePath: '/dev' });
    closers.push(() => dev.close());

    mkdirSync(dir, { recursive: true });
    const secretPath = join(dir, 'client-secret');
    writeFileSync(secretPath, `${clientSecret}\n`, { mode: 0o600 });
    chmodSync(secretPath, 0o600);
    const configPath = join(dir, 'airlock.yaml');
    writeFileSync(configPath, renderDemoConfig({
      port, publicUrl, issuer: idp.issuer, prodUpstream: prod.url, devUpstream: dev.url,
      logLevel: opts.quiet ? 'warn' : 'info', workers: opts.workers ?? 1,
      ...(opts.claimsMaxAge ? { claimsMaxAge: opts.claimsMaxAge } : {}),
    }));

    const gateway = await startGateway({ configPath, workers: opts.workers ?? 1 });
    closers.push(() => gateway.close());
    const tokens = await issueDemoTokens({ configPath, dir, users: idp.users });
    const banner = demoBanner({ gatewayUrl: publicUrl, issuer: idp.issuer, users: idp.users, configPath, tokens });
    if (!opts.quiet) process.stdout.write(`${banner}\n`);
    return { gatewayUrl: publicUrl, users: idp.users, idp, standins: { prod, dev }, configPath, tokens, banner, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

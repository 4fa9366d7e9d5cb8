import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { createDevIdp, type DevIdp } from '../../../demo/idp/index.ts';
import { startAirflowStandin, type AirflowStandin } from '../../../demo/airflow-standin/index.ts';
import { startGateway, type RunningGateway } from '../../../src/server/index.ts';
import type { Logger } from '../../../src/server/logger.ts';
import { createLogger } from '../../../src/server/logger.ts';
import { CLIENT_ID, CLIENT_SECRET, freePort } from '../gateway/harness.ts';

/** The nginx snippet docs/forward-auth.md shows (the test runs exactly this file). */
export const NGINX_SNIPPET = fileURLToPath(new URL('../../../examples/forward-auth/nginx-airlock.conf', import.meta.url));

export interface NginxStack {
  /** nginx, serving Airflow with auth_request to Airlock (= public_url). */
  readonly publicUrl: string;
  /** The same nginx set-up, but its requests to Airlock leave from 127.0.0.3, outside trusted_proxies. */
  readonly untrustedUrl: string;
  /** Airlock itself (listens on 127.0.0.1, trusts 127.0.0.1 only). */
  readonly gatewayUrl: string;
  readonly gateway: RunningGateway;
  readonly configPath: string;
  readonly idp: DevIdp;
  readonly airflow: AirflowStandin;
  close(): Promise<void>;
}

/**
 * Debian's nginx with `auth_request` (examples/forward-auth/nginx-airlock.conf) in front of the Airflow 2 stand-in,
 * which verifies X-Airlock-Assertion against Airlock's JWKS; Airlock in forward-auth mode decides; the dev IdP signs
 * people in through nginx. `config` changes Airlock's config before start.
 */
export async function startNginxStack(opts: { config?: (cfg: Record<string, any>) => void; logger?: Logger } = {}): Promise<NginxStack> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-fa-'));
  const [ngxPort, ngxUntrustedPort, gwPort] = [await freePort(), await freePort(), await freePort()];
  const publicUrl = `http://localhost:${ngxPort}`;
  const gatewayUrl = `http://127.0.0.1:${gwPort}`;
  const idp = await createDevIdp({ clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [`${publicUrl}/.airlock/callback`], post_logout_redirect_uris: [`${publicUrl}/.airlock/logged-out`] }] });
  const airflow = await startAirflowStandin({ airflow: 2, jwksUrl: `${gatewayUrl}/.airlock/jwks.json`, issuer: publicUrl, audience: 'prod' });
  await writeFile(join(dir, 'client-secret'), `${CLIENT_SECRET}\n`);
  const cfg: Record<string, any> = {
    listen: `127.0.0.1:${gwPort}`,
    public_url: publicUrl,
    workers: 1,
    log: { level: 'info' },
    idp: { issuer: idp.issuer, client_id: CLIENT_ID, client_secret: '${file:./client-secret}', allow_insecure_http: true, timeout: '3s' },
    roles: { 'airflow-admins': 'Admin', 'data-platform-ops': 'Op', 'data-eng': 'User', analysts: 'Viewer' },
    // the upstream is not used in forward-auth mode (nginx carries the bytes) but names Airflow's version
    environments: { prod: { host: 'localhost', upstream: airflow.url, airflow: 2 } },
    store: 'sqlite:./airlock.db',
    trusted_proxies: ['127.0.0.1'],
    forward_auth: { enabled: true },
  };
  opts.config?.(cfg);
  const configPath = join(dir, 'airlock.yaml');
  await writeFile(configPath, stringify(cfg));
  const gateway = await startGateway({ configPath, logger: opts.logger ?? createLogger({ level: process.env.AIRLOCK_TEST_LOG ?? 'silent' }) });

  for (const d of ['tmp-body', 'tmp-proxy', 'tmp-fcgi', 'tmp-uwsgi', 'tmp-scgi']) await mkdir(join(dir, d));
  const airflowPort = new URL(airflow.url).port;
  await writeFile(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp-body;
  proxy_temp_path ${dir}/tmp-proxy;
  fastcgi_temp_path ${dir}/tmp-fcgi;
  uwsgi_temp_path ${dir}/tmp-uwsgi;
  scgi_temp_path ${dir}/tmp-scgi;
  upstream airlock { server 127.0.0.1:${gwPort}; }
  upstream airflow { server 127.0.0.1:${airflowPort}; }
  server {
    listen 127.0.0.1:${ngxPort};
    include ${NGINX_SNIPPET};
  }
  server {
    listen 127.0.0.1:${ngxUntrustedPort};
    proxy_bind 127.0.0.3;
    include ${NGINX_SNIPPET};
  }
}
`,
  );
  const nginx = spawn('nginx', ['-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let nginxErr = '';
  nginx.stderr!.on('data', (d) => (nginxErr += d));
  await waitUp(nginx, `http://127.0.0.1:${ngxPort}/.airlock/healthz`, () => nginxErr);
  return {
    publicUrl,
    untrustedUrl: `http://localhost:${ngxUntrustedPort}`,
    gatewayUrl,
    gateway,
    configPath,
    idp,
    airflow,
    async close() {
      nginx.kill('SIGTERM');
      await new Promise((r) => (nginx.exitCode !== null ? r(undefined) : nginx.once('exit', r)));
      await gateway.close();
      await Promise.all([airflow.close(), idp.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitUp(p: ChildProcess, url: string, stderr: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (p.exitCode !== null) throw new Error(`nginx exited ${p.exitCode}: ${stderr()}`);
    try {
      const r = await fetch(url);
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nginx did not answer at ${url}: ${stderr()}`);
}

/** The JSON answer's fields (or the text when it is not JSON). */
export async function bodyOf(r: Response): Promise<Record<string, any>> {
  const text = await r.text();
  try {
    return JSON.parse(text) as Record<string, any>;
  } catch {
    return { text };
  }
}

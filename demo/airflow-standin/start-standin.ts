import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createAssertionVerifier, type AssertionCheck } from './assertion.ts';
import { personalizeBody } from './response-body.ts';
import { DAG_FILTER_APPLIED, DAG_FILTER_HEADER, filterDagList, homeDags, readableFromClaims, type ReadableDags } from './dag-filter.ts';
import { loadRoutesFile, RouteTable } from './route-table.ts';
import { unauthorizedPage, whoAmIPage } from './whoami-page.ts';
import { StandinLogout } from './logout-form.ts';
import { answersAnonymously, isPublicPath } from './public-paths.ts';
import { callerRoles, FlaskUi, loadFlaskUiFile, navbarHtml, routedPath, type UiAnswer, type UiRequest } from './flask-ui.ts';

/** A request exactly as it reached the stand-in (the "upstream"). */
export interface RecordedRequest {
  method: string;
  url: string;
  /** req.rawHeaders: [name, value, name, value, ...] as received, case and repeats kept. */
  headers: string[];
  body: Buffer;
}

export interface StandinOptions {
  airflow: 2 | 3;
  /** 0 (default) = ephemeral. */
  port?: number;
  /** Default "localhost". */
  host?: string;
  /** When set, X-Airlock-Assertion is required and verified against this JWKS (issuer and audience required too). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /**
   * Airflow's base_url path when it is served under a prefix (e.g. "/dev" behind Airlock's path_prefix,
   * which forwards the prefix): requests must start with it and it is removed before routing.
   */
  basePath?: string;
  /** Headers added to every response (tests of a hostile upstream, e.g. a Set-Cookie for the gateway's cookie). */
  extraResponseHeaders?: Record<string, string | string[]>;
  /**
   * With jwksUrl: the integration's DAG filter is installed (default true): DAG lists answer only the DAGs the
   * assertion's dag_rules claim lets the person read, and answers carry X-Airlock-Dag-Filter. false = an
   * integration without it (lists unfiltered by the rules, no marker).
   */
  dagFilter?: boolean;
  /** Serve https with this certificate; `ca` + requireClientCert: only clients with a certificate from that CA (mutual TLS). */
  tls?: { cert: string; key: string; ca?: string; requireClientCert?: boolean };
}

export interface AirflowStandin {
  readonly url: string;
  readonly received: RecordedRequest[];
  close(): Promise<void>;
}

const MAX_BODY = 10 * 1024 * 1024;

/** All values of one header in raw headers (case-insensitive name). */
export function headerValues(raw: readonly string[], name: string): string[] {
  const want = name.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) if ((raw[i] as string).toLowerCase() === want) out.push(raw[i + 1] as string);
  return out;
}

/**
 * Starts an Airflow stand-in answering every /api/v1 (+ FAB /auth/fab/v1) route of Airflow 2.10.5, or every
 * /api/v2 (+ /ui) route of Airflow 3, with the spec's success status and an example body; "/" and "/home"
 * show who Airflow thinks you are.
 */
export async function startAirflowStandin(opts: StandinOptions): Promise<AirflowStandin> {
  if (opts?.airflow !== 2 && opts?.airflow !== 3) throw new TypeError('startAirflowStandin: airflow must be 2 or 3');
  if (opts.jwksUrl !== undefined && (!opts.issuer || !opts.audience)) throw new TypeError('startAirflowStandin: jwksUrl needs issuer and audience');
  if (opts.jwksUrl === undefined && (opts.issuer !== undefined || opts.audience !== undefined)) {
    throw new TypeError('startAirflowStandin: issuer and audience are only used with jwksUrl');
  }
  if (opts.basePath !== undefined && !/^\/[A-Za-z0-9._~-]+$/.test(opts.basePath)) throw new TypeError('startAirflowStandin: basePath must be one segment such as "/dev"');
  const airflow = opts.airflow;
  const basePath = opts.basePath;
  const table = RouteTable.forVersion(loadRoutesFile(), airflow);
  // Airflow 2's Flask UI (flask-ui.ts): every url_map rule, answered per the caller's roles
  const flaskUi = airflow === 2 ? new FlaskUi(loadFlaskUiFile()) : undefined;
  const verify = opts.jwksUrl ? createAssertionVerifier({ jwksUrl: opts.jwksUrl, issuer: opts.issuer as string, audience: opts.audience as string }) : undefined;
  const received: RecordedRequest[] = [];
  const logout = new StandinLogout(airflow, basePath ?? '');

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(opts.extraResponseHeaders ?? {})) res.setHeader(name, value);
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ detail: 'stand-in error' }));
    });
  };
  const t = opts.tls;
  const server = t
    ? createHttpsServer({ cert: t.cert, key: t.key, ...(t.requireClientCert ? { requestCert: true, rejectUnauthorized: true, ...(t.ca ? { ca: t.ca } : {}) } : {}) }, onRequest)
    : createServer(onRequest);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    if (body === undefined) {
      sendJson(res, 413, problem(airflow, 413, 'Request Entity Too Large', 'The request body is too large.'));
      return;
    }
    const method = req.method ?? 'GET';
    const url = req.url ?? '/';
    received.push({ method, url, headers: [...req.rawHeaders], body });
    const fullPath = url.split('?')[0] ?? '/';
    let path = fullPath;
    if (basePath !== undefined) {
      if (fullPath !== basePath && !fullPath.startsWith(`${basePath}/`)) {
        sendJson(res, 404, problem(airflow, 404, 'Not Found', `This Airflow is served under ${basePath}/.`));
        return;
      }
      path = fullPath.slice(basePath.length) || '/';
    }
    const isApi = /^\/(api|ui|auth)\//.test(path);

    let check: AssertionCheck | undefined;
    let readable: ReadableDags | undefined;
    // Airflow's health endpoints answer without an assertion (the integration's public paths)
    if (verify && !isPublicPath(airflow, method, path)) {
      check = await verify(headerValues(req.rawHeaders, 'x-airlock-assertion'));
      if (!check.ok) {
        if (isApi) sendJson(res, 401, problem(airflow, 401, 'Unauthorized', check.reason === 'missing' ? 'No X-Airlock-Assertion.' : 'Invalid X-Airlock-Assertion.'));
        else send(res, 401, 'text/html; charset=utf-8', unauthorizedPage(airflow, check.reason));
        return;
      }
      // the gateway's anonymous assertion (an allow-listed route, nobody signed in): Airflow logs nobody in, so
      // only what real Airflow serves to anonymous callers answers (health, version)
      if (check.claims.anonymous === true && !answersAnonymously(airflow, method, path)) {
        if (isApi) sendJson(res, 401, problem(airflow, 401, 'Unauthorized', 'Not authenticated.'));
        else send(res, 401, 'text/html; charset=utf-8', unauthorizedPage(airflow, 'missing'));
        return;
      }
      // the integration's DAG filter (dag-filter.ts): lists answer the DAGs the dag_rules claim lets this person read
      if (opts.dagFilter !== false) {
        try {
          readable = readableFromClaims(check.claims as Record<string, unknown>);
        } catch {
          if (isApi) sendJson(res, 401, problem(airflow, 401, 'Unauthorized', 'Invalid X-Airlock-Assertion.'));
          else send(res, 401, 'text/html; charset=utf-8', unauthorizedPage(airflow, 'invalid'));
          return;
        }
        res.setHeader(DAG_FILTER_HEADER, DAG_FILTER_APPLIED);
      }
    }

    const loggedOut = logout.answer(method, path, body);
    if (loggedOut) {
      res.writeHead(loggedOut.status, { ...loggedOut.headers, 'content-length': Buffer.byteLength(loggedOut.text) });
      res.end(loggedOut.text);
      return;
    }

    const uiRoles = callerRoles(check?.ok ? (check.claims as Record<string, unknown>) : undefined, headerValues(req.rawHeaders, 'x-airlock-roles')[0]);
    const uiRequest = (): UiRequest => ({
      method, path: routedPath(path), query: new URL(url, 'http://standin').searchParams, url: `http://${req.headers.host ?? 'localhost'}${url}`,
      contentType: req.headers['content-type'], body, roles: uiRoles,
    });

    if ((method === 'GET' || method === 'HEAD') && (path === '/' || path === '/home')) {
      // /home needs "can_read on Website" like real Airflow ("/" stays the who-am-I page of the demo)
      const refused = flaskUi && path === '/home' ? await flaskUi.answer(uiRequest()) : undefined;
      if (refused && refused.status !== 200) return sendUi(res, refused);
      const claims = check?.ok ? (check.claims as Record<string, unknown>) : undefined;
      const userHeader = headerValues(req.rawHeaders, 'x-airlock-user')[0];
      const rolesHeader = headerValues(req.rawHeaders, 'x-airlock-roles')[0];
      const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
      send(res, 200, 'text/html; charset=utf-8', whoAmIPage({
        airflow,
        requestPath: path,
        username: claims ? str(claims.preferred_username) : userHeader,
        email: claims ? str(claims.email) : headerValues(req.rawHeaders, 'x-airlock-email')[0],
        name: claims ? str(claims.name) : undefined,
        roles: claims ? strings(claims.roles) : (rolesHeader ?? '').split(',').map((r) => r.trim()).filter(Boolean),
        groups: claims ? strings(claims.groups) : [],
        rawUserHeader: userHeader,
        rawRolesHeader: rolesHeader,
        claims,
        assertionChecked: verify !== undefined,
        logoutForm: logout.form(),
        ...(flaskUi ? { navbar: navbarHtml(flaskUi.navbar(uiRoles), basePath ?? '') } : {}),
        ...(airflow === 2 && path === '/home' ? { dags: homeDags(readable ?? (() => true)) } : {}),
      }));
      return;
    }

    const m = table.match(method, path);
    if (m.kind === 'none') {
      const ui = flaskUi ? await flaskUi.answer(uiRequest()) : undefined;
      if (ui) return sendUi(res, ui);
      sendJson(res, 404, problem(airflow, 404, 'Not Found', `No route ${method} ${path} in Airflow ${airflow}.`));
      return;
    }
    if (m.kind === 'method-not-allowed') {
      res.setHeader('allow', m.allowed.join(', '));
      sendJson(res, 405, problem(airflow, 405, 'Method Not Allowed', `${method} is not allowed on ${path}.`));
      return;
    }
    const { route } = m;
    if (route.status === 204 || route.contentType === null) {
      res.writeHead(route.status).end();
      return;
    }
    if (route.contentType !== 'application/json') {
      send(res, route.status, route.contentType, String(route.body));
      return;
    }
    const query = new URL(url, 'http://standin').searchParams;
    sendJson(res, route.status, filterDagList(airflow, method, route.path, m.params, query, personalizeBody(route.body, m.params, parseJson(body), method), readable));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? 'localhost', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `${t ? 'https' : 'http'}://${opts.host ?? 'localhost'}:${port}`,
    received,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Airflow 2 answers errors as application/problem+json; Airflow 3 (FastAPI) as {"detail": ...}. */
function problem(airflow: 2 | 3, status: number, title: string, detail: string): Record<string, unknown> {
  if (airflow === 3) return { detail };
  return { detail, status, title, type: `https://airflow.apache.org/docs/apache-airflow/2.10.5/stable-rest-api-ref.html#section/Errors/${title.replace(/\s+/g, '')}` };
}

function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const type = status >= 400 && value && typeof value === 'object' && 'title' in value ? 'application/problem+json' : 'application/json';
  send(res, status, type, JSON.stringify(value));
}

function sendUi(res: ServerResponse, a: UiAnswer): void {
  res.writeHead(a.status, { ...a.headers, 'content-length': Buffer.byteLength(a.text) });
  res.end(a.text);
}

function send(res: ServerResponse, status: number, type: string, text: string): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

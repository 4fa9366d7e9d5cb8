import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the stand-in received. */
export interface GraphRequest {
  readonly method: string;
  readonly path: string;
  /** The bearer token sent (undefined when none). */
  readonly token: string | undefined;
  readonly body: string;
}

export interface GraphStandin {
  /** http://<host>:<port> */
  readonly url: string;
  readonly port: number;
  readonly requests: GraphRequest[];
  /** Requests whose path contains `part` (e.g. a user's sub). */
  requestsFor(part: string): GraphRequest[];
  close(): Promise<void>;
}

export interface GraphStandinOptions {
  /** The IdP issuer: access tokens are checked by calling its userinfo endpoint with them, as a resource server would. */
  readonly issuer: () => string;
  /** Where to listen and what to put in the URL; default "localhost". */
  readonly host?: string;
  /** sub -> group ids. */
  readonly memberships: ReadonlyMap<string, readonly string[]>;
  /** Where a `/evilnext/` next link points (another server). */
  readonly otherOrigin?: string;
}

/**
 * A Microsoft Graph stand-in: the distributed claims endpoint of group overage. It serves
 *   POST /v1.0/users/{sub}/getMemberObjects  -> { value: [ids] }
 *   GET  /v1.0/users/{sub}/memberOf?$top=N   -> { value: [{ "@odata.type", id, displayName }], "@odata.nextLink" }
 * only for a valid bearer token of that very user (checked against the IdP's userinfo endpoint: 401 for a token
 * the IdP does not accept, 403 for another user's). A first path segment picks a misbehaviour:
 * /hang/ (never answers), /big/ (2 MiB streamed without content-length), /loop/ (a next link forever),
 * /malformed/ (value is not an array), /html/ (200 text/html), /status500/, /evilnext/ (next link to otherOrigin),
 * /redirect/ (302 to the plain endpoint, which would answer).
 */
export async function startGraphStandin(opts: GraphStandinOptions): Promise<GraphStandin> {
  const requests: GraphRequest[] = [];
  let userinfoEndpoint: string | undefined;
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"standin_error"}}');
    });
  });
  const host = opts.host ?? 'localhost';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;

  async function subjectOfToken(token: string): Promise<string | undefined> {
    userinfoEndpoint ??= String(((await (await fetch(`${opts.issuer()}/.well-known/openid-configuration`)).json()) as { userinfo_endpoint: string }).userinfo_endpoint);
    const r = await fetch(userinfoEndpoint, { headers: { authorization: `Bearer ${token}` } });
    if (!r.ok) {
      await r.arrayBuffer();
      return undefined;
    }
    return String(((await r.json()) as { sub: string }).sub);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const u = new URL(req.url ?? '/', url);
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    requests.push({ method: req.method ?? 'GET', path: u.pathname + u.search, token, body: Buffer.concat(chunks).toString('utf8') });
    const m = /^(?:\/(hang|big|loop|malformed|html|status500|evilnext|redirect))?\/v1\.0\/users\/([^/]+)\/(getMemberObjects|memberOf)$/.exec(u.pathname);
    if (!m) return json(res, 404, { error: { code: 'Request_ResourceNotFound' } });
    const [, mode, sub, action] = m as unknown as [string, string | undefined, string, string];
    if (mode === 'hang') return; // never answers; the gateway's timeout must end it
    if (!token) return json(res, 401, { error: { code: 'InvalidAuthenticationToken' } }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    const tokenSub = await subjectOfToken(token);
    if (tokenSub === undefined) return json(res, 401, { error: { code: 'InvalidAuthenticationToken', message: 'Access token validation failure.' } }, { 'www-authenticate': 'Bearer error="invalid_token"' });
    if (tokenSub !== sub) return json(res, 403, { error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } });
    const groups = opts.memberships.get(sub) ?? [];
    switch (mode) {
      case 'status500':
        return json(res, 500, { error: { code: 'generalException' } });
      case 'redirect':
        res.writeHead(302, { location: `${url}/v1.0/users/${sub}/getMemberObjects` });
        return void res.end();
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end('<html>sign in</html>');
      case 'malformed':
        return json(res, 200, { value: { groups } });
      case 'big': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"value":[');
        const item = JSON.stringify('x'.repeat(1000));
        for (let i = 0; i < 2048; i++) res.write(`${i ? ',' : ''}${item}`);
        return void res.end(']}');
      }
      case 'loop':
        return json(res, 200, { value: [`loop-${u.searchParams.get('$skiptoken') ?? '0'}`], '@odata.nextLink': `${url}/loop/v1.0/users/${sub}/memberOf?$skiptoken=${Number(u.searchParams.get('$skiptoken') ?? 0) + 1}` });
      case 'evilnext':
        return json(res, 200, { value: groups.slice(0, 1), '@odata.nextLink': `${opts.otherOrigin}/v1.0/users/${sub}/memberOf?$skiptoken=1` });
    }
    if (action === 'getMemberObjects') {
      if (req.method !== 'POST') return json(res, 405, { error: { code: 'Request_BadRequest' } });
      return json(res, 200, { '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Collection(Edm.String)', value: groups });
    }
    if (req.method !== 'GET') return json(res, 405, { error: { code: 'Request_BadRequest' } });
    const top = Number(u.searchParams.get('$top') ?? 100);
    const skip = Number(u.searchParams.get('$skiptoken') ?? 0);
    const page = groups.slice(skip, skip + top).map((id) => ({ '@odata.type': '#microsoft.graph.group', id, displayName: `Group ${id}` }));
    const next = skip + top < groups.length ? `${url}/v1.0/users/${sub}/memberOf?$top=${top}&$skiptoken=${skip + top}` : undefined;
    return json(res, 200, { value: page, ...(next ? { '@odata.nextLink': next } : {}) });
  }

  return {
    url,
    port,
    requests,
    requestsFor: (part) => requests.filter((r) => r.path.includes(part)),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; odata.metadata=minimal', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

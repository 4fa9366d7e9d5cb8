import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the upstream received for one request. */
export interface Received {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: readonly string[];
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface RecordingUpstream {
  readonly port: number;
  readonly url: string;
  readonly received: Received[];
  readonly server: http.Server;
  close(): Promise<void>;
}

/**
 * A real node:http server standing in for Airflow: records every request (raw headers and full body)
 * and answers with `respond` (default: 200 JSON {"ok":true}).
 */
export async function startRecordingUpstream(
  respond?: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void,
): Promise<RecordingUpstream> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({ method: req.method ?? '', url: req.url ?? '', rawHeaders: [...req.rawHeaders], headers: req.headers, body });
      if (respond) respond(req, res, body);
      else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    received,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

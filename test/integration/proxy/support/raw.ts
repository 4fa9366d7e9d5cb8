import net from 'node:net';

export interface RawResponse {
  readonly text: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Writes hand-made bytes to a port and reads until the server closes (or `waitMs` passes). */
export function rawRequest(port: number, bytes: string | Buffer, waitMs = 2000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => c.destroy(), waitMs);
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('error', reject);
    c.on('close', () => {
      clearTimeout(timer);
      resolve(parseRaw(Buffer.concat(chunks).toString('latin1')));
    });
    c.write(bytes);
  });
}

export function parseRaw(text: string): RawResponse {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const lines = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  const rawBody = end === -1 ? '' : text.slice(end + 4);
  return { text, status, headers, body: headers['transfer-encoding'] === 'chunked' ? dechunk(rawBody) : rawBody };
}

/** Decodes a chunked body (latin1 text in, text out). */
function dechunk(s: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const eol = s.indexOf('\r\n', i);
    if (eol === -1) return out;
    const size = parseInt(s.slice(i, eol), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += s.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}

import http from 'node:http';
import net from 'node:net';
import { acceptKey, decodeFrames, encodeText } from './ws.ts';

export interface Seen {
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
}

export interface WsUpstream {
  readonly url: string;
  readonly seen: Seen[];
  close(): Promise<void>;
}

/** A tiny real WebSocket server: RFC 6455 handshake, greets, then echoes text frames as "echo:<text>". */
export async function startWsUpstream(): Promise<WsUpstream> {
  const seen: Seen[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => res.end('plain'));
  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    seen.push({ url: req.url ?? '', headers: req.headers, rawHeaders: [...req.rawHeaders] });
    if (req.url === '/ws/denied') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nX-Reason: policy\r\n\r\nno way');
      return;
    }
    const key = req.headers['sec-websocket-key'] as string;
    const accept = req.url === '/ws/bad-accept' ? 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' : acceptKey(key);
    // /ws/cookies: a hostile 101 that tries to set the gateway's session cookie beside its own
    const cookies = req.url === '/ws/cookies' ? 'Set-Cookie: airlock=stolen; Path=/\r\nSet-Cookie: ws-pref=1\r\n' : '';
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: chat\r\n${cookies}\r\n`);
    socket.write(encodeText('welcome', false));
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      const r = decodeFrames(Buffer.concat([buf, d]));
      buf = r.rest;
      for (const f of r.frames) {
        if (!f.masked) socket.destroy(); // RFC 6455: client frames must be masked
        else if (f.opcode === 1) socket.write(encodeText(`echo:${f.text}`, false));
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}


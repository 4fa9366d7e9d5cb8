import { createHash, randomBytes } from 'node:crypto';

export const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** RFC 6455 4.2.2: base64(SHA-1(key + GUID)). */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/** One text frame (FIN, opcode 1); masked when sent by a client. Payloads < 64 KiB. */
export function encodeText(text: string, masked: boolean): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x81, (masked ? 0x80 : 0) | len]) : Buffer.from([0x81, (masked ? 0x80 : 0) | 126, len >> 8, len & 255]);
  if (!masked) return Buffer.concat([head, payload]);
  const mask = randomBytes(4);
  const out = Buffer.from(payload);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! ^ mask[i % 4]!;
  return Buffer.concat([head, mask, out]);
}

export interface Frame {
  readonly opcode: number;
  readonly text: string;
  readonly masked: boolean;
}

/** Decodes as many complete frames as `buf` holds; returns them and the unread rest. */
export function decodeFrames(buf: Buffer): { frames: Frame[]; rest: Buffer } {
  const frames: Frame[] = [];
  let i = 0;
  while (buf.length - i >= 2) {
    const opcode = buf[i]! & 0x0f;
    const masked = (buf[i + 1]! & 0x80) !== 0;
    let len = buf[i + 1]! & 0x7f;
    let p = i + 2;
    if (len === 126) {
      if (buf.length < p + 2) break;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 127) throw new Error('64-bit frame lengths not supported in this test helper');
    const maskAt = p;
    if (masked) p += 4;
    if (buf.length < p + len) break;
    const payload = Buffer.from(buf.subarray(p, p + len));
    if (masked) for (let k = 0; k < payload.length; k++) payload[k] = payload[k]! ^ buf[maskAt + (k % 4)]!;
    frames.push({ opcode, text: payload.toString('utf8'), masked });
    i = p + len;
  }
  return { frames, rest: buf.subarray(i) };
}

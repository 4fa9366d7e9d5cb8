import type { IncomingMessage } from 'node:http';
import { BadTransferEncoding, ContentLengthWithTransferEncoding, DuplicateContentLength, DuplicateHost, MissingHost } from './errors.ts';

/**
 * Refuses ambiguous message framing, reading req.rawHeaders (Node folds duplicates in req.headers).
 * Node's parser already rejects most of these (answered by installClientErrorHandler); this is the
 * second line, and the only one when the server runs with insecureHTTPParser or requireHostHeader: false.
 * Order: Host (missing, duplicate), Content-Length duplicate, CL+TE, Transfer-Encoding not "chunked".
 */
export function checkFraming(req: IncomingMessage): void {
  const raw = req.rawHeaders;
  let hosts = 0;
  let contentLengths = 0;
  const te: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'host') hosts++;
    else if (name === 'content-length') contentLengths++;
    else if (name === 'transfer-encoding') te.push(raw[i + 1]!);
  }
  if (hosts === 0) throw MissingHost.create();
  if (hosts > 1) throw DuplicateHost.create();
  if (contentLengths > 1) throw DuplicateContentLength.create();
  if (contentLengths > 0 && te.length > 0) throw ContentLengthWithTransferEncoding.create();
  if (te.length > 1 || (te.length === 1 && te[0]!.trim().toLowerCase() !== 'chunked')) throw BadTransferEncoding.create();
}

import type { IncomingMessage } from 'node:http';
import { BadTransferEncoding, ContentLengthWithTransferEncoding, DuplicateContentLength, DuplicateHost, MissingHost, UnexpectedBody } from './errors.ts';

/**
 * Refuses ambiguous message framing, reading req.rawHeaders (Node folds duplicates in req.headers).
 * Node's parser already rejects most of these (answered by installClientErrorHandler); this is the
 * second line, and the only one when the server runs with insecureHTTPParser or requireHostHeader: false.
 * Order: Host (missing, duplicate), Content-Length duplicate, CL+TE, Transfer-Encoding not "chunked", then
 * a GET or HEAD that declares a body (AIRLOCK_PROXY_UNEXPECTED_BODY: a body nobody inspects is never forwarded).
 */
export function checkFraming(req: IncomingMessage): void {
  const raw = req.rawHeaders;
  let hosts = 0;
  let contentLengths = 0;
  let contentLength = '';
  const te: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (name === 'host') hosts++;
    else if (name === 'content-length') {
      contentLengths++;
      contentLength = raw[i + 1]!;
    }
    else if (name === 'transfer-encoding') te.push(raw[i + 1]!);
  }
  if (hosts === 0) throw MissingHost.create();
  if (hosts > 1) throw DuplicateHost.create();
  if (contentLengths > 1) throw DuplicateContentLength.create();
  if (contentLengths > 0 && te.length > 0) throw ContentLengthWithTransferEncoding.create();
  if (te.length > 1 || (te.length === 1 && te[0]!.trim().toLowerCase() !== 'chunked')) throw BadTransferEncoding.create();
  const method = req.method;
  if ((method === 'GET' || method === 'HEAD') && (te.length > 0 || (contentLengths > 0 && !ZERO.test(contentLength)))) {
    throw UnexpectedBody.create({ logMessage: `${method} request declares a body (${te.length > 0 ? 'Transfer-Encoding' : `Content-Length ${contentLength.trim().slice(0, 20)}`})` });
  }
}

const ZERO = /^\s*0+\s*$/;

/**
 * True when the request declares a body: any Transfer-Encoding, or a Content-Length other than 0. (After
 * checkFraming there is at most one of each.) "Content-Length: 0" is no body.
 */
export function declaresBody(req: IncomingMessage): boolean {
  const h = req.headers;
  if (h['transfer-encoding'] !== undefined) return true;
  const cl = h['content-length'];
  return cl !== undefined && !ZERO.test(cl);
}

/**
 * Refuses a body on a request whose route takes none (a DELETE on an Airflow route: none of Airflow's DELETE
 * operations has a request body). Such a body would be forwarded without anyone having inspected it.
 * Throws AIRLOCK_PROXY_UNEXPECTED_BODY (400).
 */
export function refuseBody(req: IncomingMessage): void {
  if (declaresBody(req)) throw UnexpectedBody.create({ logMessage: `${req.method ?? '?'} request declares a body on a route that takes none` });
}

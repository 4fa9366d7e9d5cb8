import type { IncomingHttpHeaders } from 'node:http';

/** Highest q of the Accept ranges that `match` accepts (0 when none). */
function qualityOf(accept: string, match: (type: string) => boolean): number {
  let best = 0;
  for (const range of accept.split(',')) {
    const [typePart, ...params] = range.split(';');
    const type = typePart!.trim().toLowerCase();
    if (!match(type)) continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p);
      if (m) q = Number(m[1]);
    }
    if (Number.isFinite(q) && q > best) best = q;
  }
  return best;
}

const isJson = (t: string) => t === 'application/json' || (t.startsWith('application/') && t.endsWith('+json'));
const isHtml = (t: string) => t === 'text/html' || t === 'application/xhtml+xml';

/**
 * Whether an error for this request should be JSON (API client) rather than an HTML page. True when:
 * - the path is /api or under /api/, also behind a one-segment environment prefix (/prod/api/...);
 * - or there is an Authorization header (browsers do not send one to Airflow's UI through Airlock);
 * - or Accept prefers JSON: application/json (or +json) with a q at least that of text/html;
 * - or X-Requested-With: XMLHttpRequest;
 * - or the method is not GET/HEAD and Accept does not mention text/html (fetch(), not a form post).
 */
export function isApiRequest(method: string, path: string, headers: IncomingHttpHeaders): boolean {
  const q = path.indexOf('?');
  const p = q === -1 ? path : path.slice(0, q);
  if (/^(\/[^/]+)?\/api(\/|$)/.test(p)) return true;
  if (headers.authorization !== undefined) return true;
  const xrw = headers['x-requested-with'];
  if (typeof xrw === 'string' && xrw.toLowerCase() === 'xmlhttprequest') return true;
  const { jsonQ, htmlQ } = acceptQualities(headers.accept ?? '');
  if (jsonQ > 0 && jsonQ >= htmlQ) return true;
  const m = method.toUpperCase();
  if (m !== 'GET' && m !== 'HEAD' && htmlQ === 0) return true;
  return false;
}

interface AcceptQualities {
  readonly jsonQ: number;
  readonly htmlQ: number;
}

const NO_ACCEPT: AcceptQualities = Object.freeze({ jsonQ: 0, htmlQ: 0 });
/** Accept values repeat (one per browser or client library): parsed once each, bounded as clients choose them. */
const acceptMemo = new Map<string, AcceptQualities>();
const ACCEPT_MEMO_SIZE = 512;

function acceptQualities(accept: string): AcceptQualities {
  if (accept === '') return NO_ACCEPT;
  let q = acceptMemo.get(accept);
  if (q === undefined) {
    q = Object.freeze({ jsonQ: qualityOf(accept, isJson), htmlQ: qualityOf(accept, isHtml) });
    if (acceptMemo.size >= ACCEPT_MEMO_SIZE) acceptMemo.clear();
    if (accept.length <= 1024) acceptMemo.set(accept, q);
  }
  return q;
}

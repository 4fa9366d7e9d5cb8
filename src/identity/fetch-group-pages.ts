import { GroupsFetchFailed } from './errors.ts';
import { groupSourceUrl, type GroupSourcePolicy } from './group-source-url.ts';
import { safeCause, safeText, safeToken } from './safe-cause.ts';

export interface GroupFetchLimits extends GroupSourcePolicy {
  /** Pages followed at most (the first request counts). */
  readonly maxPages: number;
  /** Response bytes read at most, all pages together. */
  readonly maxBytes: number;
  /** Time for the whole resolution, all pages together (idp.timeout). */
  readonly timeoutMs: number;
}

const MAX_GROUP_LENGTH = 1024;
/** Graph actions answered by POST (the overage claim names /users/{id}/getMemberObjects). */
const POST_ACTION = /\/(getMemberObjects|getMemberGroups)$/i;

/**
 * Reads the groups of a distributed claims endpoint in the shape of Microsoft Graph: a JSON object whose `value`
 * is an array of ids (getMemberObjects / getMemberGroups) or of directory objects with an `id` (memberOf,
 * transitiveMemberOf), paged by `@odata.nextLink`. The access token goes as a Bearer token, redirects are not
 * followed, every next link must pass the same host allow-list, and the whole read is bounded in time
 * (AbortSignal), bytes and pages. Returns the ids in order, without duplicates; anything else is
 * AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED with `details.reason` (timeout, unreachable, status, too_large,
 * too_many_pages, malformed).
 */
export async function fetchGroupPages(first: URL, accessToken: string, limits: GroupFetchLimits): Promise<string[]> {
  if (!/^[\x21-\x7e]+$/.test(accessToken)) throw failed('malformed', 'the access token for the groups endpoint is not a bearer token');
  const signal = AbortSignal.timeout(limits.timeoutMs);
  const groups = new Set<string>();
  const post = POST_ACTION.test(first.pathname);
  let url: URL | undefined = first;
  let pages = 0;
  let bytes = 0;
  while (url) {
    if (pages === limits.maxPages) throw failed('too_many_pages', `more than idp.distributed_groups.max_pages (${limits.maxPages}) pages`);
    const shown = `${url.protocol}//${url.host}${url.pathname.slice(0, 200)}`;
    const method = post && pages === 0 ? 'POST' : 'GET';
    pages++;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        redirect: 'manual',
        signal,
        headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
        ...(method === 'POST' ? { body: '{"securityEnabledOnly":false}' } : {}),
      });
    } catch (err) {
      throw transport(err, shown, limits.timeoutMs);
    }
    const remaining = limits.maxBytes - bytes;
    if (res.status < 200 || res.status > 299) {
      const why = await errorOf(res).catch(() => '');
      throw failed('status', `${method} ${shown} answered HTTP ${res.status}${why}`, res.status);
    }
    let body: Uint8Array;
    try {
      body = await readLimited(res, remaining);
    } catch (err) {
      if (GroupsFetchFailed.is(err)) throw failed('too_large', `the groups endpoint sent more than idp.distributed_groups.max_bytes (${limits.maxBytes}) bytes`);
      throw transport(err, shown, limits.timeoutMs);
    }
    bytes += body.byteLength;
    const page = parsePage(body, res.headers.get('content-type'), shown);
    for (const g of page.groups) groups.add(g);
    url = page.next === undefined ? undefined : groupSourceUrl(page.next, limits, '@odata.nextLink');
  }
  return [...groups];
}

function parsePage(body: Uint8Array, contentType: string | null, shown: string): { groups: string[]; next: string | undefined } {
  if (!/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(contentType ?? '')) throw failed('malformed', `${shown} answered content-type ${JSON.stringify(safeText(contentType ?? 'none', 80))}, not JSON`);
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw failed('malformed', `${shown} answered a body that is not JSON`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw failed('malformed', `${shown} answered JSON that is not an object`);
  const { value, '@odata.nextLink': next } = doc as Record<string, unknown>;
  if (!Array.isArray(value)) throw failed('malformed', `${shown} answered JSON without a "value" array`);
  if (next !== undefined && typeof next !== 'string') throw failed('malformed', `${shown} answered an @odata.nextLink that is not a string`);
  const groups: string[] = [];
  for (const v of value) {
    const id = typeof v === 'string' ? v : v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as { id?: unknown }).id : undefined;
    if (typeof id !== 'string' || id === '' || id.length > MAX_GROUP_LENGTH) throw failed('malformed', `${shown} answered a "value" entry that is neither a group id nor an object with one`);
    groups.push(id);
  }
  return { groups, next };
}

/** The body, or GroupsFetchFailed (too_large) as soon as it exceeds `max` bytes (announced or streamed). */
async function readLimited(res: Response, max: number): Promise<Uint8Array> {
  const announced = Number(res.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(announced) && announced > max) {
    await res.body?.cancel().catch(() => undefined);
    throw GroupsFetchFailed.create();
  }
  const reader = res.body?.getReader();
  if (!reader) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > max) {
      await reader.cancel().catch(() => undefined);
      throw GroupsFetchFailed.create();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** The error code a refusing endpoint gave (Graph: {"error":{"code"}}, OAuth: {"error"}), for the log; at most 4 KiB read. */
async function errorOf(res: Response): Promise<string> {
  const challenge = res.headers.get('www-authenticate');
  const body = await readLimited(res, 4096).catch(() => new Uint8Array(0));
  let code: unknown;
  try {
    const doc = JSON.parse(Buffer.from(body).toString('utf8')) as { error?: unknown };
    code = typeof doc.error === 'string' ? doc.error : (doc.error as { code?: unknown } | undefined)?.code;
  } catch {
    code = undefined;
  }
  const parts = [typeof code === 'string' ? `error ${safeToken(code)}` : '', challenge ? `WWW-Authenticate ${JSON.stringify(safeText(challenge, 200))}` : ''].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function transport(err: unknown, shown: string, timeoutMs: number) {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError'
    ? failed('timeout', `the groups endpoint ${shown} did not answer within idp.timeout (${timeoutMs} ms, all pages together)`, undefined, err)
    : failed('unreachable', `the groups endpoint ${shown} cannot be reached`, undefined, err);
}

function failed(reason: string, why: string, status?: number, cause?: unknown) {
  return GroupsFetchFailed.create({
    ...(cause === undefined ? {} : { cause: safeCause(cause) }),
    logMessage: `reading the distributed groups claim failed (${reason}): ${why}`,
    details: { reason, ...(status === undefined ? {} : { source_status: status }) },
  });
}

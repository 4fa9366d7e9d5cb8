import { actionVariant } from './catalogue/index.ts';
import { withDagIds } from './classify.ts';
import { BadBody, BodyTooLarge, ParamPollution, UnsupportedBody } from './errors.ts';
import { assertNoDuplicateKeys } from './json-keys.ts';
import { fieldText, parseMultipart } from './multipart.ts';
import { parseParams } from './query.ts';
import type { Classification } from './types.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

function text(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch (cause) {
    throw BadBody.create({ cause, logMessage: 'body is not UTF-8' });
  }
}

/** Collects dag_id / dag_ids anywhere in a JSON document, except inside "conf" (user payload for the run). */
function collectJson(v: unknown, out: string[]): void {
  if (Array.isArray(v)) {
    for (const x of v) collectJson(x, out);
    return;
  }
  if (v === null || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    if (k === 'conf') continue;
    if (k === 'dag_id') {
      if (x === null) continue;
      if (typeof x !== 'string') throw BadBody.create({ logMessage: 'dag_id is not a string' });
      out.push(x);
    } else if (k === 'dag_ids') {
      if (x === null) continue;
      if (!Array.isArray(x) || x.some((e) => typeof e !== 'string')) throw BadBody.create({ logMessage: 'dag_ids is not a list of strings' });
      out.push(...(x as string[]));
    } else collectJson(x, out);
  }
}

/** The FAB list action named by the form's `action` field picks the route's per-action permission. */
function withFormAction(c: Classification, names: readonly string[]): Classification {
  if (names.length > 1) throw ParamPollution.create({ logMessage: 'repeated action in form body' });
  if (names.length === 0 || !c.route) return c;
  const route = actionVariant(c.route, names[0]!);
  return { ...c, route, resource: route.resource, action: route.action };
}

/**
 * Reads the DAG ids a body names and merges them into the classification (the body itself is forwarded
 * untouched): JSON, application/x-www-form-urlencoded or multipart/form-data (text fields dag_id, dag_ids and,
 * for a FAB list action, action). Throws AirlockError 400/413/415 on pollution, mismatch, a bad id or an
 * unreadable, malformed or ambiguous body.
 */
export function readBodyDagIds(c: Classification, contentType: string | undefined, body: Buffer): Classification {
  if (c.body === 'none') return c;
  if (body.length > c.maxBody) throw BodyTooLarge.create({ logMessage: `body of ${body.length} bytes > ${c.maxBody}` });
  if (body.length === 0) return c;
  const media = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  const ids: string[] = [];
  let form: ((name: string) => string[]) | undefined;
  if (media === 'application/json' || (media.startsWith('application/') && media.endsWith('+json'))) {
    const t = text(body);
    let doc: unknown;
    try {
      doc = JSON.parse(t);
    } catch (cause) {
      throw BadBody.create({ cause, logMessage: 'body is not valid JSON' });
    }
    assertNoDuplicateKeys(t);
    collectJson(doc, ids);
  } else if (media === 'application/x-www-form-urlencoded') {
    const fields = parseParams(text(body));
    form = (name) => fields.getAll(name);
  } else if (media === 'multipart/form-data') {
    const parts = parseMultipart(contentType!, body);
    form = (name) => parts.filter((p) => p.name === name).map(fieldText);
  } else {
    throw UnsupportedBody.create({ logMessage: `cannot inspect body of type ${JSON.stringify(media)}` });
  }
  if (form) {
    const single = form('dag_id');
    if (single.length > 1) throw ParamPollution.create({ logMessage: 'repeated dag_id in form body' });
    ids.push(...single, ...form('dag_ids'));
  }
  const out = withDagIds(c, ids, true);
  return form && c.route?.actionFrom === 'form' ? withFormAction(out, form('action')) : out;
}

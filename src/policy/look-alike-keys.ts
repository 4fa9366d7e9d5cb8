import { AmbiguousParam } from './errors.ts';
import type { ReadonlyQuery } from './query.ts';

/**
 * Look-alike parameter names on DAG-scoped routes (docs/policy.md, "4. Canonicalization"): a key that is
 * not exactly one of the parameters that name DAGs, but reads as one once case, Unicode compatibility forms
 * (fullwidth, ligatures), invisible characters, diacritics, common confusables (Cyrillic, Greek, small capitals,
 * l/1/I for i, 0 for o) and separators ("_", "-", ".", spaces, dashes) are folded away: `DAG_ID`, `Dag_Id`,
 * `dag-id`, `dagId`, `ｄａｇ＿ｉｄ`, `dаg_id` (Cyrillic а), `dag_id\u200b`. The gateway reads only the exact
 * name; a framework, middleware or later Airflow version that folds names would read the other one.
 * Percent-encoding is decoded before this check, so `dag%5Fid` IS `dag_id` (and repeating it is pollution).
 */

/** Every query/form parameter through which a request names DAGs (classify, lists.ts, body.ts). */
export const DAG_PARAM_NAMES: readonly string[] = Object.freeze(['dag_id', 'dag_ids', 'dag_id_pattern', 'dag_display_name_pattern', 'source_dag_id']);

const EXACT: ReadonlySet<string> = new Set(DAG_PARAM_NAMES);

/** Lower-case look-alikes -> the ASCII letter they imitate (after NFKC, which already folds fullwidth forms). */
const CONFUSABLE: ReadonlyMap<string, string> = new Map(
  Object.entries({
    a: 'аɑαᴀ', c: 'сϲᴄ', d: 'ԁᴅ', e: 'еҽᴇ', g: 'ɡɢց', h: 'һհ', i: 'іɩιɪıӏǀ1l|', j: 'ј', k: 'κᴋ', m: 'ᴍ', n: 'ɴηո',
    o: 'оοᴏօ0', p: 'рρᴘ', r: 'ʀ', s: 'ѕꜱ', t: 'ᴛ', u: 'υᴜս', v: 'νᴠ', w: 'ԝᴡ', x: 'х', y: 'уүʏ',
  }).flatMap(([ascii, alikes]) => [...alikes].map((ch) => [ch, ascii] as [string, string])),
);

const ASCII = /^[\x00-\x7f]*$/;
const IGNORABLE = /\p{Default_Ignorable_Code_Point}/gu;
const MARKS = /\p{M}/gu;
/** Separators folded away: connector and dash punctuation, spaces, ".", double low line, modifier low macron. */
const SEPARATOR = /^[\p{Pc}\p{Pd}\p{Z}\s.\u2017\u02cd]$/u;

/** The folded form two names share when they look alike (see above). */
export function foldParamName(key: string): string {
  let k = key;
  if (!ASCII.test(k)) k = k.normalize('NFKC').replace(IGNORABLE, '').normalize('NFD').replace(MARKS, '');
  k = k.toLowerCase();
  let out = '';
  for (const ch of k) {
    if (SEPARATOR.test(ch)) continue;
    out += CONFUSABLE.get(ch) ?? ch;
  }
  return out;
}

const FOLDED: ReadonlySet<string> = new Set(DAG_PARAM_NAMES.map(foldParamName));

/** The first key that looks like a DAG parameter without being one, or undefined. */
export function lookAlikeDagKey(keys: Iterable<string>): string | undefined {
  for (const key of keys) {
    if (EXACT.has(key)) continue;
    if (FOLDED.has(foldParamName(key))) return key;
  }
  return undefined;
}

/** Throws AIRLOCK_POLICY_AMBIGUOUS_PARAM (400) when a query or form key looks like a DAG parameter but is not one. */
export function assertNoLookAlikeDagKeys(params: ReadonlyQuery): void {
  if (params.size === 0) return;
  const key = lookAlikeDagKey(params.keys());
  if (key !== undefined) throw AmbiguousParam.create({ logMessage: `parameter ${JSON.stringify(key.slice(0, 80))} looks like a DAG id parameter` });
}

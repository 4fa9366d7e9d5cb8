/**
 * The assertion's `dag_rules` claim (docs/assertion-contract.md): the per-DAG rules of one environment as they
 * apply to one subject, so Airflow (the airflow-airlock integration) filters its DAG lists exactly as
 * EnvRules.evaluate decides single requests.
 *
 * Each entry is one rule that affects the subject: its selector and `o`, one letter per action in ACTIONS order
 * (read, create, edit, delete, trigger, clear, pause, mark_success, mark_failed):
 *   d = the rule denies the action to the subject, a = the rule allows it to the subject,
 *   r = the rule allows it to others only (restricted), - = the rule says nothing about it for this subject.
 * Combining the entries that select a DAG: any d -> deny; else any a -> allow; else any r -> restricted;
 * else none (the role decides). A tags/owners entry with d or r for an action, on a DAG whose metadata is
 * unknown, makes that action deny (fail closed).
 */
import { ACTIONS, type Action } from './catalogue/index.ts';
import { assertPortableRegex } from './portable-regex.ts';
import type { CompiledPolicy } from './compile.ts';
import { subjectKey } from './decide.ts';
import type { CompiledRule, EnvRules, RuleSelector } from './rules.ts';
import type { DagMeta, Subject } from './types.ts';

/** Outcome letters per action, in ACTIONS order. */
export const CLAIM_ACTIONS: readonly Action[] = ACTIONS;
/** Upper bound of the claim's JSON (bytes). A rule set whose claim could exceed it is refused at config load. */
export const MAX_DAG_RULES_CLAIM_BYTES = 3072;

export type DagRuleEntry =
  | { readonly o: string; readonly every: true }
  | { readonly o: string; readonly dag_ids: readonly string[] }
  | { readonly o: string; readonly match: string }
  | { readonly o: string; readonly regex: string }
  | { readonly o: string; readonly tags: readonly string[] }
  | { readonly o: string; readonly owners: readonly string[] };

export type DagRulesClaim = readonly DagRuleEntry[];

const NOTHING = '-'.repeat(ACTIONS.length);

/** One rule's letters for one subject. */
function lettersOf(r: CompiledRule, s: Subject): string {
  let out = '';
  for (const a of ACTIONS) {
    const allow = r.allow.get(a);
    if (r.deny.get(a)?.has(s)) out += 'd';
    else if (allow === undefined) out += '-';
    else out += allow.has(s) ? 'a' : 'r';
  }
  return out;
}

function entryOf(sel: RuleSelector, o: string): DagRuleEntry {
  switch (sel.kind) {
    case 'every':
      return { o, every: true };
    case 'dag_ids':
      return { o, dag_ids: sel.value };
    case 'match':
      return { o, match: sel.value };
    case 'regex':
      return { o, regex: sel.value };
    case 'tags':
      return { o, tags: sel.value };
    case 'owners':
      return { o, owners: sel.value };
  }
}

const caches = new WeakMap<EnvRules, Map<string, DagRulesClaim>>();

/**
 * The claim for one subject (pure; cached per subject key, bounded by policy.cache_size). Rules that say
 * nothing to the subject are left out; an empty list means "no rule restricts this person here".
 */
export function dagRulesClaim(rules: EnvRules, subject: Subject, subjectKey: string): DagRulesClaim {
  let cache = caches.get(rules);
  if (!cache) caches.set(rules, (cache = new Map()));
  const hit = cache.get(subjectKey);
  if (hit) return hit;
  const out: DagRuleEntry[] = [];
  for (const r of rules.all) {
    const o = lettersOf(r, subject);
    if (o !== NOTHING) out.push(Object.freeze(entryOf(rules.selectorOf(r), o)));
  }
  const claim = Object.freeze(out);
  const size = Math.max(rules.cacheSize, 64);
  if (cache.size >= size) cache.delete(cache.keys().next().value as string);
  cache.set(subjectKey, claim);
  return claim;
}

/** The largest the claim can be for anyone: every rule of the environment included. */
export function worstCaseClaimBytes(rules: EnvRules): number {
  const all = rules.all.map((r) => entryOf(rules.selectorOf(r), 'x'.repeat(ACTIONS.length)));
  return Buffer.byteLength(JSON.stringify(all));
}

/**
 * Config-load checks for an environment whose Airflow evaluates the claim: regex selectors within the portable
 * dialect, and the claim within MAX_DAG_RULES_CLAIM_BYTES. Throws TypeError naming the environment.
 */
export function checkClaimable(env: string, rules: EnvRules): void {
  for (const r of rules.all) {
    const sel = rules.selectorOf(r);
    if (sel.kind !== 'regex') continue;
    try {
      assertPortableRegex(sel.value);
    } catch (err) {
      throw new TypeError(`dags rule ${r.id}: environments.${env}.airflow_filters_dags is on, so Airflow evaluates this rule too: ${(err as Error).message}`);
    }
  }
  const bytes = worstCaseClaimBytes(rules);
  if (bytes > MAX_DAG_RULES_CLAIM_BYTES) {
    throw new TypeError(
      `environments.${env}.airflow_filters_dags: the per-DAG rules of this environment need up to ${bytes} bytes in the assertion's dag_rules claim (limit ${MAX_DAG_RULES_CLAIM_BYTES}); use fewer or shorter selectors (a glob instead of long dag_ids lists)`,
    );
  }
}

/**
 * The dag_rules claim for a subject in an environment whose Airflow filters DAG lists (airflow_filters_dags),
 * or undefined (the flag is off, or no such environment): then the assertion carries no dag_rules.
 */
export function dagRulesClaimFor(policy: CompiledPolicy, env: string, subject: Subject): DagRulesClaim | undefined {
  const e = policy.envs.get(env);
  if (!e || !e.airflowFiltersDags) return undefined;
  return dagRulesClaim(e.rules, subject, subjectKey(subject));
}

// ---------------------------------------------------------------------------------------------------------
// The verifier side, in TypeScript: what the Python integration does (airflow_airlock/dag_rules.py), used by
// the Airflow stand-in and by the contract tests that compare both with EnvRules.evaluate.

export type ClaimOutcome = 'none' | 'deny' | 'allow' | 'restricted' | 'metadata_unavailable';

interface Compiled {
  readonly o: string;
  readonly meta: boolean;
  selects(dagId: string, meta: DagMeta | undefined): boolean;
}

function globRegExp(glob: string): RegExp {
  let src = '';
  for (const ch of glob) src += ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  return new RegExp(`^${src}$`, 'u');
}

const strings = (v: unknown): v is string[] => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x !== '');

/** A parsed, checked claim. */
export class DagRulesEvaluator {
  readonly #entries: readonly Compiled[];

  private constructor(entries: readonly Compiled[]) {
    this.#entries = entries;
  }

  /** Checks the claim's shape (as a verifier must); throws TypeError on anything else. */
  static parse(value: unknown): DagRulesEvaluator {
    if (!Array.isArray(value)) throw new TypeError('dag_rules must be a list');
    const out: Compiled[] = [];
    for (const [i, e] of value.entries()) {
      if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new TypeError(`dag_rules[${i}] must be an object`);
      const rec = e as Record<string, unknown>;
      const keys = Object.keys(rec);
      const o = rec.o;
      if (typeof o !== 'string' || !new RegExp(`^[dar-]{${ACTIONS.length}}$`).test(o)) throw new TypeError(`dag_rules[${i}].o must be ${ACTIONS.length} letters of d, a, r, -`);
      const sel = keys.filter((k) => k !== 'o');
      if (sel.length !== 1) throw new TypeError(`dag_rules[${i}] must have exactly one selector`);
      const kind = sel[0]!;
      const v = rec[kind];
      if (kind === 'every' && v === true) out.push({ o, meta: false, selects: () => true });
      else if (kind === 'dag_ids' && strings(v)) {
        const ids = new Set(v);
        out.push({ o, meta: false, selects: (d) => ids.has(d) });
      } else if (kind === 'match' && typeof v === 'string' && v !== '') {
        const re = globRegExp(v);
        out.push({ o, meta: false, selects: (d) => re.test(d) });
      } else if (kind === 'regex' && typeof v === 'string' && v !== '') {
        assertPortableRegex(v);
        const re = new RegExp(v, 'u');
        out.push({ o, meta: false, selects: (d) => re.test(d) });
      } else if ((kind === 'tags' || kind === 'owners') && strings(v)) {
        const want = new Set(v);
        out.push({ o, meta: true, selects: (_d, m) => m !== undefined && (m[kind] as readonly string[]).some((x) => want.has(x)) });
      } else throw new TypeError(`dag_rules[${i}]: bad selector ${kind}`);
    }
    return new DagRulesEvaluator(out);
  }

  /** Whether any entry selects by tags or owners (the caller then needs DAG metadata). */
  get needsMetadata(): boolean {
    return this.#entries.some((e) => e.meta);
  }

  /** `meta` undefined = unknown DAG metadata (tags/owners entries that restrict then deny). */
  outcome(dagId: string, action: Action, meta: DagMeta | undefined): ClaimOutcome {
    const k = ACTIONS.indexOf(action);
    if (k < 0) throw new TypeError(`unknown action ${action}`);
    if (meta === undefined && this.#entries.some((e) => e.meta && (e.o[k] === 'd' || e.o[k] === 'r'))) return 'metadata_unavailable';
    let allow = false;
    let restricted = false;
    for (const e of this.#entries) {
      const l = e.o[k];
      if (l === '-' || !e.selects(dagId, meta)) continue;
      if (l === 'd') return 'deny';
      if (l === 'a') allow = true;
      else restricted = true;
    }
    return allow ? 'allow' : restricted ? 'restricted' : 'none';
  }

  permits(dagId: string, action: Action, meta: DagMeta | undefined): boolean {
    const o = this.outcome(dagId, action, meta);
    return o === 'allow' || o === 'none';
  }

  /**
   * Airflow's "edit DAG" (PUT): the subject may read the DAG and the rules leave at least one write action (a DAG
   * it may not read is never offered for editing: Airflow lists some DAG data by "editable").
   */
  editable(dagId: string, meta: DagMeta | undefined): boolean {
    return this.permits(dagId, 'read', meta) && ACTIONS.some((a) => a !== 'read' && this.permits(dagId, a, meta));
  }

  /** Whether some entry can take `action` away on some DAG (then "all DAGs" is not granted). */
  restrictsAny(action: Action): boolean {
    const k = ACTIONS.indexOf(action);
    return this.#entries.some((e) => e.o[k] === 'd' || e.o[k] === 'r');
  }
}

import { ACTIONS, type Action } from './catalogue/index.ts';
import { globToRegExp } from './glob.ts';
import { SubjectSet } from './subjects.ts';
import type { DagMetadataSnapshot, Subject } from './types.ts';
import type { DagRuleConfig } from '../config/schema/policy.ts';

export interface CompiledRule {
  readonly id: string;
  readonly name: string;
  readonly index: number;
  readonly allow: ReadonlyMap<Action, SubjectSet>;
  readonly deny: ReadonlyMap<Action, SubjectSet>;
}

/** Expands rule action names ("write", "mark", "*") into catalogue actions. */
export function expandActions(name: string): Action[] {
  if (name === '*') return [...ACTIONS];
  if (name === 'write') return ACTIONS.filter((a) => a !== 'read');
  if (name === 'mark') return ['mark_success', 'mark_failed'];
  if ((ACTIONS as readonly string[]).includes(name)) return [name as Action];
  throw new TypeError(`unknown action "${name}"`);
}

function grantMap(grants: Readonly<Record<string, readonly string[] | undefined>> | undefined): Map<Action, SubjectSet> {
  const lists = new Map<Action, string[]>();
  for (const [name, who] of Object.entries(grants ?? {})) {
    for (const a of expandActions(name)) lists.set(a, [...(lists.get(a) ?? []), ...(who ?? [])]);
  }
  return new Map([...lists].map(([a, who]) => [a, new SubjectSet(who)]));
}

export function compileRule(id: string, name: string, index: number, allow: DagRuleConfig['allow'], deny: DagRuleConfig['deny']): CompiledRule {
  return { id, name, index, allow: grantMap(allow), deny: grantMap(deny) };
}


export type RuleOutcome =
  | { kind: 'none' }
  | { kind: 'deny'; rules: CompiledRule[] }
  | { kind: 'allow'; rules: CompiledRule[] }
  | { kind: 'restricted'; rules: CompiledRule[] }
  | { kind: 'metadata_unavailable'; rules: CompiledRule[] };

const byIndex = (a: CompiledRule, b: CompiledRule) => a.index - b.index;

/** How a rule selects DAGs: every DAG of the environment (env_defaults) or one of the dags: selectors. */
export type RuleSelector =
  | { readonly kind: 'every' }
  | { readonly kind: 'dag_ids'; readonly value: readonly string[] }
  | { readonly kind: 'match'; readonly value: string }
  | { readonly kind: 'regex'; readonly value: string }
  | { readonly kind: 'tags'; readonly value: readonly string[] }
  | { readonly kind: 'owners'; readonly value: readonly string[] };

function selectorFrom(sel: Pick<DagRuleConfig, 'match' | 'regex' | 'dag_ids' | 'tags' | 'owners'> | 'every'): RuleSelector {
  if (sel === 'every') return { kind: 'every' };
  if (sel.dag_ids) return { kind: 'dag_ids', value: [...sel.dag_ids] };
  if (sel.match !== undefined) return { kind: 'match', value: sel.match };
  if (sel.regex !== undefined) return { kind: 'regex', value: sel.regex };
  if (sel.tags) return { kind: 'tags', value: [...sel.tags] };
  if (sel.owners) return { kind: 'owners', value: [...sel.owners] };
  throw new TypeError('a rule needs one selector: match, regex, dag_ids, tags or owners');
}

/** Whether a rule can take this action away from the subject on the DAGs it selects. */
function restricts(r: CompiledRule, action: Action, s: Subject): boolean {
  if (r.deny.get(action)?.has(s)) return true;
  const allow = r.allow.get(action);
  return allow !== undefined && !allow.has(s);
}

/** The compiled per-DAG rules of one environment. */
export class EnvRules {
  readonly all: CompiledRule[] = [];
  readonly #exact = new Map<string, CompiledRule[]>();
  readonly #globs = new Map<string, { re: RegExp; rule: CompiledRule }[]>();
  readonly #regexes: { re: RegExp; rule: CompiledRule }[] = [];
  readonly #everyDag: CompiledRule[] = [];
  readonly #tags = new Map<string, CompiledRule[]>();
  readonly #owners = new Map<string, CompiledRule[]>();
  readonly #metaRules: CompiledRule[] = [];
  readonly #cache = new Map<string, CompiledRule[]>();
  readonly #allCache = new Map<string, CompiledRule[]>();
  /** How each rule selects DAGs (the assertion's dag_rules claim carries it, see dag-rules-claim.ts). */
  readonly #selectors = new Map<CompiledRule, RuleSelector>();
  readonly #cacheSize: number;
  readonly #maxMetadataAge: number;

  constructor(cacheSize: number, maxMetadataAge: number) {
    this.#cacheSize = cacheSize;
    this.#maxMetadataAge = maxMetadataAge;
  }

  get usesMetadata(): boolean {
    return this.#metaRules.length > 0;
  }

  /** Bound of this environment's per-key caches (policy.cache_size). */
  get cacheSize(): number {
    return this.#cacheSize;
  }

  /** The selector a rule was added with. */
  selectorOf(rule: CompiledRule): RuleSelector {
    const s = this.#selectors.get(rule);
    if (!s) throw new TypeError(`rule ${rule.id} is not a rule of this environment`);
    return s;
  }

  add(rule: CompiledRule, sel: Pick<DagRuleConfig, 'match' | 'regex' | 'dag_ids' | 'tags' | 'owners'> | 'every'): void {
    this.all.push(rule);
    this.#selectors.set(rule, selectorFrom(sel));
    if (sel === 'every') this.#everyDag.push(rule);
    else if (sel.dag_ids) for (const id of sel.dag_ids) this.#exact.set(id, [...(this.#exact.get(id) ?? []), rule]);
    else if (sel.match !== undefined) {
      const prefix = sel.match.split(/[*?]/, 1)[0]!;
      if (prefix === sel.match) this.#exact.set(prefix, [...(this.#exact.get(prefix) ?? []), rule]);
      else this.#globs.set(prefix, [...(this.#globs.get(prefix) ?? []), { re: globToRegExp(sel.match), rule }]);
    } else if (sel.regex !== undefined) this.#regexes.push({ re: new RegExp(sel.regex, 'u'), rule });
    else {
      for (const t of sel.tags ?? []) this.#tags.set(t, [...(this.#tags.get(t) ?? []), rule]);
      for (const o of sel.owners ?? []) this.#owners.set(o, [...(this.#owners.get(o) ?? []), rule]);
      this.#metaRules.push(rule);
    }
  }

  /** Rules selecting dagId by id, glob or regex (cached per dag_id, bounded). */
  staticRules(dagId: string): CompiledRule[] {
    const hit = this.#cache.get(dagId);
    if (hit) return hit;
    const out: CompiledRule[] = [...this.#everyDag, ...(this.#exact.get(dagId) ?? [])];
    for (let i = 0; i <= dagId.length; i++) {
      const bucket = this.#globs.get(dagId.slice(0, i));
      if (bucket) for (const g of bucket) if (g.re.test(dagId)) out.push(g.rule);
    }
    for (const r of this.#regexes) if (r.re.test(dagId)) out.push(r.rule);
    out.sort(byIndex);
    if (this.#cacheSize > 0) {
      if (this.#cache.size >= this.#cacheSize) this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(dagId, out);
    }
    return out;
  }

  evaluate(s: Subject, dagId: string, action: Action, now: number, meta: DagMetadataSnapshot | undefined): RuleOutcome {
    let rules = this.staticRules(dagId);
    if (this.#metaRules.length > 0) {
      const fresh = meta !== undefined && now - meta.fetchedAt <= this.#maxMetadataAge;
      const m = fresh ? meta.dags.get(dagId) : undefined;
      if (!m) {
        const blocking = this.#metaRules.filter((r) => restricts(r, action, s));
        if (blocking.length > 0) return { kind: 'metadata_unavailable', rules: blocking };
      } else {
        const extra = new Set<CompiledRule>();
        for (const t of m.tags) for (const r of this.#tags.get(t) ?? []) extra.add(r);
        for (const o of m.owners) for (const r of this.#owners.get(o) ?? []) extra.add(r);
        if (extra.size > 0) rules = [...rules, ...extra].sort(byIndex);
      }
    }
    if (rules.length === 0) return { kind: 'none' };
    let denies: CompiledRule[] | undefined;
    let allows: CompiledRule[] | undefined;
    let granted: CompiledRule[] | undefined;
    for (const r of rules) {
      if (r.deny.get(action)?.has(s)) (denies ??= []).push(r);
      const a = r.allow.get(action);
      if (a) {
        (allows ??= []).push(r);
        if (a.has(s)) (granted ??= []).push(r);
      }
    }
    if (denies) return { kind: 'deny', rules: denies };
    if (granted) return { kind: 'allow', rules: granted };
    if (allows) return { kind: 'restricted', rules: allows };
    return { kind: 'none' };
  }

  /** Rules that take `action` away from the subject on at least one DAG (so an all-DAG request is refused). */
  restrictingAny(s: Subject, action: Action, subjectKey: string): CompiledRule[] {
    const key = `${action}\u0000${subjectKey}`;
    const hit = this.#allCache.get(key);
    if (hit) return hit;
    const out = this.all.filter((r) => restricts(r, action, s));
    if (this.#cacheSize > 0) {
      if (this.#allCache.size >= this.#cacheSize) this.#allCache.delete(this.#allCache.keys().next().value as string);
      this.#allCache.set(key, out);
    }
    return out;
  }
}

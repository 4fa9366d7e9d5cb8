import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { ConfigError, formatProblems, loadConfig, parseDuration, resolveConfigPath, type AirlockConfig } from '../../config/index.ts';
import { isAirlockError } from '../../errors/index.ts';
import { compilePolicy, explain, rolesForGroups, type CompiledPolicy, type DagMetadataSnapshot, type Subject } from '../../policy/index.ts';

export interface SubjectSpec {
  user: string;
  groups?: string[] | undefined;
  roles?: string[] | undefined;
  kind?: Subject['kind'] | undefined;
  email?: string | undefined;
  /** "none", or how long ago the second factor was verified ("30s", "10m"). */
  mfaAge?: string | undefined;
}

export function subjectFrom(cfg: AirlockConfig, s: SubjectSpec, now: number): Subject {
  const groups = s.groups ?? [];
  let mfa: Subject['mfa'] = { method: 'none' };
  if (s.mfaAge !== undefined && s.mfaAge !== 'none') {
    const age = parseDuration(s.mfaAge);
    if (age === undefined) throw new TypeError(`invalid mfa age "${s.mfaAge}"; use e.g. "1m" or "none"`);
    mfa = { method: 'webauthn', at: now - age };
  }
  return { kind: s.kind ?? 'person', sub: s.user, username: s.user, email: s.email, groups, roles: s.roles ?? rolesForGroups(cfg, groups), mfa };
}

function splitRequest(text: string): { method: string; target: string } {
  const m = /^([A-Z]+)\s+(\S+)$/.exec(text.trim());
  if (!m) throw new TypeError(`request must be "METHOD /path?query", got "${text}"`);
  return { method: m[1]!, target: m[2]! };
}

/** Metadata for tags/owners rules in CLI runs: { dag_id: { tags: [...], owners: [...] } }. */
function metadataFrom(raw: unknown, now: number): DagMetadataSnapshot | undefined {
  if (raw === undefined) return undefined;
  const entries = Object.entries(raw as Record<string, { tags?: string[]; owners?: string[] }>);
  return { fetchedAt: now, dags: new Map(entries.map(([id, m]) => [id, { tags: m.tags ?? [], owners: m.owners ?? [] }])) };
}

export interface PolicyCase {
  name?: string;
  user: string;
  groups?: string[];
  roles?: string[];
  kind?: Subject['kind'];
  email?: string;
  mfa_age?: string;
  env: string;
  request: string;
  content_type?: string;
  body?: unknown;
  expect: 'allow' | 'deny' | 'step_up' | 'refused';
  expect_code?: string;
  expect_rule?: string;
}

export interface CaseResult {
  readonly name: string;
  readonly ok: boolean;
  readonly got: string;
  readonly detail: string;
}

/** Runs one table of expected decisions against a compiled policy. Pure apart from the clock value passed in. */
export function runCases(cfg: AirlockConfig, policy: CompiledPolicy, cases: PolicyCase[], now: number, dagMetadata?: DagMetadataSnapshot): CaseResult[] {
  return cases.map((c, i) => {
    const name = c.name ?? `case ${i + 1}: ${c.request}`;
    const { method, target } = splitRequest(c.request);
    const subject = subjectFrom(cfg, { user: c.user, groups: c.groups, roles: c.roles, kind: c.kind, email: c.email, mfaAge: c.mfa_age }, now);
    const body = c.body === undefined ? undefined : Buffer.from(typeof c.body === 'string' ? c.body : JSON.stringify(c.body));
    const contentType = c.content_type ?? (body ? (typeof c.body === 'string' ? 'application/x-www-form-urlencoded' : 'application/json') : undefined);
    try {
      const ex = explain(policy, subject, c.env, { method, target, contentType, body }, { now, dagMetadata });
      const d = ex.decision;
      const ruleOk = c.expect_rule === undefined || d.reasons.some((r) => r.rule?.id === c.expect_rule);
      const ok = d.effect === c.expect && ruleOk;
      return { name, ok, got: d.effect, detail: ex.lines.join('\n') };
    } catch (err) {
      if (!isAirlockError(err)) throw err;
      const ok = c.expect === 'refused' && (c.expect_code === undefined || c.expect_code === err.code);
      return { name, ok, got: `refused (${err.code})`, detail: `refused ${err.status} ${err.code}: ${err.publicMessage}` };
    }
  });
}

async function loadOrReport(path: string): Promise<AirlockConfig | undefined> {
  try {
    return await loadConfig(path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${path}: ${err.problems.length} problem(s)\n${formatProblems(err.problems)}\n`);
    process.exitCode = 2;
    return undefined;
  }
}

/** Reads a policy test file; returns the number of failed cases (prints a line per case). */
export async function runPolicyTestFile(file: string, configOption: string | undefined, out: (line: string) => void): Promise<number> {
  const doc = parseYaml(await readFile(file, 'utf8')) as { config?: string; now?: string; dag_metadata?: unknown; cases?: PolicyCase[] };
  if (!doc || !Array.isArray(doc.cases) || doc.cases.length === 0) throw new TypeError(`${file}: needs a non-empty "cases:" list`);
  const cfgPath = configOption !== undefined ? resolveConfigPath(configOption) : doc.config ? resolve(dirname(file), doc.config) : resolveConfigPath(undefined);
  const cfg = await loadConfig(cfgPath);
  const policy = compilePolicy(cfg);
  const now = doc.now ? Date.parse(doc.now) : Date.now();
  if (Number.isNaN(now)) throw new TypeError(`${file}: "now" must be an ISO date`);
  const results = runCases(cfg, policy, doc.cases, now, metadataFrom(doc.dag_metadata, now));
  let failed = 0;
  for (const r of results) {
    if (r.ok) out(`ok      ${r.name} -> ${r.got}`);
    else {
      failed++;
      out(`FAIL    ${r.name} -> got ${r.got}\n${r.detail.replace(/^/gm, '        ')}`);
    }
  }
  out(`${results.length - failed} passed, ${failed} failed`);
  return failed;
}

/** `airlock policy explain ...` and `airlock policy test FILE.yaml`. */
export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('explain and test authorization decisions');
  policy
    .command('explain')
    .description('print the decision for one request and every rule that produced it')
    .argument('<method>', 'HTTP method, e.g. POST')
    .argument('<target>', 'path and query, e.g. /api/v1/dags/etl/dagRuns')
    .requiredOption('--user <name>', 'username')
    .requiredOption('--env <name>', 'environment')
    .option('--groups <list>', 'comma-separated IdP groups', '')
    .option('--roles <list>', 'comma-separated Airflow roles (default: from the config\'s roles: mapping)')
    .option('--kind <kind>', 'person, service or agent', 'person')
    .option('--mfa-age <duration>', 'how long ago a second factor was verified, or "none"', 'none')
    .option('--body <text>', 'request body (JSON or form data)')
    .option('--content-type <type>', 'content type of --body (default: JSON when it starts with { or [)')
    .option('--config <path>', 'config file (default: $AIRLOCK_CONFIG, then ./airlock.yaml)')
    .action(async (method: string, target: string, o: { user: string; env: string; groups: string; roles?: string; kind: string; mfaAge: string; body?: string; contentType?: string; config?: string }) => {
      const cfg = await loadOrReport(resolveConfigPath(o.config));
      if (!cfg) return;
      const now = Date.now();
      const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
      const subject = subjectFrom(cfg, { user: o.user, groups: list(o.groups), roles: o.roles === undefined ? undefined : list(o.roles), kind: o.kind as Subject['kind'], mfaAge: o.mfaAge }, now);
      const body = o.body === undefined ? undefined : Buffer.from(o.body);
      const contentType = o.contentType ?? (o.body === undefined ? undefined : /^\s*[[{]/.test(o.body) ? 'application/json' : 'application/x-www-form-urlencoded');
      try {
        const ex = explain(compilePolicy(cfg), subject, o.env, { method: method.toUpperCase(), target, contentType, body }, { now });
        process.stdout.write(`${ex.lines.join('\n')}\n`);
      } catch (err) {
        if (!isAirlockError(err)) throw err;
        process.stdout.write(`decision:   REFUSED (${err.status} ${err.code})\n${err.publicMessage}\n`);
      }
    });
  policy
    .command('test')
    .description('run a YAML table of expected decisions; exits 1 on any mismatch')
    .argument('<file>', 'policy test file')
    .option('--config <path>', 'config file (default: the file\'s config:, then $AIRLOCK_CONFIG, then ./airlock.yaml)')
    .action(async (file: string, o: { config?: string }) => {
      try {
        const failed = await runPolicyTestFile(resolve(file), o.config, (l) => process.stdout.write(`${l}\n`));
        if (failed > 0) process.exitCode = 1;
      } catch (err) {
        if (err instanceof ConfigError) {
          process.stderr.write(`${err.problems.length} config problem(s)\n${formatProblems(err.problems)}\n`);
          process.exitCode = 2;
          return;
        }
        if (err instanceof TypeError) {
          process.stderr.write(`${err.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw err;
      }
    });
}

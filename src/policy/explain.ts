import { canonicalizeTarget } from './canonicalize.ts';
import { classify } from './classify.ts';
import { readBodyDagIds } from './body.ts';
import { decide } from './decide.ts';
import type { CompiledPolicy } from './compile.ts';
import type { Classification, DecideContext, Decision, Subject } from './types.ts';

export interface ExplainInput {
  readonly method: string;
  readonly target: string;
  readonly contentType?: string | undefined;
  readonly body?: Buffer | undefined;
}

export interface Explanation {
  readonly classification: Classification;
  readonly decision: Decision;
  /** Human-readable report, one line per fact. */
  readonly lines: readonly string[];
}

/** Runs the whole pipeline (canonicalize, classify, body ids, decide) and describes every step. Throws AirlockError on a refused request. */
export function explain(policy: CompiledPolicy, subject: Subject, env: string, input: ExplainInput, ctx: DecideContext): Explanation {
  const e = policy.envs.get(env);
  if (!e) throw new TypeError(`unknown environment "${env}"; configured: ${[...policy.envs.keys()].join(', ')}`);
  const target = canonicalizeTarget(input.method, input.target);
  let c = classify(policy, e.airflow, target);
  if (input.body !== undefined) c = readBodyDagIds(c, input.contentType, input.body);
  const d = decide(policy, subject, env, c, ctx);
  const lines = [
    `decision:   ${d.effect.toUpperCase()}`,
    `request:    ${target.method} ${target.forwardTarget}  (env ${env}, Airflow ${e.airflow})`,
    `route:      ${c.route ? `${c.route.id} (${c.route.operationId})` : 'unknown'}${c.allowListed ? ' [allow-list]' : ''}`,
    `resource:   ${d.resource}   action: ${d.action}`,
    `dags:       ${c.dagIds.length ? c.dagIds.join(', ') : '-'}${c.allDags ? '  (acts on every DAG)' : ''}${c.body !== 'none' && input.body === undefined ? `  (ids also read from the ${c.body} body)` : ''}`,
    `requires:   ${c.route ? c.route.requires.map((p) => `${p[0]} on ${p[1]}`).join(', ') || 'authentication only' : '-'}`,
    ...(c.route?.denied !== undefined ? [`denied:     to every role by Airflow: ${c.route.denied}`] : []),
    ...(c.route?.perAction ? [`actions:    ${Object.keys(c.route.perAction).join(', ') || 'none'} (the ${c.route.actionFrom === 'form' ? '"action" form field' : '{name} path parameter'} picks one; until then all of them are required)`] : []),
    `subject:    ${subject.username} (${subject.kind}) groups=[${subject.groups.join(', ')}] roles=[${subject.roles.join(', ')}] mfa=${subject.mfa.method}`,
    'reasons:',
    ...d.reasons.map((r) => `  - ${r.code}${r.rule ? ` [${r.rule.id}${r.rule.name !== r.rule.id ? ` "${r.rule.name}"` : ''}]` : ''}: ${r.message}`),
    ...(d.grantingGroups.length ? [`granted to: ${d.grantingGroups.join(', ')}`] : []),
  ];
  return { classification: c, decision: d, lines };
}

import { createHash } from 'node:crypto';
import type { DemoUser } from './types.ts';

/** The demo's people. Roles come from the gateway's `roles:` mapping of their groups. */
export const DEMO_USERS: readonly DemoUser[] = Object.freeze([
  { username: 'alice', password: 'alice-demo', email: 'alice@example.com', name: 'Alice Admin', groups: ['airflow-admins'] },
  { username: 'bob', password: 'bob-demo', email: 'bob@example.com', name: 'Bob Operator', groups: ['data-platform-ops'] },
  { username: 'carol', password: 'carol-demo', email: 'carol@example.com', name: 'Carol Engineer', groups: ['data-eng'] },
  { username: 'dave', password: 'dave-demo', email: 'dave@example.com', name: 'Dave Analyst', groups: ['analysts'] },
  { username: 'erin', password: 'erin-demo', email: 'erin@example.com', name: 'Erin Marketing', groups: ['marketing'] },
].map((u) => Object.freeze({ ...u, groups: Object.freeze([...u.groups]) })));

/** Stable subject of a user: the same username always gives the same sub. */
export function subjectOf(username: string): string {
  return `user-${createHash('sha256').update(`airlock-dev-idp:${username}`).digest('hex').slice(0, 20)}`;
}

import type { Subject } from './types.ts';

/** A compiled "who" list of a rule: group:, user:, role:, email:, kind: entries or "*". */
export class SubjectSet {
  readonly any: boolean;
  readonly groups: ReadonlySet<string>;
  readonly users: ReadonlySet<string>;
  readonly roles: ReadonlySet<string>;
  readonly emails: ReadonlySet<string>;
  readonly kinds: ReadonlySet<string>;

  constructor(entries: readonly string[]) {
    const by = (prefix: string) => new Set(entries.filter((e) => e.startsWith(prefix)).map((e) => e.slice(prefix.length)));
    this.any = entries.includes('*');
    this.groups = by('group:');
    this.users = by('user:');
    this.roles = by('role:');
    this.emails = new Set([...by('email:')].map((e) => e.toLowerCase()));
    this.kinds = by('kind:');
  }

  has(s: Subject): boolean {
    if (this.any || this.users.has(s.username) || this.kinds.has(s.kind)) return true;
    if (s.email !== undefined && this.emails.size > 0 && this.emails.has(s.email.toLowerCase())) return true;
    for (const g of s.groups) if (this.groups.has(g)) return true;
    for (const r of s.roles) if (this.roles.has(r)) return true;
    return false;
  }
}

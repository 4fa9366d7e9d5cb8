/** Compiled group -> roles mapping (built once per config snapshot). */
export interface RoleMapper {
  rolesFor(groups: readonly string[]): string[];
  /** The groups that grant a role, for the 403 page. */
  groupsGranting(role: string): string[];
}

export function compileRoleMapper(mapping: Readonly<Record<string, readonly string[]>>): RoleMapper {
  const byGroup = new Map<string, readonly string[]>(Object.entries(mapping));
  const byRole = new Map<string, string[]>();
  for (const [group, roles] of byGroup) for (const r of roles) byRole.set(r, [...(byRole.get(r) ?? []), group]);
  return {
    rolesFor(groups) {
      const out = new Set<string>();
      for (const g of groups) for (const r of byGroup.get(g) ?? []) out.add(r);
      return [...out].sort();
    },
    groupsGranting(role) {
      return [...(byRole.get(role) ?? [])];
    },
  };
}

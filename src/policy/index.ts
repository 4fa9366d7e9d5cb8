/** Public face of the policy area: route catalogue, roles, per-DAG rules and the pure decide(). */
export type { Subject, Classification, Decision, DecisionEffect, Reason, DecideContext, DagMetadataSnapshot, DagMeta } from './types.ts';
export type { CanonicalTarget } from './canonicalize.ts';
export type { CompiledPolicy, CompiledEnv } from './compile.ts';
export type { RouteInfo, Action, DagSource, Permission, CatalogueSet } from './catalogue/index.ts';
export { ACTIONS, CATALOGUE, DEFAULT_ROLES, routesFor } from './catalogue/index.ts';
export { compilePolicy } from './compile.ts';
export { canonicalizeTarget } from './canonicalize.ts';
export { classify } from './classify.ts';
export { readBodyDagIds } from './body.ts';
export { decide, stepUpPolicyFor, grantingGroups } from './decide.ts';
export { explain, type ExplainInput, type Explanation } from './explain.ts';
export { rolesForGroups } from './roles.ts';
export { isValidDagId } from './dag-id.ts';
export { DEFAULT_ALLOW_LIST } from './allow-list.ts';
export { fetchDagMetadata, DagMetadataSource, metadataAuthorization, type DagMetadataSourceOptions } from './metadata/fetch.ts';
export * as PolicyErrors from './errors.ts';

/** Authorization on an earlier check's AuthInfo: scopes and roles. */
export { authorize, requirementList } from './require';
export type { Requirement, Match } from './require';
export { scopeCheck } from './check';
export type { ScopeCheckSettings } from './check';

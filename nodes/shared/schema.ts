/**
 * One declarative schema per node type: its properties (default, rule,
 * config-node type), its credentials, its config version and the migrations
 * that bring an older saved config up to it. The runtime reads a node's
 * config through `loadConfig` (migrated, defaults filled) and refuses an
 * invalid one with `configProblems`; the editor builds its `defaults` and
 * migrates imported flows from the same objects (bundled for the browser by
 * scripts/copy-assets.js); the help quotes the defaults (`{{default:x}}`
 * placeholders filled at build). Browser-safe: imports only schema-rules.
 */
import { rules, RuleName } from './schema-rules';

export interface PropertySpec {
  /** What a new node gets, and what an older config without the field runs with. */
  default: string | number | boolean | readonly Record<string, unknown>[];
  /** A config node of this type (Node-RED draws the picker and counts users). */
  configType?: string;
  /** The empty string is not allowed. */
  required?: boolean;
  /** The allowed values. */
  choices?: readonly string[];
  rule?: RuleName;
  /** The rule applies only while another field has one of these values (e.g. an IP list typed in, not read from context). */
  when?: { field: string; is: readonly string[] };
  /** The value names where a credential source reads (typedInput): the named field holds the source type. */
  sourceTypeField?: string;
  /** Source types beyond SOURCE_TYPES this property offers that need no value (e.g. the oauth2 server's `store`). */
  extraSources?: readonly string[];
  /** Replaces the rule's wording in messages (kept where users and tests know it). */
  message?: string;
}

/** Brings a config saved at version `index` to `index + 1`; works on (and returns) a copy. */
export type Migration = (config: Record<string, unknown>) => Record<string, unknown>;

export interface NodeSchema {
  type: string;
  /** The current config version: stored as `configVersion` in every node saved from now on. */
  version: number;
  properties: Record<string, PropertySpec>;
  credentials?: Record<string, { type: 'text' | 'password' }>;
  /** migrations[i] takes a config of version i (none stored = 0) to i + 1; length === version. */
  migrations: Migration[];
}

/** The credential-source types a typedInput offers; `cred` reads the node's own credentials (no key). */
export const SOURCE_TYPES = ['cred', 'flow', 'global', 'env', 'msg'] as const;

/** Moves a renamed property (e.g. `users`, a name the editor reserves) unless the new name is already set. */
export function rename(config: Record<string, unknown>, from: string, to: string): void {
  if (config[from] !== undefined && config[to] === undefined) config[to] = config[from];
  delete config[from];
}

/** The version a saved config carries (none: 0). */
export function savedVersion(config: Record<string, unknown>): number {
  const v = Number(config.configVersion ?? 0);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

/**
 * A saved config brought to the schema's version, with every missing
 * property at its default. Properties the schema does not know pass
 * through (Node-RED's id, type, z, wires…). A config from a newer version is
 * returned unchanged: configProblems reports it.
 */
export function loadConfig<T = Record<string, unknown>>(schema: NodeSchema, saved: object): T {
  let config: Record<string, unknown> = { ...(saved as Record<string, unknown>) };
  const from = savedVersion(config);
  if (from > schema.version) return config as T;
  for (let v = from; v < schema.version; v++) config = schema.migrations[v]({ ...config });
  config.configVersion = schema.version;
  for (const [name, spec] of Object.entries(schema.properties)) {
    // A list default (rate limits) is copied: no two configs share one array.
    if (config[name] === undefined) config[name] = typeof spec.default === 'object' ? JSON.parse(JSON.stringify(spec.default)) : spec.default;
  }
  return config as T;
}

/** The problems of one property's value ('' when none); `get` reads the node's other fields. */
export function propertyProblem(spec: PropertySpec, value: unknown, get: (field: string) => unknown): string | undefined {
  if (spec.when && !spec.when.is.includes(String(get(spec.when.field) ?? ''))) return undefined;
  const empty = value === undefined || value === null || value === '';
  if (spec.sourceTypeField) {
    const type = String(get(spec.sourceTypeField) || 'cred');
    if (spec.extraSources?.includes(type)) return undefined;
    if (!(SOURCE_TYPES as readonly string[]).includes(type)) return `unknown credential source "${type.slice(0, 20)}"`;
    return type !== 'cred' && String(value ?? '').trim() === '' ? `a ${type} ${type === 'env' ? 'variable name' : type === 'msg' ? 'property' : 'context key'} is required` : undefined;
  }
  if (spec.required && empty) return spec.message ?? 'is required';
  if (spec.choices && !empty && !spec.choices.includes(String(value))) return `must be one of ${spec.choices.join(', ')}`;
  const problem = spec.rule ? rules[spec.rule](value, get) : undefined;
  return problem === undefined ? undefined : spec.message ?? problem;
}

/** Every problem of a loaded config, as "field: problem" (an empty list: fine). */
export function configProblems(schema: NodeSchema, config: Record<string, unknown>): string[] {
  if (savedVersion(config) > schema.version) {
    return [`saved by a newer version of @authflow/node-red-api-auth (config version ${savedVersion(config)}, this one knows ${schema.version}): update the package`];
  }
  const get = (field: string) => config[field];
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(schema.properties)) {
    const p = propertyProblem(spec, config[name], get);
    const line = p && (spec.message ? p : `${name}: ${p}`);
    // A rule over two fields (marked red on both in the editor) is reported once.
    if (line && !problems.includes(line)) problems.push(line);
  }
  return problems;
}

/** Throws the problems of a loaded config as one configuration error (call it where a throw fails the node closed). */
export function assertConfig(schema: NodeSchema, config: object): void {
  const problems = configProblems(schema, config as Record<string, unknown>);
  if (problems.length > 0) throw new Error(problems.join('; '));
}

/** Every check and endpoint node: its label and "respond automatically". */
export const COMMON_PROPERTIES: Record<string, PropertySpec> = {
  name: { default: '' },
  respond: { default: false },
  /** Opt-in X-Auth-* debug response headers (Kindly's guide); check nodes show a warning status while on. */
  debugHeaders: { default: false },
};

/** Brute-force lockout (basic and login share the settings and their meaning; defaults = lib LOCKOUT_DEFAULTS). */
export const LOCKOUT_PROPERTIES: Record<string, PropertySpec> = {
  maxRetries: { default: 5, rule: 'wholeOrBlank', message: 'lockout settings must be whole numbers >= 0' },
  ipMaxRetries: { default: 20, rule: 'wholeOrBlank', message: 'lockout settings must be whole numbers >= 0' },
  findTime: { default: 120, rule: 'wholeOrBlank', message: 'lockout settings must be whole numbers >= 0' },
  banTime: { default: 300, rule: 'wholeOrBlank', message: 'lockout settings must be whole numbers >= 0' },
};

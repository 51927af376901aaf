import type { IncomingMessage } from 'http';
import { rawPath } from './request';

/**
 * Which requests skip authentication (public webhooks, health checks).
 *
 * A rule is a path pattern, or `{ path, methods }` to exempt only some
 * methods. Patterns are written like `http in` URLs, relative to
 * httpNodeRoot, and match whole segments:
 *   `/health`       exactly that path (one trailing slash tolerated, as Express routes do);
 *   `/hooks/*`      one segment: `/hooks/github`, not `/hooks/a/b`, not `/hooks`;
 *   `/hooks/**`     the prefix and everything under it: `/hooks`, `/hooks/a/b` — never `/hooksx`;
 *   `/api/v*`       `*` inside a segment: one or more characters except `/` (`/api/v1`, `/api/v2`);
 *   `/hooks/:name`  an `http in` style parameter: one segment, like `*`.
 *
 * Exemption only ever narrows what is protected, so every doubt resolves to
 * "protected": matching is case-sensitive (Express routes are not), on the
 * raw path (Express matches routes on it too), and a path with dot segments,
 * empty segments, a backslash or an encoded `.`, `/` or `\` is never exempt —
 * a proxy or router that normalises it could otherwise route it elsewhere.
 */
export type ExceptRule = string | { path: string; methods?: string | string[] };
export type ExceptPredicate = (req: IncomingMessage) => boolean;

/** Longer paths are never exempt: bounds the pattern-matching work per request. */
const MAX_PATH = 2048;
const NON_CANONICAL = /\/\.{1,2}(?:\/|$)|\/\/|\\|%2e|%2f|%5c/i;
const METHOD = /^[A-Za-z]+$/;

interface CompiledRule { regex: RegExp; methods?: ReadonlySet<string> }

function compilePattern(pattern: string): RegExp {
  if (typeof pattern !== 'string' || !pattern.startsWith('/')) throw new Error(`except: path ${JSON.stringify(pattern)} must start with "/"`);
  if (/[?#\s\\]/.test(pattern) || NON_CANONICAL.test(pattern)) {
    throw new Error(`except: path ${JSON.stringify(pattern)} must be a plain path (no query, "..", "//", "\\" or whitespace)`);
  }
  const segments = pattern === '/' ? [] : pattern.replace(/\/$/, '').split('/').slice(1);
  let src = '';
  for (const seg of segments) {
    if (seg === '**') {
      src += '(?:/[^/]+)*';
      continue;
    }
    if (/^:[A-Za-z0-9_]+$/.test(seg)) {
      src += '/[^/]+';
      continue;
    }
    if (seg.includes('**')) throw new Error(`except: "**" must be a whole segment in ${JSON.stringify(pattern)}`);
    src += '/' + seg.split('*').map(escapeRegex).join('[^/]+');
  }
  return new RegExp(`^${src}/?$`);
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function compileMethods(methods: string | string[] | undefined, pattern: string): ReadonlySet<string> | undefined {
  if (methods === undefined) return undefined;
  const list = Array.isArray(methods) ? methods : [methods];
  if (list.length === 0 || !list.every((m) => typeof m === 'string' && METHOD.test(m))) {
    throw new Error(`except: methods of ${JSON.stringify(pattern)} must be HTTP method names`);
  }
  const set = new Set(list.map((m) => m.toUpperCase()));
  // Express answers HEAD with the GET route, so a public GET is a public HEAD.
  if (set.has('GET')) set.add('HEAD');
  return set;
}

/** Compiles exception rules once (throws on a bad rule: a settings.js error shows at startup). */
export function compileExceptions(rules: readonly ExceptRule[] | ExceptRule | undefined): ExceptPredicate {
  if (rules === undefined) return () => false;
  const list = Array.isArray(rules) ? rules : [rules];
  const compiled: CompiledRule[] = list.map((rule: ExceptRule) => {
    if (typeof rule === 'string') return { regex: compilePattern(rule) };
    if (!rule || typeof rule !== 'object' || typeof rule.path !== 'string') {
      throw new Error('except: each rule must be a path string or { path, methods }');
    }
    const extra = Object.keys(rule).filter((k) => k !== 'path' && k !== 'methods');
    if (extra.length) throw new Error(`except: unknown option "${extra[0]}" in rule ${JSON.stringify(rule.path)}`);
    return { regex: compilePattern(rule.path), methods: compileMethods(rule.methods, rule.path) };
  });
  if (compiled.length === 0) return () => false;
  return (req) => {
    const path = rawPath(req);
    if (!path.startsWith('/') || path.length > MAX_PATH || NON_CANONICAL.test(path)) return false;
    const method = (req.method ?? '').toUpperCase();
    return compiled.some((r) => (!r.methods || r.methods.has(method)) && r.regex.test(path));
  };
}

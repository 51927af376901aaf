/**
 * The package's editor buttons call the runtime through small JSON POST routes
 * on Node-RED's admin app. Every such route: needs the `flows.write`
 * permission when adminAuth is on (whoever may change the flow), takes JSON
 * only (a cross-site form post cannot send it without a CORS preflight),
 * answers `Cache-Control: no-store` (it may carry a secret), and refuses bad
 * input with 400 AUTH_003.
 */

export interface AdminRequest { body?: unknown; is(type: string): string | false | null }
export interface AdminResponse {
  status(code: number): AdminResponse;
  set(headers: Record<string, string>): AdminResponse;
  json(body: unknown): unknown;
}
type Handler = (req: AdminRequest, res: AdminResponse, next: () => void) => void;
export interface AdminRED {
  httpAdmin?: { post(path: string, ...handlers: Handler[]): unknown };
  auth?: { needsPermission(permission: string): Handler };
  log?: { error(msg: unknown): void };
  nodes?: { getNode(id: string): unknown };
}

export interface AdminPost<T> {
  path: string;
  /** The input from the JSON body, or undefined when it is not acceptable (then 400 AUTH_003 with `badRequest`). */
  parse(body: Record<string, unknown>): T | undefined;
  badRequest: string;
  handle(input: T, res: AdminResponse, RED: AdminRED): void;
}

/** Paths already routed, per admin app (every node type of the package may register). */
const registered = new WeakMap<object, Set<string>>();

/** Adds the route once per Node-RED admin app; nothing without an admin app. */
export function registerAdminPost<T>(runtime: object, route: AdminPost<T>): void {
  const RED = runtime as AdminRED;
  const app = RED.httpAdmin;
  if (!app) return;
  const paths = registered.get(app) ?? new Set<string>();
  if (paths.has(route.path)) return;
  registered.set(app, paths.add(route.path));
  const permission: Handler = RED.auth?.needsPermission('flows.write') ?? ((_req, _res, next) => next());
  app.post(route.path, permission, (req, res) => {
    res.set({ 'Cache-Control': 'no-store' });
    const input = req.is('application/json') ? route.parse((req.body ?? {}) as Record<string, unknown>) : undefined;
    if (input === undefined) {
      refuse(res, 400, 'AUTH_003', route.badRequest);
      return;
    }
    route.handle(input, res, RED);
  });
}

/** An error answer in the package's shape. */
export function refuse(res: AdminResponse, status: number, error: string, message: string, headers?: Record<string, string>): void {
  if (headers) res.set(headers);
  res.status(status).json({ error, message });
}

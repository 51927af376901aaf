/**
 * The slice of Node-RED's runtime API the glue uses. Declared here (types
 * only, nothing imported at runtime) so the package needs no Node-RED typings.
 */
export interface NodeStatus { fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey'; shape?: 'ring' | 'dot'; text?: string }

export interface RedRequest {
  method: string;
  path?: string;
  originalUrl?: string;
  url: string;
  ip?: string;
  headers: Record<string, string | string[] | undefined>;
  rawHeaders: string[];
  query: Record<string, unknown>;
  body?: unknown;
  socket?: { remoteAddress?: string };
}

export interface RedResponse {
  _res: {
    status(code: number): RedResponse['_res'];
    set(headers: Record<string, string>): RedResponse['_res'];
    setHeader(name: string, value: string): unknown;
    json(body: unknown): unknown;
    /** Ends the response without a body (Express, Node http). */
    end?(): unknown;
    headersSent?: boolean;
  };
}

export interface RedMsg {
  _msgid?: string;
  req?: RedRequest;
  res?: RedResponse;
  payload?: unknown;
  auth?: unknown;
  statusCode?: number;
  headers?: Record<string, string>;
  [key: string]: unknown;
}

export type ContextCallback = (err: Error | null | undefined, value?: unknown) => void;

/** One context scope: `get` answers at once without a callback (stores that cannot, throw), or through one. */
export interface ContextScope {
  get(key: string, store: string | undefined): unknown;
  get(key: string, store: string | undefined, cb: ContextCallback): void;
  set(key: string, value: unknown, store: string | undefined, cb: (err?: Error) => void): void;
}

export interface RedNode {
  id: string;
  type: string;
  name?: string;
  z?: string;
  credentials: Record<string, string | undefined>;
  on(event: 'input', cb: (msg: RedMsg, send: (m: Array<RedMsg | null> | RedMsg) => void, done: (err?: Error) => void) => void): void;
  on(event: 'close', cb: (removed: boolean, done: () => void) => void): void;
  status(s: NodeStatus | Record<string, never>): void;
  error(err: unknown, msg?: RedMsg): void;
  warn(msg: unknown): void;
  log(msg: unknown): void;
  context(): {
    flow: ContextScope;
    global: ContextScope;
  };
}

export interface RED {
  nodes: {
    createNode(node: RedNode, config: unknown): void;
    registerType(type: string, ctor: unknown, opts?: { credentials?: Record<string, { type: 'text' | 'password' }> }): void;
    getNode(id: string): unknown;
  };
  util: {
    evaluateNodeProperty(value: string, type: string, node: RedNode, msg: RedMsg | undefined, cb?: (err: Error | null, value: unknown) => void): unknown;
    getMessageProperty(msg: RedMsg, expr: string): unknown;
    parseContextStore(value: string): { key: string; store?: string };
    /** An env var as the node sees it (flow, group and global env, then process.env); undefined when unset. */
    getSetting?(node: RedNode, name: string): unknown;
  };
  _(key: string, subs?: Record<string, unknown>): string;
}

import { randomUUID } from 'crypto';

/**
 * The correlation id of a request for audit events: the client's or
 * proxy's `X-Request-Id` when it is a plain token (1–128 of A–Z a–z 0–9
 * and `. _ : - + = /`), else a random UUID. Remembered per request object,
 * so every check a request passes through reports the same id — and a
 * header that is not a plain token (a log-injection attempt, a pasted
 * secret of odd shape, a duplicate header) is never copied.
 */
const VALID = /^[A-Za-z0-9._:+=/-]{1,128}$/;
// Kept on the request object under a symbol (not a WeakMap: this runs per request, and a symbol property costs less).
const ID = Symbol.for('authflow.requestId');

export const REQUEST_ID_HEADER = 'x-request-id';

/** `rawHeaders`: Node's alternating name/value list (IncomingMessage.rawHeaders). */
export function requestIdOf(req: { rawHeaders?: readonly string[] } | undefined): string | undefined {
  if (!req || typeof req !== 'object') return undefined;
  const holder = req as { [ID]?: string };
  let id = holder[ID];
  if (id === undefined) {
    id = fromHeader(req.rawHeaders) ?? randomUUID();
    holder[ID] = id;
  }
  return id;
}

function fromHeader(raw: readonly string[] | undefined): string | undefined {
  if (!Array.isArray(raw)) return undefined;
  let found: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i].length !== REQUEST_ID_HEADER.length || raw[i].toLowerCase() !== REQUEST_ID_HEADER) continue;
    if (found !== undefined) return undefined; // sent twice: which one would be true?
    found = raw[i + 1];
  }
  return found !== undefined && VALID.test(found) ? found : undefined;
}

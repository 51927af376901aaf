import { InvalidCredentialsError, MalformedCredentialsError } from '../errors';
import { headerLines, CheckRequest } from '../checks/request';
import { SecretDecoder, utf8Secret } from './signing-keys';

/**
 * How each webhook sender signs (all HMAC-SHA-256 over the exact body):
 *  - standard: Standard Webhooks 1.0 — `webhook-id`, `webhook-timestamp`,
 *    `webhook-signature: v1,<base64> [v1,<base64> …]` over `id.timestamp.body`,
 *    secret `whsec_<base64>` (decoded);
 *  - stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=…]` over `t.body`, the
 *    `whsec_…` secret used as text (Stripe docs, "Verify signatures manually");
 *  - github: `X-Hub-Signature-256: sha256=<hex>` over the body;
 *  - kindly: `X-Kindly-Signature: <hex>` over the body (the guide's Go function);
 *  - generic: a header you name, hex or base64, with an optional prefix.
 * What a preset reads from the headers: the signed prefix (before the body),
 * the timestamp when the sender signs one, a delivery id when it sends one,
 * and the decoded candidate signatures.
 */
export type WebhookPresetName = 'standard' | 'stripe' | 'github' | 'kindly' | 'generic';

export interface ParsedWebhook {
  /** Signed before the body bytes. */
  prefix: string;
  /** Unix seconds, when the sender signs a timestamp. */
  timestamp?: string;
  /** A sender-assigned delivery id, unique per message (Standard Webhooks' webhook-id). */
  id?: string;
  /** Decoded signatures; any one matching is enough (senders list one per active secret). */
  signatures: Buffer[];
}

export interface WebhookPreset {
  name: WebhookPresetName;
  /** The headers it reads, for the challenge and the "nothing sent" test. */
  headers: string[];
  /** Default msg.auth.subject. */
  subject: string;
  decodeSecret: SecretDecoder;
  parse(req: CheckRequest): ParsedWebhook;
}

export interface GenericOptions {
  header?: string;
  encoding?: 'hex' | 'base64';
  prefix?: string;
}

const FIELD_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/; // RFC 9110 §5.1
const TIMESTAMP = /^(?:0|[1-9][0-9]{0,11})$/;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/; // 32 bytes in RFC 4648 §4 base64
const BASE64URL_32 = /^[A-Za-z0-9_-]{43}=?$/;
const DELIVERY_ID = /^[\x21-\x7e]{1,256}$/;

function malformed(preset: string, reason: string): MalformedCredentialsError {
  return new MalformedCredentialsError(`${preset} webhook: ${reason}`, { status: 400 });
}

/** The one value of a header: none → undefined, more than one → 400 (which would the sender have meant?). */
function single(req: CheckRequest, preset: string, name: string): string | undefined {
  const lines = headerLines(req, name);
  if (lines.length > 1) throw malformed(preset, `${name} header sent ${lines.length} times`);
  return lines.length ? lines[0].trim() : undefined;
}

function required(preset: WebhookPreset, req: CheckRequest): string[] {
  const values = preset.headers.map((h) => single(req, preset.name, h));
  if (values.every((v) => v === undefined)) throw new InvalidCredentialsError(`no ${preset.name} webhook signature`);
  values.forEach((v, i) => {
    if (v === undefined) throw malformed(preset.name, `${preset.headers[i]} header missing`);
  });
  return values as string[];
}

function hex(value: string): Buffer | undefined {
  return HEX64.test(value) ? Buffer.from(value, 'hex') : undefined;
}

/** Standard Webhooks §"Verifying": strip `whsec_`, base64-decode. */
export function standardWebhooksSecret(secret: string): Buffer {
  const body = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new Error('a Standard Webhooks secret is whsec_ followed by base64');
  return Buffer.from(body, 'base64');
}

const standard: WebhookPreset = {
  name: 'standard',
  headers: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
  subject: 'standard-webhooks',
  decodeSecret: standardWebhooksSecret,
  parse(req) {
    const [id, timestamp, signature] = required(this, req);
    if (!DELIVERY_ID.test(id)) throw malformed(this.name, 'webhook-id is not a printable id');
    if (!TIMESTAMP.test(timestamp)) throw malformed(this.name, 'webhook-timestamp must be Unix seconds');
    const signatures: Buffer[] = [];
    // Space-delimited `version,signature` pairs; versions other than v1 are ignored (a future algorithm).
    for (const entry of signature.split(' ')) {
      const comma = entry.indexOf(',');
      if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
      const value = entry.slice(comma + 1);
      if (BASE64_32.test(value)) signatures.push(Buffer.from(value, 'base64'));
    }
    return { prefix: `${id}.${timestamp}.`, timestamp, id, signatures };
  },
};

const stripe: WebhookPreset = {
  name: 'stripe',
  headers: ['stripe-signature'],
  subject: 'stripe',
  decodeSecret: utf8Secret,
  parse(req) {
    const [header] = required(this, req);
    let timestamp: string | undefined;
    const signatures: Buffer[] = [];
    for (const item of header.split(',')) {
      const eq = item.indexOf('=');
      const k = eq < 0 ? item.trim() : item.slice(0, eq).trim();
      const v = eq < 0 ? '' : item.slice(eq + 1).trim();
      if (k === 't') {
        if (timestamp !== undefined) throw malformed(this.name, 't given twice');
        timestamp = v;
      } else if (k === 'v1') {
        const b = hex(v);
        if (b) signatures.push(b);
      } // v0 (test-mode legacy) and unknown schemes are ignored, as Stripe's libraries do
    }
    if (timestamp === undefined || !TIMESTAMP.test(timestamp)) throw malformed(this.name, 't=<Unix seconds> missing or malformed');
    return { prefix: `${timestamp}.`, timestamp, signatures };
  },
};

const github: WebhookPreset = {
  name: 'github',
  headers: ['x-hub-signature-256'],
  subject: 'github',
  decodeSecret: utf8Secret,
  parse(req) {
    const [header] = required(this, req);
    const m = /^sha256=([0-9a-fA-F]{64})$/.exec(header);
    if (!m) throw malformed(this.name, 'X-Hub-Signature-256 must be sha256=<64 hex digits>');
    return { prefix: '', signatures: [Buffer.from(m[1], 'hex')] };
  },
};

const kindly: WebhookPreset = {
  name: 'kindly',
  headers: ['x-kindly-signature'],
  subject: 'kindly',
  decodeSecret: utf8Secret,
  parse(req) {
    const [header] = required(this, req);
    const b = hex(header);
    if (!b) throw malformed(this.name, 'X-Kindly-Signature must be 64 hex digits');
    return { prefix: '', signatures: [b] };
  },
};

function generic(opts: GenericOptions): WebhookPreset {
  const header = (opts.header ?? '').trim();
  if (!FIELD_NAME.test(header)) throw new Error(`invalid signature header name ${JSON.stringify(header)}`);
  const encoding = opts.encoding ?? 'hex';
  if (encoding !== 'hex' && encoding !== 'base64') throw new Error('encoding must be hex or base64');
  const prefix = opts.prefix ?? '';
  if (/[\u0000-\u001f\u007f]/.test(prefix)) throw new Error('the signature prefix must be printable');
  return {
    name: 'generic',
    headers: [header.toLowerCase()],
    subject: 'webhook',
    decodeSecret: utf8Secret,
    parse(req) {
      const [value] = required(this, req);
      if (!value.startsWith(prefix)) throw malformed(this.name, `${header} must start with ${JSON.stringify(prefix)}`);
      const rest = value.slice(prefix.length);
      let b: Buffer | undefined;
      if (encoding === 'hex') b = hex(rest);
      else if (BASE64_32.test(rest) || BASE64URL_32.test(rest)) b = Buffer.from(rest, BASE64_32.test(rest) ? 'base64' : 'base64url');
      if (!b) throw malformed(this.name, `${header} is not a ${encoding} HMAC-SHA-256`);
      return { prefix: '', signatures: [b] };
    },
  };
}

export const TIMESTAMPED: ReadonlySet<WebhookPresetName> = new Set(['standard', 'stripe']);

export function webhookPreset(name: WebhookPresetName, opts: GenericOptions = {}): WebhookPreset {
  switch (name) {
    case 'standard': return standard;
    case 'stripe': return stripe;
    case 'github': return github;
    case 'kindly': return kindly;
    case 'generic': return generic(opts);
    default: throw new Error(`unknown webhook preset ${JSON.stringify(name)}`);
  }
}

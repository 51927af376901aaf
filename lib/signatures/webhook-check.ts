import { hash } from 'crypto';
import type { AuthInfo } from '../auth-info';
import type { Store } from '../store/store';
import { SignatureError, StoreUnavailableError } from '../errors';
import { validateRealm } from '../basic/parse';
import { then } from '../util/maybe';
import { memoByValue } from '../util/memo';
import { stringList, firstString } from '../credentials/fields';
import { Check, ListSource, ListReport, readList } from '../checks/check';
import { CheckRequest, clientAddress } from '../checks/request';
import { RequestBody, checkBodySize, rawBytes } from './body';
import { SecretSet, secretSet, liveKeys } from './signing-keys';
import { anySignatureMatches } from './hmac';
import { signatureKeys } from './store-keys';
import { GenericOptions, TIMESTAMPED, WebhookPreset, WebhookPresetName, webhookPreset } from './webhook-presets';
import { DEFAULT_MAX_BODY_BYTES, DEFAULT_WINDOW_SECONDS, positiveInteger } from './request-check';

export interface WebhookRequest extends CheckRequest {
  readonly body: RequestBody;
  /** Epoch ms of arrival; default the check's clock. */
  readonly now?: number;
}

export interface WebhookOptions extends GenericOptions {
  preset: WebhookPresetName;
  /** Accepted clock difference for senders that sign a timestamp, both directions, in seconds. Default 300. */
  toleranceSeconds?: number;
  maxBodyBytes?: number;
  /** Where accepted deliveries are remembered. */
  store: Store;
  /** Names this receiver in store keys (the node id): deliveries are de-duplicated per receiver. */
  scope: string;
  realm?: string;
  now?: () => number;
}

/** The receiver's secret(s) and what msg.auth says about the sender. */
interface WebhookSecret {
  secrets: SecretSet;
  id?: string;
  subject: string;
  scopes: string[];
}

/**
 * The secret value from any credential source: the secret as text, or
 * `{ secret, previousSecret?, previousSecretExpiresAt?, id?, subject?, scopes? }`
 * (as an object or its JSON text) — a rotation keeps the old secret valid
 * until the given time, as Stripe's "roll secret" does.
 */
export function webhookSecret(raw: unknown, preset: WebhookPreset): WebhookSecret {
  let obj: Record<string, unknown>;
  if (typeof raw === 'string') {
    const t = raw.trim();
    if (t.startsWith('{')) {
      try {
        obj = JSON.parse(t);
      } catch {
        throw new Error('webhook secret is not valid JSON');
      }
    } else {
      obj = { secret: t };
    }
  } else if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    obj = raw as Record<string, unknown>;
  } else {
    throw new Error('webhook secret must be a string or an object with "secret"');
  }
  return {
    secrets: secretSet(obj, preset.decodeSecret),
    id: firstString(obj, ['id', 'name']),
    subject: firstString(obj, ['subject', 'sub']) ?? preset.subject,
    scopes: stringList(obj.scopes ?? obj.scope, 'scopes'),
  };
}

/**
 * The webhook check of the `authflow-hmac` node. Order: header syntax
 * (401 when nothing is signed, 400 when malformed), body size (413),
 * timestamp tolerance both ways where the sender signs one, signature
 * (AUTH_010), then the delivery is claimed in the store (AUTH_010 on a
 * repeat): by webhook-id for Standard Webhooks, else by timestamp and body
 * digest. Senders that sign no timestamp (GitHub, Kindly, generic) cannot be
 * bounded in time: an exact repeat is refused for twice the tolerance, older
 * ones are your flow's to de-duplicate (e.g. by the event id in the body).
 */
export function webhookCheck<R extends WebhookRequest>(secret: ListSource<R>, opts: WebhookOptions, report?: ListReport): Check<R> {
  const preset = webhookPreset(opts.preset, opts);
  const tolerance = positiveInteger(opts.toleranceSeconds ?? DEFAULT_WINDOW_SECONDS, 'tolerance', 86400);
  const maxBodyBytes = positiveInteger(opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, 'body limit', 1024 * 1024 * 1024);
  const realm = validateRealm(opts.realm ?? 'webhook');
  if (!opts.scope) throw new Error('a webhook check needs a scope (the receiver id)');
  const { store, scope } = opts;
  const clock = opts.now ?? Date.now;
  const toleranceMs = tolerance * 1000;
  const rememberMs = 2 * toleranceMs + 1000;
  const timestamped = TIMESTAMPED.has(preset.name);
  const compile = memoByValue((raw: unknown) => webhookSecret(raw, preset));
  let reported: unknown = Symbol('none');
  const secretFor = (raw: unknown): WebhookSecret => {
    try {
      return compile(raw);
    } catch (e) {
      const why = (e as Error).message;
      if (report && raw !== reported) report([why], []);
      reported = raw;
      // A secret we cannot use is a configuration problem, never "wrong signature".
      throw new StoreUnavailableError(`could not check: ${why}`, { retryAfter: undefined });
    }
  };
  if (!('read' in secret)) {
    const s = secretFor(secret.fixed);
    if (report && s.secrets.short) report([], ['the webhook secret is shorter than 32 bytes']);
  }
  const challenge = { 'WWW-Authenticate': `HMAC realm="${realm}", algorithm="hmac-sha256", headers="${preset.headers.join(' ')}"` };
  return {
    method: 'hmac',
    challenge: (err) => (err.status === 401 ? challenge : {}),
    run(req) {
      const now = req.now ?? clock();
      const parsed = preset.parse(req);
      checkBodySize(req.body, req.rawHeaders, maxBodyBytes);
      const body = rawBytes(req.body, `the ${preset.name} webhook signature`);
      if (timestamped && Math.abs(now - Number(parsed.timestamp) * 1000) > toleranceMs) {
        throw new SignatureError(`${preset.name} webhook timestamp outside the ±${tolerance} s tolerance`);
      }
      if (!parsed.signatures.length) throw new SignatureError(`${preset.name} webhook: no v1 signature`);
      return then(readList(secret, req), (raw): Promise<AuthInfo> => {
        const s = secretFor(raw);
        if (!anySignatureMatches(liveKeys(s.secrets, now), parsed.signatures, [parsed.prefix, body])) {
          throw new SignatureError(`${preset.name} webhook signature mismatch`);
        }
        const delivery = parsed.id !== undefined
          ? signatureKeys.delivery(scope, 'id', parsed.id)
          : signatureKeys.delivery(scope, 'body', parsed.timestamp ?? '', hash('sha256', body, 'hex'));
        return store.setIfAbsent(delivery, '1', rememberMs).then((fresh): AuthInfo => {
          if (!fresh) throw new SignatureError(`${preset.name} webhook delivered again (replay)`);
          return { method: 'hmac', subject: s.subject, keyId: s.id, scopes: s.scopes, ip: clientAddress(req) };
        });
      });
    },
  };
}

import { assertSupportedNode } from '../shared/supported-node';
import {
  Check, ListReport, signedRequestCheck, webhookCheck, requestBody, announcesBody, splitTarget, SignatureScheme, SignedRequest, WebhookPresetName, apiKeySigningKeys,
} from '../../lib/internal';
import { keyService } from '../keys/key-store-provider';
import type { RED, RedNode } from '../shared/red-types';
import { initCheckNode, CheckNodeConfig } from '../shared/check-node';
import { MsgRequest, nodeListSource } from '../shared/msg-request';
import { watchStoreStatus } from '../shared/store-ref';
import { replayStore } from './replay-store';
import type { StatusReporter } from '../shared/status';
import { loadConfig, assertConfig } from '../shared/schema';
import { schema } from './authflow-hmac.schema';

interface HmacConfig extends CheckNodeConfig {
  mode: 'request' | 'webhook';
  scheme: SignatureScheme;
  preset: WebhookPresetName;
  sigHeader: string;
  sigEncoding: 'hex' | 'base64';
  sigPrefix: string;
  window: number | string;
  maxBody: number | string;
  store?: string;
  secretsType: string;
  secrets: string;
  keyStore?: string;
}

/** authflow-hmac: signed requests (strict or Kindly scheme) and webhook signatures, replay-proof. */
export = function register(RED: RED) {
  assertSupportedNode();
  function AuthflowHmac(this: RedNode, saved: HmacConfig) {
    RED.nodes.createNode(this, saved);
    const config = loadConfig<HmacConfig>(schema, saved); // migrated, defaults filled
    const node = this;
    initCheckNode(node, config, {
      method: 'hmac',
      setup(status) {
        assertConfig(schema, config);
        const store = replayStore(RED, node, config.store);
        watchStoreStatus(RED, node, config.store, status);
        const webhook = config.mode === 'webhook';
        if (config.secretsType === 'keystore') {
          if (webhook) throw new Error('the API key store holds signing secrets of API keys: use it in request mode');
          keyService(RED, config.keyStore); // a missing key store fails at deploy
          const keys = apiKeySigningKeys(() => keyService(RED, config.keyStore));
          return withBody(signedRequestCheck<SignedMsg>(keys, { maxBodyBytes: Number(config.maxBody), scheme: config.scheme, windowSeconds: Number(config.window), store }));
        }
        const secrets = nodeListSource(RED, node, config.secretsType, config.secrets, 'secretList', webhook ? 'webhook secret' : 'signing keys');
        const limits = { maxBodyBytes: Number(config.maxBody) };
        const report = secretReport(node, status);
        return withBody(webhook
          ? webhookCheck<SignedMsg>(secrets, { ...limits, preset: config.preset, toleranceSeconds: Number(config.window), store, scope: node.id, header: config.sigHeader, encoding: config.sigEncoding, prefix: config.sigPrefix }, report)
          : signedRequestCheck<SignedMsg>(secrets, { ...limits, scheme: config.scheme, windowSeconds: Number(config.window), store }, report));
      },
    });
  }
  RED.nodes.registerType('authflow-hmac', AuthflowHmac, { credentials: schema.credentials });
};

type SignedMsg = MsgRequest & SignedRequest;

/** The signature checks also read the method, the path as sent and the body (raw bytes when `http in` leaves them). */
function withBody(check: Check<SignedMsg>): Check<MsgRequest> {
  return {
    method: check.method,
    challenge: (err) => check.challenge(err),
    run(req) {
      const r = req.msg.req as (NonNullable<MsgRequest['msg']['req']> & { rawBody?: unknown }) | undefined;
      // Listed rather than spread: one object of a fixed shape per request.
      return check.run({
        msg: req.msg,
        rawHeaders: req.rawHeaders,
        query: req.query,
        peer: req.peer,
        previous: req.previous,
        method: r?.method ?? '',
        path: splitTarget(r?.originalUrl ?? r?.url ?? '').path,
        // rawBody is set by a body-parser hook on the request itself: an own-property test spares a walk up Express's prototypes.
        body: requestBody(r && Object.hasOwn(r, 'rawBody') ? r.rawBody : undefined, r?.body, announcesBody(req.rawHeaders)),
      });
    },
  };
}

/** Bad key entries and short secrets, in the log and status once per distinct value (never a secret). */
function secretReport(node: RedNode, status: StatusReporter): ListReport {
  return (problems, warnings) => {
    for (const p of problems) node.warn(`signing secrets: ${p}`);
    for (const w of warnings) node.warn(`signing secrets: ${w} (RFC 2104 §3: use at least 32 random bytes)`);
    status.warn(warnings[0] ?? (problems.length ? `${problems.length} invalid entries` : undefined));
  };
}

/** Request signatures and webhook verification (issue 14): the checks and the pieces their tests and clients need. */
export { RequestBody, requestBody, announcesBody } from './body';
export { kindlyMessage, strictMessage, canonicalQuery, splitTarget, STRICT_SCHEME_LABEL } from './canonical';
export { canonicalJsonText, pythonDumpsSorted, pythonFloatRepr, pythonStringLiteral, JsonSyntaxError } from './python-json';
export { SigningKeyDirectory, SigningKey, SigningKeyResolver } from './signing-keys';
export { hmacSha256 } from './hmac';
export {
  signedRequestCheck, signedRequestSettings, SignedRequest, SignedRequestOptions, SignatureScheme, SCHEME_HEADERS,
  DEFAULT_WINDOW_SECONDS, DEFAULT_MAX_BODY_BYTES,
} from './request-check';
export { webhookCheck, WebhookRequest, WebhookOptions } from './webhook-check';
export { webhookPreset, standardWebhooksSecret, WebhookPresetName } from './webhook-presets';

'use strict';
/** Unexpected errors are told apart from wrong credentials: 503 AUTH_011, logged once, never with their message. */
const assert = require('assert');
const { toAuthError, unexpectedErrorReporter, InvalidCredentialsError } = require('../../../dist/lib/internal');

describe('lib/errors: unexpected errors', () => {
  it('toAuthError: an AuthError passes through; anything else is 503 AUTH_011 naming only the class, without Retry-After', () => {
    const wrong = new InvalidCredentialsError('wrong password');
    assert.strictEqual(toAuthError(wrong), wrong);
    const e = toAuthError(new TypeError('Cannot read properties of undefined (reading "hunter2")'));
    assert.deepStrictEqual([e.status, e.code, e.reason, e.retryAfter], [503, 'AUTH_011', 'could not check: internal TypeError', undefined]);
    assert.strictEqual(toAuthError('a string').reason, 'could not check: internal error');
  });

  it('the reporter logs once per class and throw site, with the stack frames and without the message; AuthErrors are not logged', () => {
    const lines = [];
    const report = unexpectedErrorReporter((t) => lines.push(t));
    const fail = (secret) => { try { JSON.parse(secret); } catch (e) { return e; } };
    report(fail('{"password":"hunter2"')); // JSON.parse quotes its input in the message
    report(fail('{"password":"other"'));
    report(new InvalidCredentialsError('wrong password'));
    assert.strictEqual(lines.length, 1);
    assert.match(lines[0], /^unexpected SyntaxError while checking a request \(answered 503 AUTH_011\)\n\s+at /);
    assert.ok(!/hunter2|password/.test(lines[0]), lines[0]);
    report(new RangeError('elsewhere'));
    assert.strictEqual(lines.length, 2, 'another bug is logged too');
  });
});

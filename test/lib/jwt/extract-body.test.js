'use strict';
// RFC 6750 §2.2: the access token in the request body, beside §2.1 (header) and §2.3 (query).
const assert = require('node:assert/strict');
const { extractBearer } = require('../../../dist/lib/internal');

describe('extractBearer: access_token in the body (RFC 6750 §2.2)', () => {
  const extract = (input) => extractBearer({ authorization: [], allowQuery: false, ...input });
  const code = (fn) => {
    try {
      fn();
    } catch (err) {
      return [err.status ?? 401, err.oauthError];
    }
    return 'no error';
  };

  it('takes the body token when the caller reads the body', () => {
    assert.equal(extract({ bodyToken: 'abc.DEF-_~+/=' }), 'abc.DEF-_~+/=');
  });

  it('refuses a token sent by two methods, a non-string and a token outside b64token (400 invalid_request)', () => {
    assert.deepEqual(code(() => extract({ bodyToken: 'a', authorization: ['Bearer b'] })), [400, 'invalid_request']);
    assert.deepEqual(code(() => extract({ bodyToken: 'a', queryToken: 'b', allowQuery: true })), [400, 'invalid_request']);
    for (const bad of [{ a: 1 }, ['a'], 42, '', 'a b', 'a"b']) assert.deepEqual(code(() => extract({ bodyToken: bad })), [400, 'invalid_request'], JSON.stringify(bad));
  });

  it('without a body token the header rules are unchanged', () => {
    assert.equal(extract({ authorization: ['Bearer xyz'] }), 'xyz');
    assert.deepEqual(code(() => extract({})), [401, undefined]);
  });
});

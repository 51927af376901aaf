'use strict';
// The enrolment QR code scans back to the exact otpauth URI: drawn by real
// chromium, decoded by jsQR (test/support/qr-scan.js), never by the encoder.
const assert = require('assert');
const { qrSvg, qrDataUri } = require('../../../dist/lib/mfa/qr-code');
const { otpauthUri, generateTotpSecret } = require('../../../dist/lib/mfa/totp');
const { launchBrowser } = require('../../support/browser');
const { scanQr } = require('../../support/qr-scan');

describe('mfa/qr-code: otpauth URI as a scannable QR code', function () {
  this.timeout(20000);
  let browser;
  let page;
  before(async () => {
    browser = await launchBrowser();
    page = await browser.newPage();
  });
  after(async () => browser?.close());

  const uris = [
    // the Key Uri Format example of Google Authenticator's wiki
    'otpauth://totp/Example:alice@google.com?secret=JBSWY3DPEHPK3PXP&issuer=Example',
    // what the login node answers: 20-byte seed, issuer label with a space
    otpauthUri({ secret: generateTotpSecret(20), account: 'bob', issuer: 'Demo API', digits: 6, period: 30, algorithm: 'SHA1' }),
    // a long one: 64-byte seed, SHA512, 8 digits, an e-mail account with non-ASCII issuer
    otpauthUri({ secret: generateTotpSecret(64), account: 'jörg.müller+mfa@example.com', issuer: 'Kindly — Prod', digits: 8, period: 60, algorithm: 'SHA512' }),
  ];

  for (const uri of uris) {
    it(`decodes to the exact URI (${uri.length} chars)`, async () => {
      assert.equal(await scanQr(page, qrDataUri(uri)), uri);
    });
  }

  it('is an SVG data: URI with a white quiet zone and no script', () => {
    const uri = uris[1];
    const dataUri = qrDataUri(uri);
    assert.match(dataUri, /^data:image\/svg\+xml;base64,[A-Za-z0-9+/]+=*$/);
    const svg = Buffer.from(dataUri.split(',')[1], 'base64').toString();
    assert.equal(svg, qrSvg(uri));
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" [^>]*viewBox="0 0 (\d+) \1"/);
    assert.doesNotMatch(svg, /script|href|on\w+=/i);
    // the quiet zone (4 modules, ISO/IEC 18004) has no dark module: no run starts before x/y = 4
    const runs = [...svg.matchAll(/M(\d+) (\d+)h/g)].map(([, x, y]) => [Number(x), Number(y)]);
    const size = Number(svg.match(/viewBox="0 0 (\d+)/)[1]);
    assert.ok(runs.length > 0 && runs.every(([x, y]) => x >= 4 && y >= 4 && x < size - 4 && y < size - 4));
  });

  it('a broken symbol does not decode (the scan is a real check)', async () => {
    const svg = qrSvg(uris[0]).replace(/d="[^"]*"/, (d) => d.replace(/M4 4h7/, 'M4 4h1'));
    assert.notEqual(svg, qrSvg(uris[0]));
    assert.notEqual(await scanQr(page, 'data:image/svg+xml;base64,' + Buffer.from(svg).toString('base64')), uris[0]);
  });
});

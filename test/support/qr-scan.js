'use strict';
// Scans a QR code the way an authenticator app would, independently of the
// encoder: chromium draws the image, a PNG screenshot of it is decoded by
// jsQR (a separate, pure-JS decoder).
const { PNG } = require('pngjs');
const jsQR = require('jsqr');

/** The text of the QR code in `src` (an image URL, e.g. a data: URI), drawn by `page`. */
async function scanQr(page, src) {
  await page.setContent(`<body style="margin:0;background:#fff"><img id="qr" src="${src}"></body>`);
  await page.waitForFunction(() => document.getElementById('qr').complete);
  const png = PNG.sync.read(await page.locator('#qr').screenshot({ type: 'png' }));
  const found = jsQR(new Uint8ClampedArray(png.data.buffer, png.data.byteOffset, png.data.length), png.width, png.height);
  return found?.data;
}

module.exports = { scanQr };

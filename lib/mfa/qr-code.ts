/**
 * A QR code of an otpauth URI, for the authenticator app to scan at
 * enrolment. The symbol comes from uqr (ISO/IEC 18004 encoder, MIT, no
 * dependencies); this file only draws it as a compact SVG and wraps it in a
 * data: URI, which a browser shows with `<img src>` — an image, so the SVG
 * runs no script even where a page would insert it.
 */
import { encode } from 'uqr';

/** Quiet zone around the symbol, in modules: ISO/IEC 18004 §6.3.8 asks for 4. */
const QUIET_ZONE = 4;
/** Pixels per module in the SVG's nominal size (it scales without loss). */
const MODULE_PX = 6;

/** The QR code of `text` as an SVG document: one path, dark runs of each row merged. */
export function qrSvg(text: string): string {
  // ECC level M (15 %): what authenticator setup screens use; survives a photographed screen.
  const { data, size } = encode(text, { ecc: 'M', border: QUIET_ZONE });
  let path = '';
  data.forEach((row, y) => {
    for (let x = 0; x < size; x++) {
      if (!row[x]) continue;
      const start = x;
      while (x + 1 < size && row[x + 1]) x++;
      path += `M${start} ${y}h${x - start + 1}v1H${start}z`;
    }
  });
  const px = size * MODULE_PX;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${px}" height="${px}" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges">`
    + `<rect width="${size}" height="${size}" fill="#fff"/><path fill="#000" d="${path}"/></svg>`;
}

/** The QR code of `text` as a `data:image/svg+xml;base64,…` URI, ready for `<img src>`. */
export function qrDataUri(text: string): string {
  return 'data:image/svg+xml;base64,' + Buffer.from(qrSvg(text)).toString('base64');
}

/**
 * Encryption at rest for secrets the store must give back (TOTP seeds cannot
 * be hashed: the server needs them to compute codes). AES-256-GCM with the
 * user as associated data, so a sealed seed copied to another user's entry
 * does not open.
 */
import { KeyObject, createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'crypto';

export class DataKey {
  private constructor(private readonly key: Buffer) {}

  /** From configured key material (≥ 32 bytes of entropy is the caller's promise) via HKDF-SHA-256 (RFC 5869). */
  static derive(material: Buffer, purpose: string): DataKey {
    if (!Buffer.isBuffer(material) || material.length < 32) throw new Error('data key material must be at least 32 bytes');
    return new DataKey(Buffer.from(hkdfSync('sha256', material, Buffer.from('authflow'), Buffer.from(purpose), 32)));
  }

  /** From a signing key: its secret bytes, or the private key's PKCS#8 DER. */
  static fromKeyObject(key: KeyObject, purpose: string): DataKey {
    const material = key.type === 'secret' ? key.export() : key.export({ format: 'der', type: 'pkcs8' });
    return DataKey.derive(material as Buffer, purpose);
  }

  seal(plain: Buffer, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The plaintext, or undefined when the value was not sealed with this key for this context. */
  open(sealed: string, context: string): Buffer | undefined {
    const parts = typeof sealed === 'string' ? sealed.split('.') : [];
    if (parts.length !== 4 || parts[0] !== 'v1') return undefined;
    const iv = Buffer.from(parts[1], 'base64url');
    const tag = Buffer.from(parts[3], 'base64url');
    // A short tag would be accepted by GCM and weaken it: exactly 16 bytes.
    if (iv.length !== 12 || tag.length !== 16) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, iv, { authTagLength: 16 });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(Buffer.from(parts[2], 'base64url')), decipher.final()]);
    } catch {
      return undefined;
    }
  }
}

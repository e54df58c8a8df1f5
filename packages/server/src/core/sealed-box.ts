import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Values kept at rest under the master key: AES-256-GCM with a key derived by HKDF under a label
 * of the box's own (so no box's key doubles as another's), and a context string bound as
 * additional data (a row id, a purpose), so a sealed value cannot be moved to another row or
 * opened as another kind of value. Sealed form: base64url(iv ‖ tag ‖ ciphertext).
 */
export class SealedBox {
  readonly #key: Buffer;

  constructor(masterKey: Buffer, label: string) {
    this.#key = Buffer.from(hkdfSync('sha256', masterKey, '', label, 32));
  }

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /**
   * The plaintext; throws when the value was not sealed by this box for `context` (another
   * master key, another context, or altered).
   */
  open(sealed: string, context: string): string {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('Not a sealed value');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    const body = bytes.subarray(IV_BYTES + TAG_BYTES);
    return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
  }

  /** The plaintext, or undefined for anything this box did not seal for `context`. */
  tryOpen(sealed: string, context: string): string | undefined {
    try {
      return this.open(sealed, context);
    } catch {
      return undefined;
    }
  }
}

import { WEBHOOK_SECRET_PREFIX } from '@patina/contract';
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signatures (standardwebhooks.com, "Signature scheme"): the secret is
 * `whsec_` + base64 of random bytes; the signature is base64 HMAC-SHA256, keyed with those bytes,
 * of `<webhook-id>.<webhook-timestamp>.<body>`, sent as `v1,<signature>`. Several signatures are
 * separated by spaces, so during a rotation's overlap both the new and the previous secret sign.
 */
const SECRET_BYTES = 32;

/** A fresh signing secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

function keyOf(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error('Not a webhook secret');
  return Buffer.from(secret.slice(WEBHOOK_SECRET_PREFIX.length), 'base64');
}

/** `v1,<base64 HMAC-SHA256 of id.timestamp.body>` for one secret. */
export function signature(
  secret: string,
  message: { id: string; timestampSeconds: number; body: string },
): string {
  const mac = createHmac('sha256', keyOf(secret))
    .update(`${message.id}.${message.timestampSeconds}.${message.body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/** The three Standard Webhooks headers of one request, signed with every secret given. */
export function signedHeaders(
  secrets: readonly string[],
  message: { id: string; timestampSeconds: number; body: string },
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(message.timestampSeconds),
    'webhook-signature': secrets.map((secret) => signature(secret, message)).join(' '),
  };
}

/**
 * Webhook secrets at rest: AES-256-GCM under a key derived from the master key (HKDF, its own
 * label, so it never doubles as the signing-key encryption key), the webhook id as additional
 * data so a secret cannot be moved to another row. Stored as base64url(iv ‖ tag ‖ ciphertext).
 */
export class WebhookSecretBox {
  readonly #key: Buffer;

  constructor(masterKey: Buffer) {
    this.#key = Buffer.from(
      hkdfSync('sha256', masterKey, '', 'patina/webhook-secret-encryption/v1', 32),
    );
  }

  seal(secret: string, webhookId: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(webhookId));
    const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  open(sealed: string, webhookId: string): string {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(webhookId));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}

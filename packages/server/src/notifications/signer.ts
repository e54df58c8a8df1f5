import { WEBHOOK_SECRET_PREFIX } from '@patina/contract';
import { createHmac } from 'node:crypto';
import { SealedBox } from '../core/sealed-box.js';
import { randomText } from '../core/ids.js';

/**
 * Standard Webhooks signatures (standardwebhooks.com, "Signature scheme"): the secret is
 * `whsec_` + base64 of random bytes; the signature is base64 HMAC-SHA256, keyed with those bytes,
 * of `<webhook-id>.<webhook-timestamp>.<body>`, sent as `v1,<signature>`. Several signatures are
 * separated by spaces, so during a rotation's overlap both the new and the previous secret sign.
 */
const SECRET_BYTES = 32;

/** A fresh signing secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomText(SECRET_BYTES, 'base64');
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
 * Webhook (and push-endpoint) secrets at rest, under a key of their own, each sealed with its row's
 * id as context so a secret cannot be moved to another row.
 */
export function webhookSecretBox(masterKey: Buffer): SealedBox {
  return new SealedBox(masterKey, 'patina/webhook-secret-encryption/v1');
}

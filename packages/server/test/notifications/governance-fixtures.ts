import { WEBHOOK_EVENT_DATA, type AuditEvent, type AuditEventType } from '@patina/contract';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import type { TestApp } from '../helpers.js';
import type { CapturedMail, Receiver } from './receivers.js';

/** Validates like the server does (Ajv), against the contract's data schema of each type. */
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);

/** The text with its line wrapping undone, to find a sentence wherever the lines broke. */
export const flat = (text: string) => text.replace(/\s+/g, ' ').trim();

/** An identity with an address (or none), and roles; disabled when asked. */
export async function person(
  t: TestApp,
  input: {
    name: string;
    login: string;
    email: string | null;
    roles?: string[];
    disabled?: boolean;
  },
) {
  const identity = await t.services.identities.create(SYSTEM_CONTEXT, {
    name: input.name,
    login: input.login,
    roles: input.roles ?? ['USER'],
    ...(input.email !== null && { email: input.email }),
  });
  if (input.disabled) {
    await t.services.identities.update(SYSTEM_CONTEXT, identity.id, { status: 'DISABLED' });
  }
  return identity;
}

/**
 * An audit event as the governance services record it, in one transaction with its audit row
 * and the outbox, as the audit log does.
 */
export async function recordAudit(
  t: TestApp,
  input: {
    type: AuditEventType;
    target: AuditEvent['target'];
    details: Record<string, unknown>;
    actor?: AuditEvent['actor'];
  },
): Promise<AuditEvent> {
  const event: AuditEvent = {
    id: randomBytes(16).toString('hex'),
    time: t.clock.now().toISOString(),
    type: input.type,
    actor: input.actor ?? { id: null, name: 'patina' },
    target: input.target,
    outcome: 'SUCCESS',
    sourceIp: null,
    userAgent: null,
    trackingId: null,
    details: input.details,
  };
  await t.storage.transaction(async (repos) => {
    await repos.audit.insert(event);
    await t.services.notifications.outbox.record(repos, event);
  });
  return event;
}

/**
 * Every verified body the receiver got, each checked against its type's data schema, and
 * none holding any of `secrets` (nor a digest, a sealed value or a webhook secret).
 */
export function checkedEvents(receiver: Receiver, secrets: readonly string[]) {
  expect(receiver.received.every((r) => r.verifyError === undefined)).toBe(true);
  for (const event of receiver.events) {
    const validate = ajv.compile(WEBHOOK_EVENT_DATA[event.type as keyof typeof WEBHOOK_EVENT_DATA]);
    expect(validate(event.data), `${event.type}: ${JSON.stringify(validate.errors)}`).toBe(true);
  }
  for (const r of receiver.received) {
    for (const secret of secrets) {
      expect(r.body).not.toContain(secret);
      expect(r.body).not.toContain(secret.slice(-20));
    }
    expect(r.body).not.toMatch(/digest|sealed|secret_enc|whsec_|"input"/);
  }
  return receiver.events;
}

/** The mails to `address`, in arrival order. */
export function mailsTo(mails: readonly CapturedMail[], address: string) {
  return mails.filter((m) => m.envelopeTo.includes(address));
}

/** Checks a mail carries none of `secrets`, then answers its subject and flattened text. */
export function read(mail: CapturedMail | undefined, secrets: readonly string[]) {
  expect(mail).toBeDefined();
  for (const secret of secrets) {
    expect(mail!.raw).not.toContain(secret);
    expect(mail!.raw).not.toContain(secret.slice(-20));
  }
  return { subject: mail!.parsed.subject, text: flat(mail!.parsed.text ?? ''), mail: mail! };
}

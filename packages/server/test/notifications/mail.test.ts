import { randomBytes } from 'node:crypto';
import type { AuditEvent } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { SYSTEM_CONTEXT } from '../../src/access/context.js';
import { DAY_MS, startTestApp, type TestApp } from '../helpers.js';
import { deliver, MailCatcher } from './receivers.js';

/** The text with its line wrapping undone, to find a sentence wherever the lines broke. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

async function owner(t: TestApp, email: string | null) {
  const identity = await t.services.identities.create(SYSTEM_CONTEXT, {
    name: 'Grace Hopper',
    login: 'grace',
    ...(email !== null && { email }),
  });
  return identity;
}

async function pat(t: TestApp, ownerId: string, name: string, expirationDate: string) {
  const made = await t.services.pats.createFor(SYSTEM_CONTEXT, ownerId, { name, expirationDate });
  return { id: made.pat.id, secret: made.secret };
}

describe('mail to PAT owners', () => {
  it('sends an owner one digest for three PATs crossing thresholds on one day, with no secret in it', async () => {
    const smtp = await MailCatcher.start();
    const t = await startTestApp({ config: smtp.config() });
    const grace = await owner(t, 'grace@example.com');
    const pats = [
      await pat(t, grace.id, 'deploy', '2026-02-14T10:00:00.000Z'), // 30 days
      await pat(t, grace.id, 'backup', '2026-01-22T09:00:00.000Z'), // 7 days
      await pat(t, grace.id, 'nightly', '2026-01-16T18:00:00.000Z'), // 1 day
    ];
    expect(await t.services.notifications.expiryWarnings.runOnce()).toBe(3);
    await deliver(t);
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail!.envelopeTo).toEqual(['grace@example.com']);
    expect(mail!.user).toBe('patina');
    expect(mail!.parsed.from?.value).toEqual([{ address: 'patina@example.com', name: 'Patina' }]);
    expect(mail!.parsed.subject).toBe(
      '3 of your personal access tokens expire soon (the first tomorrow)',
    );
    const text = flat(mail!.parsed.text!);
    for (const p of pats) expect(text).toContain(`(id ${p.id})`);
    expect(text).toContain(
      '"nightly" (id ' + pats[2]!.id + ') expires tomorrow, at 2026-01-16 18:00 UTC',
    );
    expect(text).toContain('expires in 30 days, at 2026-02-14 10:00 UTC');
    expect(text).toContain('What happens next: when a PAT expires, Patina stops exchanging it');
    expect(text).toContain('You will be reminded again 7 days before, 1 day before, on the day.');
    expect(text).toContain('POST http://patina.test/v3/personal-access-tokens');
    expect(mail!.parsed.html).toContain('<li>');
    for (const p of pats) {
      expect(mail!.raw).not.toContain(p.secret);
      expect(mail!.raw).not.toContain(p.secret.slice(-20));
    }
    // The same day again: nothing new to say.
    t.clock.advance(60 * 60 * 1000);
    expect(await t.services.notifications.expiryWarnings.runOnce()).toBe(0);
    await deliver(t);
    expect(smtp.mails).toHaveLength(1);
  });

  it('mails the owner when a PAT expires and when one is revoked, saying why and what next', async () => {
    const smtp = await MailCatcher.start();
    const t = await startTestApp({
      config: { ...smtp.config(), notifications: { expiryWarningDays: [] } },
    });
    const grace = await owner(t, 'grace@example.com');
    const expiring = await pat(t, grace.id, 'nightly', '2026-01-16T18:00:00.000Z');
    const leaked = await pat(t, grace.id, 'laptop', '2026-03-01T00:00:00.000Z');
    t.clock.advance(2 * DAY_MS);
    await t.services.housekeeping.runOnce();
    const event: AuditEvent = {
      id: randomBytes(16).toString('hex'),
      time: t.clock.now().toISOString(),
      type: 'PERSONAL_ACCESS_TOKEN_REVOKED',
      actor: { id: null, name: 'patina' },
      target: { type: 'PERSONAL_ACCESS_TOKEN', id: leaked.id, name: 'laptop' },
      outcome: 'SUCCESS',
      sourceIp: null,
      userAgent: null,
      trackingId: null,
      details: { reason: 'LEAKED' },
    };
    await t.storage.transaction((repos) => t.services.notifications.outbox.record(repos, event));
    await deliver(t);
    expect(smtp.mails.map((m) => m.parsed.subject)).toEqual([
      'Your personal access token "nightly" has expired',
      'Your personal access token "laptop" was revoked: its secret was reported as leaked',
    ]);
    const [expired, revoked] = smtp.mails.map((m) => flat(m.parsed.text!));
    expect(expired).toContain(`(id ${expiring.id}) expired at 2026-01-16 18:00 UTC.`);
    expect(expired).toContain('What happens next: Patina no longer exchanges it');
    expect(revoked).toContain('(reason: LEAKED)');
    expect(revoked).toContain('What to do: if you still need access, create a new PAT');
    for (const m of smtp.mails) {
      expect(m.raw).not.toContain(expiring.secret);
      expect(m.raw).not.toContain(leaked.secret);
    }
  });

  it('queues no mail for an owner without an address, and none without an SMTP server', async () => {
    const smtp = await MailCatcher.start();
    const t = await startTestApp({ config: smtp.config() });
    const grace = await owner(t, null);
    await pat(t, grace.id, 'deploy', '2026-01-20T10:00:00.000Z');
    expect(await t.services.notifications.expiryWarnings.runOnce()).toBe(1);
    const off = await startTestApp();
    const ada = off.admin.identity.id;
    await off.services.identities.update(SYSTEM_CONTEXT, ada, { email: 'ada@example.com' });
    await pat(off, ada, 'deploy', '2026-01-20T10:00:00.000Z');
    expect(await off.services.notifications.expiryWarnings.runOnce()).toBe(1);
    for (const app of [t, off]) {
      const rows = await app.storage.db.selectFrom('notification_deliveries').selectAll().execute();
      expect(rows.filter((r) => r.channel === 'email')).toEqual([]);
    }
  });

  it('upgrades with STARTTLS when the server offers it', async () => {
    const smtp = await MailCatcher.start({ starttls: true });
    const t = await startTestApp({ config: smtp.config('?tls.rejectUnauthorized=false') });
    const grace = await owner(t, 'grace@example.com');
    await pat(t, grace.id, 'deploy', '2026-01-20T10:00:00.000Z');
    await t.services.notifications.expiryWarnings.runOnce();
    await deliver(t);
    expect(smtp.mails).toHaveLength(1);
    expect(smtp.mails[0]!.secure).toBe(true);
  });

  it('retries a mail the server refuses for now (4xx), and gives up on one it refuses for good (5xx)', async () => {
    const smtp = await MailCatcher.start();
    smtp.refuse = (n) => (n === 0 ? 451 : n === 1 ? 550 : undefined);
    const t = await startTestApp({ config: smtp.config() });
    const grace = await owner(t, 'grace@example.com');
    await pat(t, grace.id, 'deploy', '2026-01-20T10:00:00.000Z');
    await t.services.notifications.expiryWarnings.runOnce();
    await deliver(t);
    const status = async () =>
      (
        await t.storage.db
          .selectFrom('notification_deliveries')
          .select(['status', 'attempts'])
          .execute()
      )[0];
    expect(await status()).toEqual({ status: 'PENDING', attempts: 1 });
    t.clock.advance(6000);
    await deliver(t);
    expect(await status()).toEqual({ status: 'FAILED', attempts: 2 });
    expect(smtp.mails).toEqual([]);
  });
});

import { ADMIN_BASE, surfaceOf } from '@patina/contract';
import { DAY_MS } from '../core/time.js';

/**
 * The mails Patina sends to the owners of PATs. Each names the PAT, says what happened, what
 * happens next and what to do; each has a plain-text part and an HTML part written from the same
 * paragraphs. They carry ids, names and dates, never a secret.
 */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

export type Block = string | { list: string[] };

export interface MailPat {
  id: string;
  name: string;
  expirationDate: string | null;
}

export interface MailContext {
  /** The public base URL of the deployment, for the API paths the mail names. */
  baseUrl: string;
  recipientName: string;
}

/** Where owners make and delete PATs, as mails and calendar entries tell them. */
const V3_PATS = surfaceOf('v3').path;

/** `2026-02-14 10:00 UTC`: a date people read, with its zone. */
export function readableTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

function quoted(pat: MailPat): string {
  return `"${pat.name}" (id ${pat.id})`;
}

export function inDays(daysLeft: number): string {
  if (daysLeft === 0) return 'today';
  if (daysLeft === 1) return 'tomorrow';
  return `in ${daysLeft} days`;
}

function renewSteps(ctx: MailContext, patId: string): Block[] {
  return [
    'How to renew it: a PAT cannot outlive its maximum lifetime, so make a new one and swap it in before this one lapses:',
    {
      list: [
        `Create a new PAT with the same scopes: POST ${ctx.baseUrl}${V3_PATS} (or ask your administrator).`,
        'Put its client id and secret wherever this one is configured (a pipeline, a script, an integration) and check that it works.',
        `Delete the old one: DELETE ${ctx.baseUrl}${V3_PATS}/${patId}`,
      ],
    },
  ];
}

const FOOTER =
  'You get this mail because your Patina identity has this address. Patina never mails a secret: a mail asking for one is not from Patina.';

/** One digest per owner per day: every PAT that crossed an expiry-warning threshold today. */
export function expiringDigestMail(
  ctx: MailContext,
  pats: readonly (MailPat & { daysLeft: number; nextWarningDays: number[] })[],
): MailContent {
  const count = pats.length;
  const soonest = Math.min(...pats.map((p) => p.daysLeft));
  const subject =
    count === 1
      ? `Your personal access token "${pats[0]!.name}" expires ${inDays(soonest)}`
      : `${count} of your personal access tokens expire soon (the first ${inDays(soonest)})`;
  const lines = pats.map(
    (p) => `${quoted(p)} expires ${inDays(p.daysLeft)}, at ${readableTime(p.expirationDate!)}`,
  );
  const later = [...new Set(pats.flatMap((p) => p.nextWarningDays))].sort((a, b) => b - a);
  return render(subject, ctx, [
    count === 1
      ? 'This personal access token of yours expires soon:'
      : 'These personal access tokens of yours expire soon:',
    { list: lines },
    'What happens next: when a PAT expires, Patina stops exchanging it for access tokens, and whatever uses it fails to sign in from then on.' +
      (later.length > 0
        ? ` You will be reminded again ${later.map((d) => (d === 0 ? 'on the day' : `${d} day${d === 1 ? '' : 's'} before`)).join(', ')}.`
        : ''),
    ...renewSteps(ctx, count === 1 ? pats[0]!.id : '<id>').map((block, i) =>
      i === 0 && count > 1
        ? 'How to renew them: a PAT cannot outlive its maximum lifetime, so for each make a new one and swap it in before the old one lapses:'
        : block,
    ),
  ]);
}

export function expiredMail(ctx: MailContext, pat: MailPat): MailContent {
  return render(`Your personal access token "${pat.name}" has expired`, ctx, [
    `Your personal access token ${quoted(pat)} expired at ${readableTime(pat.expirationDate ?? '')}.`,
    'What happens next: Patina no longer exchanges it for access tokens, so anything still using it fails to sign in. It cannot be brought back.',
    'What to do: if you still need it, create a new PAT with the same scopes and put its client id and secret where this one was used:',
    {
      list: [
        `POST ${ctx.baseUrl}${V3_PATS} (or ask your administrator)`,
        `Then delete the expired one: DELETE ${ctx.baseUrl}${V3_PATS}/${pat.id}`,
      ],
    },
  ]);
}

const REVOKE_REASONS: Record<string, { short: string; why: string }> = {
  LEAKED: {
    short: 'its secret was reported as leaked',
    why: 'Its secret was reported to Patina as found where it should not be (a repository, a log, a chat). Whoever found it can no longer use it.',
  },
  INACTIVE: {
    short: 'it was not used',
    why: 'It had not been used for longer than this deployment allows, so it was revoked to keep unused credentials from lying around.',
  },
  OFFBOARDED: {
    short: 'its owner was offboarded',
    why: 'Your identity was offboarded by an administrator, which revokes every PAT it holds.',
  },
  REVIEW: {
    short: 'an access review found it no longer needed',
    why: 'It was revoked in an access review: a reviewer decided it is no longer needed, or nobody decided by the deadline of a campaign that revokes undecided PATs.',
  },
  REUSED: {
    short: 'an old secret of it was used',
    why: 'A secret it had before a rotation was presented after its grace period ended: someone else may hold that old secret, so the PAT was revoked.',
  },
};

export function revokedMail(ctx: MailContext, pat: MailPat, reason: string): MailContent {
  const known = REVOKE_REASONS[reason];
  return render(
    `Your personal access token "${pat.name}" was revoked${known ? `: ${known.short}` : ''}`,
    ctx,
    [
      `Your personal access token ${quoted(pat)} was revoked (reason: ${reason}).`,
      known?.why ?? 'An administrator or a policy of this deployment revoked it.',
      'What happens next: Patina refuses it from now on; anything still using it fails to sign in. A revoked PAT cannot be brought back.',
      `What to do: if you still need access, create a new PAT (POST ${ctx.baseUrl}${V3_PATS}, or ask your administrator) and keep its secret in a secret store, never in code or chat.`,
    ],
  );
}

export function secretReusedMail(
  ctx: MailContext,
  pat: MailPat,
  sourceIp: string | null,
): MailContent {
  return render(`An old secret of your personal access token "${pat.name}" was used`, ctx, [
    `Someone presented a secret that your personal access token ${quoted(pat)} had before it was rotated, after that secret's grace period ended${sourceIp ? ` (from ${sourceIp})` : ''}. Patina refused it.`,
    'What happens next: the current secret keeps working unless this deployment revokes PATs whose old secrets are reused; if it does, you get a separate mail.',
    'What to do: if it was not you or your own automation, someone else holds the old secret. Rotate the PAT again or delete it, and find where the old secret was kept.',
  ]);
}

export function inactiveWarningMail(
  ctx: MailContext,
  pat: MailPat,
  revokeAt: string | null,
): MailContent {
  const when = revokeAt ? ` at ${readableTime(revokeAt)}` : ' soon';
  return render(
    `Your personal access token "${pat.name}" will be revoked${when} for not being used`,
    ctx,
    [
      `Your personal access token ${quoted(pat)} has not been used for a long time, and this deployment revokes PATs nobody uses.`,
      `What happens next: it will be revoked${when} unless it is used before then. A revoked PAT cannot be brought back.`,
      'What to do: if you still need it, use it once (exchange it at the token endpoint) and it stays; if you do not, delete it now.',
    ],
  );
}

export function webhookDisabledMail(
  ctx: MailContext,
  webhook: { id: string; url: string },
  reason: 'GONE' | 'FAILING',
): MailContent {
  return render(`Patina stopped sending events to ${webhook.url}`, ctx, [
    reason === 'GONE'
      ? `The webhook ${webhook.url} (id ${webhook.id}) answered 410 Gone, so Patina disabled it.`
      : `Every delivery to the webhook ${webhook.url} (id ${webhook.id}) has failed for five days, so Patina disabled it.`,
    'What happens next: no new events are queued for it. Events that were still waiting are kept and sent once it is enabled again.',
    `What to do: fix the receiver, then enable the webhook: PATCH ${ctx.baseUrl}${ADMIN_BASE}/webhooks/${webhook.id} with {"enabled": true}. GET ${ctx.baseUrl}${ADMIN_BASE}/webhooks/${webhook.id}/deliveries shows what it answered.`,
  ]);
}

/** Days left until `expirationDate` in whole UTC calendar days (0: it expires today). */
export function daysLeft(expirationDate: string, now: Date): number {
  const day = (t: number) => Math.floor(t / DAY_MS);
  return day(Date.parse(expirationDate)) - day(now.getTime());
}

export function render(subject: string, ctx: MailContext, blocks: Block[]): MailContent {
  const all: Block[] = [
    `Hello ${ctx.recipientName},`,
    ...blocks,
    FOOTER,
    `Patina — ${ctx.baseUrl}`,
  ];
  const text = all
    .map((block) =>
      typeof block === 'string'
        ? wrap(block)
        : block.list.map((item) => wrap(`- ${item}`, '  ')).join('\n'),
    )
    .join('\n\n');
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.4">',
    ...all.map((block) =>
      typeof block === 'string'
        ? `<p>${escapeHtml(block)}</p>`
        : `<ul>${block.list.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul>`,
    ),
    '</body></html>',
  ].join('\n');
  return { subject, text: text + '\n', html };
}

/** Plain text wrapped at 76 columns (RFC 2646's advice for readable mail). */
function wrap(paragraph: string, indent = ''): string {
  const lines: string[] = [];
  let line = '';
  for (const word of paragraph.split(/\s+/)) {
    if (line !== '' && line.length + 1 + word.length > 76) {
      lines.push(line);
      line = indent + word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines.join('\n');
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

import { ACCESS_REVIEWS_PATH, PAT_REQUESTS_PATH, type WhenUndecided } from '@patina/contract';
import {
  inDays,
  readableTime,
  render,
  type Block,
  type MailContent,
  type MailContext,
} from './mail-templates.js';

/**
 * The mails of governance (docs/governance.md): approvers asked to decide a request, requesters
 * told the answer, reviewers asked (and reminded) to review PATs, a campaign's creator told how it
 * ended. Written like mail-templates.ts: what happened, what happens next, what to do; ids,
 * names and dates, never a secret.
 */

/** A request as its mails name it. */
export interface MailPatRequest {
  id: string;
  kind: 'CREATE' | 'SCOPE_CHANGE';
  requesterName: string;
  /**
   * Whose PAT it is, when not the requester's: the owner's name, or `yours` in the owner's own
   * copy; null when the requester owns it.
   */
  forOwner: string | null;
  patName: string;
  patId: string | null;
  scope: string[];
  sensitiveScopes: string[];
  justification: string;
  ticketUrl: string | null;
  expiresAt: string;
  expirationDate: string | null;
}

/** A campaign as its mails name it. */
export interface MailAccessReview {
  id: string;
  name: string;
  deadline: string;
  whenUndecided: WhenUndecided;
}

const CONSOLE_REQUESTS = '/ui/requests';
const CONSOLE_REVIEWS = '/ui/reviews';

function scopes(list: readonly string[]): string {
  return `${list.length === 1 ? 'scope' : 'scopes'} ${list.join(', ')}`;
}

/** `a new personal access token "deploy"` or `the personal access token "deploy" (id …)`, and whose. */
function subjectOf(r: MailPatRequest): string {
  const pat =
    r.kind === 'CREATE'
      ? `a new personal access token "${r.patName}"`
      : `the personal access token "${r.patName}"${r.patId ? ` (id ${r.patId})` : ''}`;
  return r.forOwner ? `${pat} of ${r.forOwner}` : pat;
}

function asked(r: MailPatRequest): string {
  return r.kind === 'CREATE'
    ? `${subjectOf(r)} with the sensitive ${scopes(r.sensitiveScopes)}`
    : `the sensitive ${scopes(r.sensitiveScopes)} on ${subjectOf(r)}`;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function quote(text: string): string {
  return `“${text}”`;
}

/** To each approver: someone asks for a sensitive scope; how to say yes or no. */
export function patRequestCreatedMail(ctx: MailContext, r: MailPatRequest): MailContent {
  const requests = `${ctx.baseUrl}${PAT_REQUESTS_PATH}/${r.id}`;
  const details: string[] = [`Request: ${r.id}`, `Every scope asked for: ${r.scope.join(', ')}`];
  if (r.kind === 'CREATE') {
    details.push(
      `The PAT would expire: ${r.expirationDate ? readableTime(r.expirationDate) : 'never'}`,
    );
  }
  details.push(`Ticket: ${r.ticketUrl ?? 'none given'}`);
  return render(
    `Approval needed: ${r.requesterName} asks for ${scopes(r.sensitiveScopes)} on "${r.patName}"`,
    ctx,
    [
      `${r.requesterName} asks for ${asked(r)}. An approval rule of this deployment says someone else must agree first, and you are one of the approvers.`,
      `Their justification: ${quote(r.justification)}`,
      { list: details },
      `What happens next: nothing is made until an approver says yes. The request waits until ${readableTime(r.expiresAt)}; unanswered by then, it expires.`,
      'What to do: approve it or deny it with a comment, in one of these ways:',
      {
        list: [
          `In the console: ${ctx.baseUrl}${CONSOLE_REQUESTS}`,
          `With the CLI: patina request approve ${r.id} (or patina request deny ${r.id})`,
          `With the API: POST ${requests}/approve, or POST ${requests}/deny with {"comment": "why not"}`,
        ],
      },
    ],
  );
}

/**
 * To the requester (and the owner, when someone else asked for their PAT): the request was
 * approved; for a new PAT, how to fetch its secret, once, before the window closes.
 */
export function patRequestApprovedMail(
  ctx: MailContext,
  r: MailPatRequest,
  answer: {
    deciderName: string;
    comment: string | null;
    secretAvailableUntil: string | null;
    /** false: the mail goes to the owner, someone else asked. */
    toRequester: boolean;
  },
): MailContent {
  const whose = answer.toRequester ? 'your request' : `${r.requesterName}'s request`;
  const blocks: Block[] = [
    `${answer.deciderName} approved ${whose} ${r.id} for ${asked(r)}.` +
      (answer.comment ? ` Their comment: ${quote(answer.comment)}` : ''),
  ];
  if (r.kind === 'CREATE') {
    const until = answer.secretAvailableUntil
      ? `until ${readableTime(answer.secretAvailableUntil)}`
      : 'for a limited time';
    blocks.push(
      `What happens next: the PAT${r.patId ? ` (id ${r.patId})` : ''} is made. Its secret can be fetched once, ${until}; if nobody fetches it by then, the PAT is deleted unused.`,
    );
    if (answer.toRequester) {
      blocks.push(
        'What to do: fetch the secret now and put it straight into a secret store (it is shown this one time only):',
        {
          list: [
            `With the CLI: patina request secret ${r.id}`,
            `With the API: POST ${ctx.baseUrl}${PAT_REQUESTS_PATH}/${r.id}/secret`,
          ],
        },
      );
    } else {
      blocks.push(`${r.requesterName} fetches the secret; there is nothing for you to do.`);
    }
  } else {
    blocks.push(
      `What happens next: the PAT has the new ${scopes(r.sensitiveScopes)} from now on; its secret is unchanged, so nothing needs to be reconfigured.`,
    );
  }
  return render(`Approved: ${scopes(r.sensitiveScopes)} on "${r.patName}"`, ctx, blocks);
}

/** To the requester (and the owner, when someone else asked): denied, and why. */
export function patRequestDeniedMail(
  ctx: MailContext,
  r: MailPatRequest,
  answer: { deciderName: string; comment: string | null; toRequester: boolean },
): MailContent {
  const whose = answer.toRequester ? 'your request' : `${r.requesterName}'s request`;
  return render(`Denied: ${scopes(r.sensitiveScopes)} on "${r.patName}"`, ctx, [
    `${answer.deciderName} denied ${whose} ${r.id} for ${asked(r)}.`,
    `Their comment: ${quote(answer.comment ?? '(none)')}`,
    r.kind === 'CREATE'
      ? 'What happens next: nothing was made.'
      : 'What happens next: nothing changed; the PAT keeps the scopes it had.',
    'What to do: if the access is still needed, talk to the approver, then ask again with a justification (and a ticket) that answers their comment.',
  ]);
}

/**
 * To the requester: nobody answered in time (stage PENDING), or the approved secret was not
 * fetched in time and the PAT was deleted (stage SECRET).
 */
export function patRequestExpiredMail(
  ctx: MailContext,
  r: MailPatRequest,
  expired: { stage: 'PENDING' | 'SECRET'; at: string },
): MailContent {
  const again = `What to do: if you still need it, ask again (the same create or change, with the justification), and fetch the secret as soon as it is approved: patina request secret <id>.`;
  if (expired.stage === 'SECRET') {
    return render(
      `The secret of "${r.patName}" was not fetched in time: the PAT was deleted`,
      ctx,
      [
        `Your request ${r.id} for ${asked(r)} was approved, but nobody fetched the new PAT's secret before ${readableTime(expired.at)}.`,
        `What happens next: Patina deleted the PAT${r.patId ? ` (id ${r.patId})` : ''} unused, so its secret can no longer be fetched or used.`,
        again,
      ],
    );
  }
  return render(`Your request for "${r.patName}" expired unanswered`, ctx, [
    `Nobody approved or denied your request ${r.id} for ${asked(r)} before ${readableTime(r.expiresAt)}, so it expired.`,
    r.kind === 'CREATE'
      ? 'What happens next: nothing was made.'
      : 'What happens next: nothing changed; the PAT keeps the scopes it had.',
    `${again} An approver may not have seen it: tell them when you ask again.`,
  ]);
}

function undecidedFate(w: WhenUndecided): string {
  return w === 'revoke'
    ? 'revoked automatically, and whatever uses them stops working'
    : 'kept as they are, and the report shows that nobody decided';
}

function whereToReview(ctx: MailContext, review: MailAccessReview): Block[] {
  return [
    'Where: for each PAT you see its owner, scopes, last use and usage; certify it if it is still needed, revoke it if not, with a comment for the auditor:',
    {
      list: [
        `In the console: ${ctx.baseUrl}${CONSOLE_REVIEWS}`,
        `With the CLI: patina review items ${review.id} --mine`,
        `With the API: GET ${ctx.baseUrl}${ACCESS_REVIEWS_PATH}/${review.id}/items?reviewer=me&outcome=PENDING`,
      ],
    },
  ];
}

function pats(count: number): string {
  return `${count} personal access token${count === 1 ? '' : 's'}`;
}

/** To each reviewer: a campaign asks them to review PATs by its deadline. */
export function accessReviewStartedMail(
  ctx: MailContext,
  review: MailAccessReview,
  started: { by: string; items: number | null },
): MailContent {
  const what = started.items === null ? 'personal access tokens' : pats(started.items);
  return render(
    `Access review "${review.name}": please review ${what} by ${readableTime(review.deadline)}`,
    ctx,
    [
      `${started.by} started the access review "${review.name}" (id ${review.id}), and you are asked to review ${what} in it: ${started.items === 1 ? 'is it' : 'is each'} still needed?`,
      `What happens next: at the deadline, ${readableTime(review.deadline)}, items nobody decided are ${undecidedFate(review.whenUndecided)}.`,
      ...whereToReview(ctx, review),
    ],
  );
}

/** To each reviewer with undecided items, at the set points before the deadline. */
export function accessReviewReminderMail(
  ctx: MailContext,
  review: MailAccessReview,
  reminder: { daysLeft: number; pending: number | null },
): MailContent {
  const when = inDays(reminder.daysLeft);
  const undecided =
    reminder.pending === null
      ? 'Some of the personal access tokens you review are'
      : `${pats(reminder.pending)} you review ${reminder.pending === 1 ? 'is' : 'are'}`;
  return render(`Reminder: the access review "${review.name}" ends ${when}`, ctx, [
    `${undecided} still undecided in the access review "${review.name}" (id ${review.id}). Its deadline is ${readableTime(review.deadline)} (${when}).`,
    `What happens next: at the deadline, items nobody decided are ${undecidedFate(review.whenUndecided)}.`,
    ...whereToReview(ctx, review),
  ]);
}

/** What each outcome means, in the order the closing mail lists them. */
const OUTCOMES: [outcome: string, label: string][] = [
  ['CERTIFIED', 'certified by a reviewer'],
  ['REVOKED', 'revoked by a reviewer'],
  ['AUTO_REVOKED', 'undecided, revoked when it closed'],
  ['KEPT', 'undecided, kept when it closed'],
  ['GONE', 'deleted by other means before a decision'],
];

/** To the campaign's creator: it closed; the counts and where the report is. */
export function accessReviewClosedMail(
  ctx: MailContext,
  review: MailAccessReview,
  closed: { at: string; outcomes: Record<string, number>; nextStartAt: string | null },
): MailContent {
  const count = (o: string) => closed.outcomes[o] ?? 0;
  const revoked = count('REVOKED') + count('AUTO_REVOKED');
  const next: string[] = [];
  if (revoked > 0) {
    next.push('Revoked PATs are refused from now on, and their owners were told by mail.');
  }
  if (closed.nextStartAt) {
    next.push(
      `The next campaign of this recurring review starts ${readableTime(closed.nextStartAt)}.`,
    );
  }
  const lines = OUTCOMES.filter(([o]) => count(o) > 0).map(
    ([o, label]) => `${pats(count(o))} ${label}`,
  );
  const report = `${ctx.baseUrl}${ACCESS_REVIEWS_PATH}/${review.id}/report`;
  return render(
    `Access review "${review.name}" closed: ${count('CERTIFIED') + count('KEPT')} kept, ${revoked} revoked`,
    ctx,
    [
      `The access review "${review.name}" (id ${review.id}), which you started, closed at ${readableTime(closed.at)}. Its outcome:`,
      { list: lines.length > 0 ? lines : ['no items'] },
      ...(next.length > 0 ? [`What happens next: ${lowerFirst(next.join(' '))}`] : []),
      `What to do: file the report for your auditors: GET ${report} (JSON), or the same with the header Accept: text/csv for a spreadsheet. The console shows it too: ${ctx.baseUrl}${CONSOLE_REVIEWS}`,
    ],
  );
}

import { MAX_REVIEW_ITEMS } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { selectPats } from '../../src/governance/review-selection.js';
import type {
  AccessReviewsRepository,
  ReviewCandidate,
} from '../../src/storage/access-reviews-repository.js';
import { expectRefused, UNKNOWN_ID } from '../helpers.js';
import {
  createReview,
  decide,
  itemFor,
  ordersReview,
  OWNER,
  REVIEWS,
  reviewApp,
  send,
} from './review-setup.js';

const ILLEGAL = '400.1.3 Illegal value';
const MISSING = '400.1.0 Required Data Missing Or Empty';
const BAD_CONTENT = '400.1 Bad Request Content';

describe('access reviews refuse bad input, naming the field, and write nothing', () => {
  it('refuses each bad field of a campaign with a 400 that names it', async () => {
    const { t } = await reviewApp();
    const disabled = await t.user({ name: 'Gone Person', login: 'gone', ...OWNER });
    expect((await t.patchIdentity(disabled.identity.id, { status: 'DISABLED' })).statusCode).toBe(
      200,
    );
    const cases: [Record<string, unknown>, string, string | RegExp][] = [
      [{ name: undefined }, MISSING, "Required 'name' is missing"],
      [{ name: '' }, ILLEGAL, /'name'/],
      [{ name: 'x'.repeat(129) }, ILLEGAL, /'name'/],
      [{ reviewers: undefined }, MISSING, "Required 'reviewers' is missing"],
      [{ reviewers: 'BOSS' }, ILLEGAL, "'reviewers' must be one of: OWNER, MANAGER"],
      [{ reviewers: [] }, ILLEGAL, "'reviewers' must NOT have fewer than 1 items"],
      [{ reviewers: ['not-an-id'] }, ILLEGAL, `'reviewers[0]' must match pattern "^[0-9a-f]{32}$"`],
      [{ reviewers: 5 }, ILLEGAL, "'reviewers' must be an array"],
      [
        { reviewers: [UNKNOWN_ID] },
        ILLEGAL,
        `'reviewers' names no active identity: '${UNKNOWN_ID}'`,
      ],
      [
        { reviewers: [disabled.identity.id] },
        ILLEGAL,
        `'reviewers' names no active identity: '${disabled.identity.id}'`,
      ],
      [{ deadline: undefined }, MISSING, "Required 'deadline' is missing"],
      [{ deadline: 'next friday' }, ILLEGAL, /'deadline'/],
      [{ deadline: '2026-01-01T00:00:00Z' }, ILLEGAL, "'deadline' must be in the future"],
      [{ whenUndecided: 'delete' }, ILLEGAL, "'whenUndecided' must be one of: revoke, keep"],
      [{ every: '90' }, ILLEGAL, /'every'/],
      [{ every: '0d' }, ILLEGAL, /'every'/],
      [{ selection: { scopes: [] } }, ILLEGAL, /'selection.scopes'/],
      [
        { selection: { scopes: ['or*ders'] } },
        ILLEGAL,
        "'selection.scopes[0]' may hold a '*' only as its last character (a prefix: 'orders:*')",
      ],
      [{ selection: { unusedForDays: 0 } }, ILLEGAL, /'selection.unusedForDays'/],
      [{ selection: { unusedForDays: 'old' } }, ILLEGAL, /'selection.unusedForDays'/],
      [
        { selection: { ownerRoles: ['NOPE'] } },
        ILLEGAL,
        /^'selection.ownerRoles\[0\]' names no role/,
      ],
      [
        { selection: { owner: 'me' } },
        BAD_CONTENT,
        "Unknown field 'selection.owner': this resource has no such field",
      ],
    ];
    for (const [change, detailCode, text] of cases) {
      const body = { ...ordersReview(), ...change };
      const response = await expectRefused(t, () => send(t, 'POST', REVIEWS, body), [
        400,
        detailCode,
        text,
      ]);
      const field = Object.keys(change)[0]!;
      expect(response.body, JSON.stringify(change)).toContain(field);
    }
    expect(await t.storage.db.selectFrom('access_reviews').selectAll().execute()).toStrictEqual([]);
  });

  it('lets only all-manage start a campaign', async () => {
    const { t, olga } = await reviewApp();
    await expectRefused(t, () => send(t, 'POST', REVIEWS, ordersReview(), olga.token), [
      403,
      '403 Forbidden',
      'Starting an access review needs the right sp:all-personal-access-tokens:manage',
    ]);
  });

  it('answers 404 for ids of the wrong shape without echoing them', async () => {
    const { t, olga, pats } = await reviewApp();
    const review = await createReview(t, ordersReview());
    const notAnId = `${REVIEWS}/sp_secret_value`;
    for (const url of [notAnId, `${notAnId}/items`, `${notAnId}/report`]) {
      await expectRefused(t, () => send(t, 'GET', url), [
        404,
        '404 Not found',
        'Access review was not found: the id is rev_ and 32 lowercase hex characters',
      ]);
    }
    const unknown = `rev_${'a'.repeat(32)}`;
    await expectRefused(t, () => send(t, 'GET', `${REVIEWS}/${unknown}`), [
      404,
      '404 Not found',
      `Access review '${unknown}' was not found`,
    ]);
    await expectRefused(
      t,
      () => decide(t, review.id, 'some-token-value', { decision: 'revoke', comment: 'x' }, olga),
      [
        404,
        '404 Not found',
        'Access review item was not found: the id is rvi_ and 32 lowercase hex characters',
      ],
    );
    const item = await itemFor(t, review.id, pats.olgaRead.id);
    await expectRefused(
      t,
      () => decide(t, review.id, item.id, { decision: 'maybe', comment: 'x' }, olga),
      [400, ILLEGAL, "'decision' must be one of: certify, revoke"],
    );
    await expectRefused(t, () => decide(t, review.id, item.id, { decision: 'revoke' }, olga), [
      400,
      MISSING,
      "Required 'comment' is missing",
    ]);
    await expectRefused(
      t,
      () => send(t, 'POST', `${REVIEWS}/${review.id}/decisions`, { decisions: [] }, olga.token),
      [400, ILLEGAL, /'decisions'/],
    );
  });

  it('refuses a selection of more than MAX_REVIEW_ITEMS PATs', async () => {
    const candidate = (n: number): ReviewCandidate => ({
      id: n.toString(16).padStart(32, '0'),
      name: `pat-${n}`,
      scope: ['orders:read'],
      managed: false,
      ownerId: UNKNOWN_ID,
      ownerStatus: 'ACTIVE',
      ownerRoles: ['USER'],
      ownerManagerId: null,
    });
    const total = (count: number) =>
      ({
        liveCandidates: ({ afterId, limit }: { afterId: string; limit: number }) => {
          const from = afterId === '' ? 0 : parseInt(afterId, 16) + 1;
          const page = [];
          for (let n = from; n < Math.min(count, from + limit); n++) page.push(candidate(n));
          return Promise.resolve(page);
        },
      }) as unknown as AccessReviewsRepository;
    const now = new Date();
    expect(await selectPats(total(MAX_REVIEW_ITEMS), {}, now)).toHaveLength(MAX_REVIEW_ITEMS);
    await expect(selectPats(total(MAX_REVIEW_ITEMS + 1), {}, now)).rejects.toMatchObject({
      code: 'ILLEGAL_VALUE',
      field: 'selection',
    });
  });
});

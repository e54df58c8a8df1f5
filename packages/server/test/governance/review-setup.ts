import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { DAY_MS, START, startTestApp, type TestApp, type TestUser } from '../helpers.js';

/** Written out, not imported from the contract, so that a moved path fails here. */
export const REVIEWS = '/patina/v1/access-reviews';
export const REV_ID = /^rev_[0-9a-f]{32}$/;
export const RVI_ID = /^rvi_[0-9a-f]{32}$/;
export const IN_A_WEEK = new Date(Date.parse(START) + 7 * DAY_MS).toISOString();

/** The PAT scopes of reviewers' own login PATs: none that a campaign over orders:* selects. */
export const LOGIN_SCOPE = [
  'sp:my-personal-access-tokens:read',
  'sp:my-personal-access-tokens:manage',
];

/** USER owners who hold the orders rights, so their orders PATs can be exchanged. */
export const OWNER = { patScope: LOGIN_SCOPE, rights: ['orders:read', 'orders:write'] };

type Body = Record<string, unknown>;

export interface Review {
  id: string;
  status: string;
  deadline: string;
  every: string | null;
  nextStartAt: string | null;
  previousId: string | null;
  progress: { total: number; decided: number; certified: number; revoked: number; pending: number };
  [key: string]: unknown;
}

export interface Item {
  id: string;
  reviewId: string;
  pat: {
    id: string;
    name: string;
    scope: string[];
    live: boolean;
    expirationDate: string | null;
    [key: string]: unknown;
  };
  owner: { id: string; name: string; login: string };
  reviewers: { id: string | null; name: string }[];
  evidence: { lastUsedFrom: unknown[]; usage: unknown[]; rotations: string[] };
  outcome: string;
  decision: string | null;
  comment: string | null;
  expirationDate: string | null;
  [key: string]: unknown;
}

/**
 * An app with two owners (USER role, login PATs that no orders:* campaign selects) and their
 * PATs over orders: Olga's `olga-read` (orders:read) and `olga-write` (orders:write), Bob's
 * `bob-read` (orders:read).
 */
export async function reviewApp(config?: Record<string, unknown>) {
  const t = await startTestApp(config ? { config } : {});
  const olga = await t.user({ name: 'Olga Owner', login: 'olga', ...OWNER });
  const bob = await t.user({ name: 'Bob Owner', login: 'bob', ...OWNER });
  const pats = {
    olgaRead: await t.mintPat(olga.identity.id, { name: 'olga-read', scope: ['orders:read'] }),
    olgaWrite: await t.mintPat(olga.identity.id, { name: 'olga-write', scope: ['orders:write'] }),
    bobRead: await t.mintPat(bob.identity.id, { name: 'bob-read', scope: ['orders:read'] }),
  };
  return { t, olga, bob, pats };
}

export function send(
  t: TestApp,
  method: 'GET' | 'POST',
  url: string,
  json?: unknown,
  token: string = t.admin.token,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return t.request({ method, url, token, headers, ...(json !== undefined && { json }) });
}

export async function createReview(t: TestApp, json: Body, token?: string): Promise<Review> {
  const res = await send(t, 'POST', REVIEWS, json, token);
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Review>();
}

/** A campaign over every orders:* PAT of USER owners, reviewed by each PAT's owner. */
export function ordersReview(extra: Body = {}): Body {
  return {
    name: 'Q1 orders review',
    selection: { scopes: ['orders:*'], ownerRoles: ['USER'] },
    reviewers: 'OWNER',
    deadline: IN_A_WEEK,
    ...extra,
  };
}

export async function itemsOf(
  t: TestApp,
  reviewId: string,
  token?: string,
  query = '',
): Promise<Item[]> {
  const res = await send(t, 'GET', `${REVIEWS}/${reviewId}/items${query}`, undefined, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Item[]>();
}

export async function itemFor(t: TestApp, reviewId: string, patId: string): Promise<Item> {
  const item = (await itemsOf(t, reviewId)).find((i) => i.pat.id === patId);
  if (!item) throw new Error(`no item for ${patId}`);
  return item;
}

export function decide(
  t: TestApp,
  reviewId: string,
  itemId: string,
  json: Body,
  reviewer: TestUser | string,
): Promise<LightMyRequestResponse> {
  const token = typeof reviewer === 'string' ? reviewer : reviewer.token;
  return send(t, 'POST', `${REVIEWS}/${reviewId}/items/${itemId}/decision`, json, token);
}

export async function getReview(t: TestApp, id: string): Promise<Review> {
  const res = await send(t, 'GET', `${REVIEWS}/${id}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<Review>();
}

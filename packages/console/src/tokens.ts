import type { PatinaCreatePatResponse, PatinaPat, PatOwnerBody } from '@patina/contract';
import { call } from './api.js';

/** The schema's owner is a $ref, which TypeBox types as unknown; it is the PAT owner body. */
export type Pat = Omit<PatinaPat, 'owner'> & { owner: PatOwnerBody };
export type NewPat = Omit<PatinaCreatePatResponse, 'owner'> & { owner: PatOwnerBody };

const BASE = '/patina/v1/personal-access-tokens';

export async function listPats(ownerId?: 'me'): Promise<Pat[]> {
  const query = new URLSearchParams({ limit: '250', sorters: '-created' });
  if (ownerId) query.set('owner-id', ownerId);
  return (await call<Pat[]>('GET', `${BASE}?${query.toString()}`)).data;
}

export interface CreateInput {
  name: string;
  description: string;
  scope: string[];
  expirationDate: string | null;
  neverExpires: boolean;
  accessTokenValiditySeconds: number | undefined;
}

export async function createPat(input: CreateInput): Promise<NewPat> {
  const body = {
    name: input.name,
    ...(input.description && { description: input.description }),
    scope: input.scope,
    ...(input.neverExpires
      ? { userAwareTokenNeverExpires: true }
      : { expirationDate: input.expirationDate }),
    ...(input.accessTokenValiditySeconds !== undefined && {
      accessTokenValiditySeconds: input.accessTokenValiditySeconds,
    }),
  };
  return (await call<NewPat>('POST', BASE, body)).data;
}

export async function rotatePat(id: string, gracePeriodSeconds: number): Promise<NewPat> {
  return (
    await call<NewPat>('POST', `${BASE}/${encodeURIComponent(id)}/rotate`, { gracePeriodSeconds })
  ).data;
}

export async function deletePat(id: string): Promise<void> {
  await call<undefined>('DELETE', `${BASE}/${encodeURIComponent(id)}`);
}

export type SortKey = 'name' | 'created' | 'lastUsed' | 'expirationDate';

export function sortPats(pats: Pat[], key: SortKey, descending: boolean): Pat[] {
  const value = (p: Pat): string =>
    key === 'name'
      ? p.name.toLowerCase()
      : key === 'expirationDate'
        ? (p.expirationDate ?? '9999')
        : key === 'lastUsed'
          ? (p.lastUsed ?? '')
          : p.created;
  const sorted = [...pats].sort((a, b) => value(a).localeCompare(value(b)));
  return descending ? sorted.reverse() : sorted;
}

export function matches(pat: Pat, search: string): boolean {
  const q = search.trim().toLowerCase();
  if (!q) return true;
  return [pat.name, pat.description, pat.owner.name, ...pat.scope].some((s) =>
    s?.toLowerCase().includes(q),
  );
}

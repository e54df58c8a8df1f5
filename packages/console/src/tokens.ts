import type {
  PatRequest,
  PatinaCreatePatRequest,
  PatinaCreatePatResponse,
  PatinaPat,
  PatOwnerBody,
  PatUseSource,
} from '@patina/contract';
import { patina } from './api.js';

/** The schema's $refs (owner, lastUsedFrom) TypeBox types as unknown; these are what they are. */
interface Refs {
  owner: PatOwnerBody;
  lastUsedFrom: PatUseSource[];
}
export type Pat = Omit<PatinaPat, keyof Refs> & Refs;
export type NewPat = Omit<PatinaCreatePatResponse, keyof Refs> & Refs;

/** The Patina PAT resource (with description and status), through the SDK. */
export async function listPats(ownerId?: 'me'): Promise<Pat[]> {
  const pats = await patina.patinaPats.list({
    limit: 250,
    sorters: '-created',
    ...(ownerId && { ownerId }),
  });
  return pats as Pat[];
}

export async function getPat(id: string): Promise<Pat> {
  return (await patina.patinaPats.get(id)) as Pat;
}

export interface CreateInput {
  name: string;
  description: string;
  scope: string[];
  expirationDate: string | null;
  neverExpires: boolean;
  accessTokenValiditySeconds: number | undefined;
  /** Empty for use from anywhere. */
  allowedCidrs: string[];
  /** DPoP-bound tokens only (RFC 9449); sent only when true, off being the default. */
  requireDpop?: boolean;
  /** Why, for the approver: required when a scope needs approval (config approval.rules). */
  justification?: string;
  /** A link to the change ticket, for the approver. */
  ticketUrl?: string;
}

/** A create answers the PAT with its secret, or (202) the request an approver must decide first. */
export type CreateResult = { created: NewPat } | { pending: PatRequest };

export async function createPat(input: CreateInput): Promise<CreateResult> {
  const body: PatinaCreatePatRequest = {
    name: input.name,
    ...(input.description && { description: input.description }),
    ...(input.allowedCidrs.length > 0 && { allowedCidrs: input.allowedCidrs }),
    scope: input.scope,
    ...(input.neverExpires
      ? { userAwareTokenNeverExpires: true }
      : { expirationDate: input.expirationDate }),
    ...(input.accessTokenValiditySeconds !== undefined && {
      accessTokenValiditySeconds: input.accessTokenValiditySeconds,
    }),
    ...(input.requireDpop === true && { requireDpop: true }),
    ...(input.justification && { justification: input.justification }),
    ...(input.ticketUrl && { ticketUrl: input.ticketUrl }),
  };
  const result = await patina.patinaPats.create(body);
  if ('pending' in result) return { pending: result.pending };
  return { created: result as NewPat };
}

export async function updatePat(
  id: string,
  patch: {
    name: string;
    description: string;
    allowedCidrs: string[];
    scope: string[];
    /** Only when the expiry changes: a date, or null for never expiring. */
    expirationDate?: string | null;
    /** Why, when an added scope needs approval (the patch then waits for an approver). */
    justification?: string;
    ticketUrl?: string;
  },
): Promise<Pat | { pending: PatRequest }> {
  const result = await patina.patinaPats.update(id, {
    name: patch.name,
    description: patch.description || null,
    allowedCidrs: patch.allowedCidrs.length > 0 ? patch.allowedCidrs : null,
    scope: patch.scope,
    ...(patch.expirationDate !== undefined && {
      expirationDate: patch.expirationDate,
      userAwareTokenNeverExpires: patch.expirationDate === null,
    }),
    ...(patch.justification && { justification: patch.justification }),
    ...(patch.ticketUrl && { ticketUrl: patch.ticketUrl }),
  });
  return 'pending' in result ? { pending: result.pending } : (result as Pat);
}

export async function rotatePat(id: string, gracePeriodSeconds: number): Promise<NewPat> {
  return (await patina.patinaPats.rotate(id, { gracePeriodSeconds })) as NewPat;
}

export async function deletePat(id: string): Promise<void> {
  await patina.patinaPats.delete(id);
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

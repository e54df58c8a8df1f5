import type { InferResult } from 'kysely';
import type { IdentityStatus } from '@patina/contract';
import type { PatCredentialRecord, PersonalAccessToken } from '../pats/model.js';
import type { Db } from './database.js';
import { parseStringArray } from './json.js';

/**
 * PATs (`p`) joined with their owners (`o`): the one spelling of the join every read that
 * shows a PAT with its owner starts from. Every PAT has an owner (a foreign key), so the inner
 * join drops none.
 */
export function patsWithOwners(db: Db) {
  return db
    .selectFrom('personal_access_tokens as p')
    .innerJoin('identities as o', 'o.id', 'p.owner_id');
}

/** A PAT as notifications describe it: deleted ones too (a deletion is notified). */
export interface PatSubject {
  id: string;
  name: string;
  scope: string[];
  managed: boolean;
  created: string;
  lastUsed: string | null;
  expirationDate: string | null;
  ownerId: string;
  ownerName: string;
  ownerEmail: string | null;
}

/** The columns of a PatSubject: a PAT and whom to tell about it. */
export function selectPatSubjects(db: Db) {
  return patsWithOwners(db).select([
    'p.id',
    'p.name',
    'p.scope',
    'p.managed',
    'p.created',
    'p.last_used',
    'p.expiration_date',
    'p.owner_id',
    'o.name as owner_name',
    'o.email as owner_email',
  ]);
}

type PatSubjectRow = InferResult<ReturnType<typeof selectPatSubjects>>[number];

export function toPatSubject(row: PatSubjectRow): PatSubject {
  return {
    id: row.id,
    name: row.name,
    scope: parseStringArray(row.scope),
    managed: row.managed === 1,
    created: row.created,
    lastUsed: row.last_used,
    expirationDate: row.expiration_date,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    ownerEmail: row.owner_email,
  };
}

/** The columns of a PersonalAccessToken: the PAT as its surfaces show it, with its owner's name. */
export function selectPats(db: Db) {
  return patsWithOwners(db).select([
    'p.id',
    'p.owner_id',
    'o.name as owner_name',
    'p.name',
    'p.scope',
    'p.created',
    'p.last_used',
    'p.managed',
    'p.access_token_validity_seconds',
    'p.expiration_date',
    'p.user_aware_token_never_expires',
    'p.description',
    'p.allowed_cidrs',
    'p.require_dpop',
    'p.rotated_at',
    'p.previous_secret_valid_until',
  ]);
}

type PatSelectRow = InferResult<ReturnType<typeof selectPats>>[number];

export function toPat(row: PatSelectRow): PersonalAccessToken {
  return {
    id: row.id,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    name: row.name,
    scope: parseStringArray(row.scope),
    created: row.created,
    lastUsed: row.last_used,
    managed: row.managed === 1,
    accessTokenValiditySeconds: row.access_token_validity_seconds,
    expirationDate: row.expiration_date,
    userAwareTokenNeverExpires: row.user_aware_token_never_expires === 1,
    description: row.description,
    allowedCidrs: parseCidrs(row.allowed_cidrs),
    requireDpop: row.require_dpop === 1,
    rotatedAt: row.rotated_at,
    previousSecretValidUntil: row.previous_secret_valid_until,
  };
}

/** The owner's columns a credential record needs, selected as `owner_*` from `o`. */
export const CREDENTIAL_OWNER_COLUMNS = [
  'o.login as owner_login',
  'o.name as owner_name',
  'o.status as owner_status',
  'o.roles as owner_roles',
  'o.rights as owner_rights',
  'o.disabled_at as owner_disabled_at',
] as const;

/** A credential record's owner fields from a row with CREDENTIAL_OWNER_COLUMNS. */
export function credentialOwner(row: {
  owner_id: string;
  owner_login: string;
  owner_name: string;
  owner_status: IdentityStatus;
  owner_roles: string;
  owner_rights: string;
  owner_disabled_at: string | null;
}): Pick<
  PatCredentialRecord,
  | 'ownerId'
  | 'ownerLogin'
  | 'ownerName'
  | 'ownerStatus'
  | 'ownerRoles'
  | 'ownerRights'
  | 'ownerDisabledAt'
> {
  return {
    ownerId: row.owner_id,
    ownerLogin: row.owner_login,
    ownerName: row.owner_name,
    ownerStatus: row.owner_status,
    ownerRoles: parseStringArray(row.owner_roles),
    ownerRights: parseStringArray(row.owner_rights),
    ownerDisabledAt: row.owner_disabled_at,
  };
}

/** allowed_cidrs: a JSON array, or null for "from anywhere". */
export function parseCidrs(text: string | null): string[] | null {
  return text === null ? null : parseStringArray(text);
}

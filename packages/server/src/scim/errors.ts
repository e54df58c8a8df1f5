import { SCIM_SCHEMAS, type ScimErrorType } from '@patina/contract';

/**
 * A SCIM error (RFC 7644 §3.12): its HTTP status, the `scimType` where the RFC defines one, and a
 * detail for people. The SCIM routes answer it as `{ schemas: [Error], status, scimType, detail }`.
 */
export class ScimError extends Error {
  override readonly name = 'ScimError';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimErrorType,
  ) {
    super(detail);
  }
}

export interface ScimErrorBody {
  schemas: [typeof SCIM_SCHEMAS.error];
  status: string;
  scimType?: ScimErrorType;
  detail: string;
}

export function scimErrorBody(status: number, detail: string, scimType?: ScimErrorType) {
  const body: ScimErrorBody = { schemas: [SCIM_SCHEMAS.error], status: String(status), detail };
  if (scimType !== undefined) body.scimType = scimType;
  return body;
}

export const invalidValue = (detail: string) => new ScimError(400, detail, 'invalidValue');
export const invalidSyntax = (detail: string) => new ScimError(400, detail, 'invalidSyntax');
export const invalidFilter = (detail: string) => new ScimError(400, detail, 'invalidFilter');
export const uniqueness = (detail: string) => new ScimError(409, detail, 'uniqueness');
/** 404; the id is echoed only when it has an id's shape (never a pasted secret). */
export const notFound = (type: 'User' | 'Group', id: string) =>
  new ScimError(404, /^[0-9a-f]{32}$/.test(id) ? `${type} '${id}' not found` : `${type} not found`);

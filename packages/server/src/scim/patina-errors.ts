import { PatinaError } from '../core/errors.js';
import { isUniqueViolation } from '../storage/dialect.js';
import { ScimError } from './errors.js';

/**
 * A domain error of Patina's services as a SCIM error: a conflict is `uniqueness` (409), a bad
 * value `invalidValue` (400), a refusal keeps its status. Anything else is rethrown as it is.
 */
export function toScimError(error: unknown): unknown {
  if (error instanceof ScimError) return error;
  if (isUniqueViolation(error)) {
    return new ScimError(409, 'The userName or externalId is already taken', 'uniqueness');
  }
  if (!(error instanceof PatinaError)) return error;
  switch (error.code) {
    case 'STATE_CONFLICT':
    case 'REFERENCE_CONFLICT':
      return new ScimError(409, error.message, 'uniqueness');
    case 'ILLEGAL_VALUE':
    case 'REQUIRED_MISSING':
    case 'LIMIT_VIOLATION':
    case 'BAD_REQUEST':
      return new ScimError(400, error.message, 'invalidValue');
    case 'NOT_FOUND':
      return new ScimError(404, error.message);
    case 'FORBIDDEN':
      return new ScimError(403, error.message);
    default:
      return error;
  }
}

import { freeTextMessage, freeTextProblem, keptText, type FreeTextProblem } from '@patina/contract';
import { illegalValue, type PatinaError } from './errors.js';

/**
 * Free text as Patina keeps it: checked against the one free-text rule of `@patina/contract`
 * (no control or invisible characters, no lone surrogate, no Patina secret), trimmed and in
 * Unicode NFC.
 * The schema keyword does the same for every request body (http/validation.ts); services call
 * this for what no schema types, such as the `value` of a JSON Patch operation.
 */
export function cleanText(field: string, raw: string): string {
  const problem = freeTextProblem(raw);
  if (problem) throw freeTextError(field, problem);
  return keptText(raw);
}

/** The 400 of a refused free-text field: names the field, never echoes the value. */
export function freeTextError(field: string, problem: FreeTextProblem): PatinaError {
  return illegalValue(field, freeTextMessage(field, problem));
}

import { conflict, type PatinaError } from '../core/errors.js';
import { isUniqueViolation } from '../storage/dialect.js';

/** An owner's live PATs have distinct names (the (owner, name) unique index). */
export function nameConflict(name: string): PatinaError {
  return conflict('name', `The owner already has a personal access token named '${name}'`);
}

/**
 * Runs a write that may hit the (owner, name) unique index, and reports that as a conflict: the
 * index catches the race a check before the write cannot.
 */
export async function writeNamed<T>(name: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw nameConflict(name);
    throw error;
  }
}

/** The shape of every id Patina makes (identities, PATs, jtis, tracking ids): 32 lower-case hex. */
export const ID_PATTERN = /^[0-9a-f]{32}$/;

/** True for a string with an id's shape; anything else may be a pasted secret and is not echoed. */
export function isIdShaped(value: string): boolean {
  return ID_PATTERN.test(value);
}

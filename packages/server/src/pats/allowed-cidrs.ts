import { CidrSet, parseCidr, problemText } from '../core/cidr.js';
import { illegalValue } from '../core/errors.js';

/**
 * A PAT's `allowedCidrs` on create and on patch: each entry an IPv4 or IPv6 CIDR, or a bare
 * address (one host), stored in canonical form and de-duplicated; null for "from anywhere". An
 * entry with bits set after its prefix (`10.1.2.3/8`) is refused rather than guessed at.
 */
export function checkAllowedCidrs(raw: readonly string[] | null | undefined): string[] | null {
  if (raw === undefined || raw === null) return null;
  if (raw.length === 0) {
    throw illegalValue(
      'allowedCidrs',
      "'allowedCidrs' must name at least one CIDR, or be null for use from anywhere",
    );
  }
  const canonical = raw.map((text, index) => {
    const parsed = parseCidr(text.trim());
    if (!parsed.ok) {
      throw illegalValue(
        `allowedCidrs[${index}]`,
        `'allowedCidrs[${index}]' ${problemText(parsed)}`,
      );
    }
    return parsed.range.text;
  });
  return [...new Set(canonical)];
}

const cache = new Map<string, CidrSet>();
const CACHE_SIZE = 1000;

/**
 * Whether `ip` (the client address, trustProxy applied) is inside `cidrs` (canonical, as
 * stored or as a token carries them); null means anywhere. The parsed sets are kept, as the
 * same few lists are checked on every request.
 */
export function isAllowedFrom(cidrs: readonly string[] | null | undefined, ip: string): boolean {
  if (cidrs === null || cidrs === undefined) return true;
  const key = cidrs.join(',');
  let set = cache.get(key);
  if (!set) {
    // Stored and minted lists are canonical; an entry that is not (a forged token) matches nothing.
    set = new CidrSet(
      cidrs.flatMap((text) => {
        const parsed = parseCidr(text);
        return parsed.ok ? [parsed.range] : [];
      }),
    );
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, set);
  }
  return set.contains(ip);
}

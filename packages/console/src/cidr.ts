/**
 * The console's check of an `allowedCidrs` entry, as the server's (core/cidr.ts) makes it: an
 * IPv4 or IPv6 CIDR, or a bare address for one host; bits set after the prefix are refused rather
 * than guessed at. The server checks again; this only says early which entry is wrong.
 */
export function cidrProblem(text: string): string | null {
  const [address = '', prefix, ...rest] = text.split('/');
  if (rest.length > 0) return 'has more than one “/”';
  const bits = address.includes(':') ? ipv6Bits(address) : ipv4Bits(address);
  if (bits === null) return 'is not an IPv4 or IPv6 address';
  if (prefix === undefined) return null;
  const length = bits.length;
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > length) {
    return `has a prefix length outside 0–${length}`;
  }
  if (bits.slice(Number(prefix)).includes('1')) {
    return `has bits set after its /${prefix} prefix`;
  }
  return null;
}

/** The entries of a list typed one a line or separated by commas, trimmed, blanks dropped. */
export function cidrEntries(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The first wrong entry of a list, said with the entry named; null when all are good. */
export function cidrListProblem(entries: readonly string[]): string | null {
  for (const entry of entries) {
    const problem = cidrProblem(entry);
    if (problem) return `“${entry}” ${problem}.`;
  }
  return null;
}

function ipv4Bits(text: string): string | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let bits = '';
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    bits += Number(part).toString(2).padStart(8, '0');
  }
  return bits;
}

function ipv6Bits(text: string): string | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (half: string): string[] | null => {
    if (half === '') return [];
    const out: string[] = [];
    const parts = half.split(':');
    for (const [i, part] of parts.entries()) {
      if (i === parts.length - 1 && part.includes('.')) {
        const v4 = ipv4Bits(part);
        if (v4 === null) return null;
        out.push(v4.slice(0, 16), v4.slice(16));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) {
        out.push(parseInt(part, 16).toString(2).padStart(16, '0'));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [...head, ...Array<string>(missing).fill('0'.repeat(16)), ...tail].join('');
}

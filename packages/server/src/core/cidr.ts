import ipaddr from 'ipaddr.js';

/**
 * IPv4 and IPv6 CIDR ranges (RFC 4632, RFC 4291 §2.3): parsing what people write, in one strict
 * form, and matching client addresses against lists of them. Used for a PAT's allowedCidrs and
 * for the trusted proxies of `trustProxy`; the parsing and matching are ipaddr.js's.
 */
export interface CidrRange {
  /** The canonical text: `203.0.113.0/24`, `2001:db8::/32`; a bare address becomes /32 or /128. */
  readonly text: string;
  readonly address: ipaddr.IPv4 | ipaddr.IPv6;
  readonly prefix: number;
}

export type CidrParse =
  | { ok: true; range: CidrRange }
  | { ok: false; reason: 'syntax' }
  /** Bits set after the prefix (`10.1.2.3/8`): ambiguous, so refused; `network` is what it means. */
  | { ok: false; reason: 'host-bits'; network: string };

/**
 * Parses `address` or `address/prefix`. IPv4 must be four decimal parts (ipaddr.js alone would
 * take `127.1` or hex), IPv6 any RFC 4291 text form without a zone; host bits must be zero. An
 * IPv4-mapped IPv6 range of /96 or longer is read as the IPv4 range it maps.
 */
export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1);
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  if (ipaddr.IPv4.isValidFourPartDecimal(addressText)) {
    address = ipaddr.IPv4.parse(addressText);
  } else if (!addressText.includes('%') && ipaddr.IPv6.isValid(addressText)) {
    address = ipaddr.IPv6.parse(addressText);
  } else {
    return { ok: false, reason: 'syntax' };
  }
  const bits = address.kind() === 'ipv4' ? 32 : 128;
  if (prefixText !== undefined && !/^(0|[1-9]\d{0,2})$/.test(prefixText)) {
    return { ok: false, reason: 'syntax' };
  }
  let prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return { ok: false, reason: 'syntax' };
  // `::ffff:10.0.0.0/104` is 10.0.0.0/8 written as IPv4-mapped IPv6 (RFC 4291 §2.5.5.2). Client
  // addresses in that form are read as IPv4, so the range is too; kept as IPv6 it matched nothing.
  if (address.kind() === 'ipv6' && prefix >= 96) {
    const ipv6 = address as ipaddr.IPv6;
    if (ipv6.isIPv4MappedAddress()) {
      address = ipv6.toIPv4Address();
      prefix -= 96;
    }
  }
  const network = networkOf(address, prefix);
  if (format(network) !== format(address)) {
    return { ok: false, reason: 'host-bits', network: `${format(network)}/${prefix}` };
  }
  return { ok: true, range: { text: `${format(address)}/${prefix}`, address, prefix } };
}

/**
 * A client address as a peer or a header gives it, IPv4-mapped IPv6 read as IPv4; or undefined.
 * IPv4 is read as inet_aton reads it, as the SSRF guard does: `127.2`, `0x7f.0.0.2` and
 * `0177.0.0.1` are the addresses they reach, not other addresses (canonicalAddress).
 */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!ipaddr.isValid(text)) return undefined;
  return ipaddr.process(text);
}

/**
 * The one text of a client address, as Patina stores it (audit `sourceIp`, `lastUsedFrom`) and
 * keys it: IPv4 in dotted decimal, IPv4-mapped IPv6 as its IPv4, IPv6 in RFC 5952 form without a
 * zone; undefined when `text` is not an address. So `0x7f.0.0.2`, `127.2` and `::ffff:127.0.0.2`
 * in X-Forwarded-For are all stored, matched and counted as `127.0.0.2`.
 */
export function canonicalAddress(text: string): string | undefined {
  return remembered(canonicalMemo, text, canonicalOf);
}

function canonicalOf(text: string): string | undefined {
  const parsed = parseAddress(text);
  // Through the bytes, which drops an IPv6 zone (`%eth0`): free text, and no part of the address.
  return parsed && format(ipaddr.fromByteArray(parsed.toByteArray()));
}

/**
 * The answers for the address texts seen lately. A token request asks for its client's address
 * and key several times (the rate limit's bucket, the failure throttle, the audit context), and
 * each answer was a parse by ipaddr.js: 11 to 13 µs of S1's request (docs/benchmarks.md, "The
 * single-worker hot path"). Bounded: at MEMO_MAX entries the map starts over, so a flood of new
 * addresses costs what it cost before, never memory.
 */
export const MEMO_MAX = 1024;
const canonicalMemo = new Map<string, string | undefined>();
const keyMemo = new Map<string, string>();

function remembered<T>(memo: Map<string, T>, text: string, make: (text: string) => T): T {
  if (memo.has(text)) return memo.get(text) as T;
  const value = make(text);
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(text, value);
  return value;
}

/** How many answers are remembered (tests: the memo stays bounded). */
export function rememberedAddresses(): number {
  return canonicalMemo.size + keyMemo.size;
}

/** The prefix an IPv6 client is counted by: one subscriber is usually given a whole /64. */
const IPV6_KEY_PREFIX = 64;

/**
 * The key every per-address limit counts a client under (the OAuth lockout, the rate limits, the
 * leak endpoint's limit, the connection cap, console sign-ins): an IPv4 address itself (/32), an
 * IPv6 address's /64 (`2001:db8:1:2::/64`), since a single host is commonly handed a /64 (RFC
 * 6177) and could otherwise count as 2^64 clients. IPv4-mapped IPv6 is keyed as the IPv4; what is
 * not an address is keyed as `unknown`, one key for all of it.
 */
export function addressKey(address: string | null | undefined): string {
  return address ? remembered(keyMemo, address, keyOf) : 'unknown';
}

function keyOf(address: string): string {
  const parsed = parseAddress(address);
  if (!parsed) return 'unknown';
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${format(networkOf(parsed, IPV6_KEY_PREFIX))}/${IPV6_KEY_PREFIX}`;
}

/** A fixed list of ranges to test addresses against. */
export class CidrSet {
  constructor(readonly ranges: readonly CidrRange[]) {}

  /** Parses every entry; throws naming the first one that is not a CIDR. */
  static parse(texts: readonly string[], describe: (index: number) => string): CidrSet {
    return new CidrSet(
      texts.map((text, index) => {
        const parsed = parseCidr(text);
        if (!parsed.ok) throw new Error(`${describe(index)} ${problemText(parsed)}`);
        return parsed.range;
      }),
    );
  }

  /** Whether `address` (text, as a socket or X-Forwarded-For gives it) is in any range. */
  contains(address: string): boolean {
    const parsed = parseAddress(address);
    if (!parsed) return false;
    return this.ranges.some(
      (range) =>
        range.address.kind() === parsed.kind() && parsed.match(range.address, range.prefix),
    );
  }
}

/** What is wrong with an entry that did not parse, for messages: "is not …". */
export function problemText(parsed: Extract<CidrParse, { ok: false }>): string {
  return parsed.reason === 'syntax'
    ? 'is not an IPv4 or IPv6 address or CIDR, e.g. 203.0.113.0/24 or 2001:db8::/32'
    : `has bits set after the prefix; the network is ${parsed.network}`;
}

function networkOf(address: ipaddr.IPv4 | ipaddr.IPv6, prefix: number): ipaddr.IPv4 | ipaddr.IPv6 {
  const bytes = address.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return ipaddr.fromByteArray(bytes);
}

function format(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  return address.kind() === 'ipv4'
    ? address.toString()
    : (address as ipaddr.IPv6).toRFC5952String();
}

import { addressKey } from '../core/cidr.js';
import { keyPart } from '../storage/redis.js';
import type { LockoutStore } from './lockout.js';

/** Where a failed exchange came from: the client id it claimed and the address it came from. */
export interface FailureSource {
  clientId: string;
  /** The client's address (after trustProxy); null when unknown. */
  sourceIp: string | null;
}

/**
 * Throttling of failed exchanges at the token, introspection and revocation endpoints
 * (docs/decisions.md, "Throttling failed exchanges"). Client ids are not secret (every access
 * token carries one), so a lock per client id would let anyone lock an owner out; a secret of
 * 300 bits cannot be guessed, so a lock protects little. Failures are counted instead
 * - per client id and source address: one client retrying a wrong secret, and
 * - per source address: one address trying many client ids,
 * where an address is counted by its key (addressKey: an IPv6 client by its /64),
 * and while either is throttled a failure is answered 429 and not audited one by one. A correct
 * secret is never refused for them: the throttle is asked only once a request has failed.
 */
export class FailureThrottle {
  constructor(
    private readonly stores: {
      /** Keyed by client id and address. */
      byClient: LockoutStore;
      /** Keyed by address. */
      byAddress: LockoutStore;
    },
  ) {}

  /** Seconds until failures from this source stop being throttled, or 0. */
  async retryAfterSeconds(source: FailureSource): Promise<number> {
    const [byClient, byAddress] = await Promise.all([
      this.stores.byClient.retryAfterSeconds(clientKey(source)),
      this.stores.byAddress.retryAfterSeconds(addressKey(source.sourceIp)),
    ]);
    return Math.max(byClient, byAddress);
  }

  /** Records a failure; answers how many of its keys (client id, address) it locked: 0 to 2. */
  async recordFailure(source: FailureSource): Promise<number> {
    const byClient = await this.stores.byClient.recordFailure(clientKey(source));
    const byAddress = await this.stores.byAddress.recordFailure(addressKey(source.sourceIp));
    return Number(byClient) + Number(byAddress);
  }

  /** A success clears its client's count from that address; the address's count stays. */
  async recordSuccess(source: FailureSource): Promise<void> {
    await this.stores.byClient.recordSuccess(clientKey(source));
  }
}

/**
 * The key of a client id from an address: the client id as a key name may hold it (hashed unless
 * id-shaped: it may be a pasted secret), then the address.
 */
export function clientKey(source: FailureSource): string {
  return `${keyPart(source.clientId)}:${addressKey(source.sourceIp)}`;
}

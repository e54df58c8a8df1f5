import { isTrustPolicyId } from '@patina/contract';
import type { ChangeFeed } from '../storage/change-feed.js';
import type { TrustPolicyRecord } from '../storage/trust-policies-repository.js';

const MAX_ISSUERS = 1000;

/**
 * The enabled trust policies of each issuer, kept in this process for the exchange: every change
 * to any policy (on this node at once, on others through the change feed) drops them all, and
 * nothing is kept while the feed is disconnected, as the liveness cache does. A read that started
 * before a change does not store what it read.
 */
export class TrustPolicyCache {
  readonly #byIssuer = new Map<string, TrustPolicyRecord[]>();
  #generation = 0;
  readonly #unsubscribe: () => void;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly load: (issuer: string) => Promise<TrustPolicyRecord[]>,
  ) {
    this.#unsubscribe = feed.subscribe((event) => {
      if (event.kind === 'reset' || (event.kind === 'pat' && isTrustPolicyId(event.id))) {
        this.#generation += 1;
        this.#byIssuer.clear();
      }
    });
  }

  async enabledForIssuer(issuer: string): Promise<TrustPolicyRecord[]> {
    if (this.feed.connected) {
      const cached = this.#byIssuer.get(issuer);
      if (cached) return cached;
    }
    const generation = this.#generation;
    const policies = await this.load(issuer);
    if (this.feed.connected && generation === this.#generation) {
      // Unknown issuers are remembered too (as no policies), within a bound.
      if (this.#byIssuer.size >= MAX_ISSUERS) this.#byIssuer.clear();
      this.#byIssuer.set(issuer, policies);
    }
    return policies;
  }

  close(): void {
    this.#unsubscribe();
    this.#byIssuer.clear();
  }
}

import { SSF_EVENTS } from '@patina/contract';

/**
 * What the stream has said, reduced to what verification needs: for each PAT and identity, the
 * moment before which its tokens are dead. Held in memory: a restart opens a new stream.
 */
export class Revocations {
  /** PAT id → seconds: a token of this PAT issued at or before it is refused. */
  readonly #pats = new Map<string, number>();
  /** Identity id → seconds: a token of this identity issued at or before it is refused. */
  readonly #identities = new Map<string, number>();

  /** Applies one SET's claims (already verified). */
  apply(claims: { sub_id?: unknown; events?: unknown; iat?: number }): void {
    const subject = claims.sub_id as { format?: string; id?: string; sub?: string } | undefined;
    const events = (claims.events ?? {}) as Record<string, Record<string, unknown>>;
    for (const [type, event] of Object.entries(events)) {
      const at = typeof event.event_timestamp === 'number' ? event.event_timestamp : claims.iat;
      if (at === undefined) continue;
      if (type === SSF_EVENTS.credentialChange && subject?.format === 'opaque' && subject.id) {
        const change = event.change_type;
        if (change === 'revoke' || change === 'delete') {
          this.#later(this.#pats, subject.id, at);
        } else if (change === 'update') {
          // A rotation or new scopes: tokens issued before the change carry what no longer
          // holds. iat is in whole seconds; a token of the same second may be the new one, so
          // only tokens of earlier seconds are refused.
          this.#later(this.#pats, subject.id, Math.floor(at) - 1);
        }
      } else if (
        type === SSF_EVENTS.sessionRevoked &&
        subject?.format === 'iss_sub' &&
        subject.sub
      ) {
        this.#later(this.#identities, subject.sub, at);
      }
    }
  }

  /** Why a token is refused, or undefined when nothing the stream said touches it. */
  refusal(claims: { client_id?: unknown; sub?: unknown; iat?: unknown }): string | undefined {
    const iat = typeof claims.iat === 'number' ? claims.iat : 0;
    const pat = typeof claims.client_id === 'string' ? this.#pats.get(claims.client_id) : undefined;
    if (pat !== undefined && iat <= pat) {
      return 'The personal access token of this token was revoked, deleted or changed after it was issued';
    }
    const owner = typeof claims.sub === 'string' ? this.#identities.get(claims.sub) : undefined;
    if (owner !== undefined && iat <= owner) {
      return 'The owner of this token was disabled after it was issued';
    }
    return undefined;
  }

  #later(map: Map<string, number>, key: string, at: number): void {
    map.set(key, Math.max(map.get(key) ?? -Infinity, at));
  }
}

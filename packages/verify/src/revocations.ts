import { SSF_EVENTS, type CredentialChangeEvent } from '@patina/contract';

/**
 * What the stream has said, reduced to what verification needs: for each PAT and identity, the
 * moment before which its tokens are dead. Held in memory: a restart opens a new stream.
 */
export class Revocations {
  /** PAT id → seconds: a token of this PAT issued at or before it is refused. */
  readonly #pats = new Map<string, number>();
  /** Identity id → seconds: a token of this identity issued at or before it is refused. */
  readonly #identities = new Map<string, number>();
  /**
   * PAT id → its latest rotation whose old secret is still in its grace window: from `fromMs` on,
   * a token of this PAT issued at or before `before` (seconds) is refused.
   */
  readonly #rotations = new Map<string, { at: number; before: number; fromMs: number }>();

  /** Applies one SET's claims (already verified), heard at `nowMs`. */
  apply(
    claims: { sub_id?: unknown; events?: unknown; iat?: number },
    nowMs: number = Date.now(),
  ): void {
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
          const graceEnd = (event as Partial<CredentialChangeEvent>).previous_secret_valid_until;
          this.#updated(subject.id, at, typeof graceEnd === 'number' ? graceEnd * 1000 : 0, nowMs);
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

  /** Why a token is refused at `nowMs`, or undefined when nothing the stream said touches it. */
  refusal(
    claims: { client_id?: unknown; sub?: unknown; iat?: unknown; auth_time?: unknown },
    nowMs: number = Date.now(),
  ): string | undefined {
    // A delegated token is judged by when the credential at the root of its chain was presented.
    const iat =
      typeof claims.auth_time === 'number'
        ? claims.auth_time
        : typeof claims.iat === 'number'
          ? claims.iat
          : 0;
    const patId = typeof claims.client_id === 'string' ? claims.client_id : undefined;
    const pat = patId === undefined ? undefined : this.#pats.get(patId);
    const rotation = patId === undefined ? undefined : this.#rotations.get(patId);
    const rotated =
      rotation !== undefined && nowMs >= rotation.fromMs ? rotation.before : undefined;
    if ((pat !== undefined && iat <= pat) || (rotated !== undefined && iat <= rotated)) {
      return 'The personal access token or trust policy of this token was revoked, deleted or changed after it was issued';
    }
    const owner = typeof claims.sub === 'string' ? this.#identities.get(claims.sub) : undefined;
    if (owner !== undefined && iat <= owner) {
      return 'The owner of this token was disabled after it was issued';
    }
    return undefined;
  }

  /**
   * A change of the PAT (`update`) at `at` seconds, ending tokens of earlier seconds from
   * `fromMs` on: at once for new scopes and a rotation without grace, at the end of the old
   * secret's grace for a rotation with one, as Patina's own API decides (docs/rules.md,
   * "Access tokens"). Rotating again ends the earlier grace at once (Patina then refuses the
   * earlier secret), so of two rotations in their grace the older one applies now.
   */
  #updated(patId: string, at: number, fromMs: number, nowMs: number): void {
    let rotation = { at, before: Math.floor(at) - 1, fromMs };
    const pending = this.#rotations.get(patId);
    if (pending !== undefined) {
      const [older, newer] = pending.at <= at ? [pending, rotation] : [rotation, pending];
      this.#later(this.#pats, patId, older.before);
      rotation = newer;
    }
    if (rotation.fromMs <= nowMs) {
      this.#later(this.#pats, patId, rotation.before);
      this.#rotations.delete(patId);
    } else {
      this.#rotations.set(patId, rotation);
    }
  }

  #later(map: Map<string, number>, key: string, at: number): void {
    map.set(key, Math.max(map.get(key) ?? -Infinity, at));
  }
}

import { SET_TYP, type SecurityEventClaims, type SubjectIdentifier } from '@patina/contract';
import type { Clock } from '../core/clock.js';
import { signJwt } from '../tokens/jws.js';
import type { SigningKeys } from '../tokens/signing-keys.js';
import { randomHexId } from '../core/ids.js';

/**
 * Signs Security Event Tokens (RFC 8417) with the transmitter's own keys. One event per SET and
 * the subject in `sub_id`, with no `sub` and no `exp` (SSF 1.0 §4.1; RFC 8417 §2.2 says a SET is
 * not a token of access, so it does not expire); `typ` secevent+jwt (RFC 8417 §2.3), so a SET
 * can never be mistaken for an access token, whose typ is at+jwt.
 */
export class SetSigner {
  constructor(private readonly deps: { keys: SigningKeys; clock: Clock; issuer: string }) {}

  sign(input: {
    audience: string;
    /** The audit event's id: the same for every SET told of one change (RFC 8417 §2.2 `txn`). */
    txn: string;
    subject: SubjectIdentifier;
    type: string;
    payload: Record<string, unknown>;
  }): { jti: string; jwt: string } {
    const key = this.deps.keys.current();
    const jti = randomHexId();
    const claims: SecurityEventClaims = {
      iss: this.deps.issuer,
      aud: input.audience,
      iat: Math.floor(this.deps.clock.now().getTime() / 1000),
      jti,
      txn: input.txn,
      sub_id: input.subject,
      events: { [input.type]: input.payload },
    };
    return {
      jti,
      jwt: signJwt({ alg: key.alg, kid: key.kid, typ: SET_TYP }, claims, key.privateKey),
    };
  }
}

import { SSF_EVENTS } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { Revocations } from '../src/revocations.js';

const PAT = 'fd2a4ba58a97ef7a61235bfdcb87bd03';
const OWNER = '1298ff45ba0222d74301fa754cc7b12c';
const AT = 1_768_471_200.5;

function credentialChange(change: string) {
  return {
    sub_id: { format: 'opaque', id: PAT },
    events: { [SSF_EVENTS.credentialChange]: { change_type: change, event_timestamp: AT } },
  };
}

const token = (iat: number) => ({ client_id: PAT, sub: OWNER, iat });
const REVOKED_PAT =
  'The personal access token or trust policy of this token was revoked, deleted or changed after it was issued';

describe('Revocations: what the stream said, applied to tokens', () => {
  it('refuses tokens issued at or before a PAT was deleted or revoked, not later ones', () => {
    for (const change of ['delete', 'revoke']) {
      const r = new Revocations();
      r.apply(credentialChange(change));
      expect(r.refusal(token(Math.floor(AT)))).toBe(REVOKED_PAT);
      expect(r.refusal(token(Math.floor(AT) - 60))).toBe(REVOKED_PAT);
      expect(r.refusal(token(Math.floor(AT) + 1))).toBeUndefined();
    }
  });

  it('refuses tokens of earlier seconds after a rotation or new scopes, not of the same second', () => {
    const r = new Revocations();
    r.apply(credentialChange('update'));
    expect(r.refusal(token(Math.floor(AT) - 1))).toBe(REVOKED_PAT);
    expect(r.refusal(token(Math.floor(AT)))).toBeUndefined();
  });

  describe('a rotation whose old secret has a grace window', () => {
    const GRACE_END = AT + 600;
    const GRACE_END_MS = GRACE_END * 1000;
    const rotation = (at: number, graceEnd: number) => ({
      sub_id: { format: 'opaque', id: PAT },
      events: {
        [SSF_EVENTS.credentialChange]: {
          change_type: 'update',
          event_timestamp: at,
          previous_secret_valid_until: graceEnd,
        },
      },
    });

    it('keeps tokens of earlier seconds until the grace ends, then refuses them', () => {
      const r = new Revocations();
      r.apply(rotation(AT, GRACE_END), AT * 1000);
      const before = token(Math.floor(AT) - 1);
      expect(r.refusal(before, AT * 1000)).toBeUndefined();
      expect(r.refusal(before, GRACE_END_MS - 1)).toBeUndefined();
      expect(r.refusal(before, GRACE_END_MS)).toBe(REVOKED_PAT);
      expect(r.refusal(token(Math.floor(AT) - 3600), GRACE_END_MS + 60_000)).toBe(REVOKED_PAT);
      // The rotation's own second may be the new secret's: never refused by it.
      expect(r.refusal(token(Math.floor(AT)), GRACE_END_MS + 60_000)).toBeUndefined();
    });

    it('refuses at once when the grace is already over as the SET is heard', () => {
      const r = new Revocations();
      r.apply(rotation(AT, GRACE_END), GRACE_END_MS);
      expect(r.refusal(token(Math.floor(AT) - 1), GRACE_END_MS)).toBe(REVOKED_PAT);
    });

    it('still refuses at once on a delete, new scopes or another rotation', () => {
      for (const [change, grace] of [
        ['delete', undefined],
        ['update', undefined],
        ['update', AT + 1],
      ] as const) {
        const r = new Revocations();
        r.apply(rotation(AT, GRACE_END), AT * 1000);
        r.apply(
          {
            sub_id: { format: 'opaque', id: PAT },
            events: {
              [SSF_EVENTS.credentialChange]: {
                change_type: change,
                event_timestamp: AT + 1,
                ...(grace !== undefined && { previous_secret_valid_until: grace }),
              },
            },
          },
          (AT + 1) * 1000,
        );
        expect(r.refusal(token(Math.floor(AT) - 1), (AT + 1) * 1000)).toBe(REVOKED_PAT);
      }
    });

    it('ends the earlier grace at once when rotated again, in whatever order the SETs come', () => {
      const second = AT + 60;
      const secondGraceEnd = second + 600;
      for (const order of [
        [rotation(AT, GRACE_END), rotation(second, secondGraceEnd)],
        [rotation(second, secondGraceEnd), rotation(AT, GRACE_END)],
      ]) {
        const r = new Revocations();
        for (const set of order) r.apply(set, second * 1000);
        // Issued before the first rotation: its secret was refused at the second one.
        expect(r.refusal(token(Math.floor(AT) - 1), second * 1000)).toBe(REVOKED_PAT);
        // Issued between them: the second rotation's old secret, in its grace until its end.
        const between = token(Math.floor(second) - 1);
        expect(r.refusal(between, secondGraceEnd * 1000 - 1)).toBeUndefined();
        expect(r.refusal(between, secondGraceEnd * 1000)).toBe(REVOKED_PAT);
      }
    });
  });

  it('ignores a created PAT and events about other subjects', () => {
    const r = new Revocations();
    r.apply(credentialChange('create'));
    r.apply({
      sub_id: { format: 'opaque', id: 'another' },
      events: { [SSF_EVENTS.credentialChange]: { change_type: 'delete', event_timestamp: AT } },
    });
    expect(r.refusal(token(Math.floor(AT) - 60))).toBeUndefined();
  });

  it('refuses every token of a disabled owner issued at or before the event', () => {
    const r = new Revocations();
    r.apply({
      sub_id: { format: 'iss_sub', iss: 'https://patina.example.com', sub: OWNER },
      events: { [SSF_EVENTS.sessionRevoked]: { event_timestamp: AT } },
    });
    expect(r.refusal(token(Math.floor(AT)))).toBe(
      'The owner of this token was disabled after it was issued',
    );
    expect(r.refusal({ ...token(Math.floor(AT) - 1), client_id: 'other-pat' })).toBe(
      'The owner of this token was disabled after it was issued',
    );
    expect(r.refusal(token(Math.floor(AT) + 1))).toBeUndefined();
  });

  it('keeps the latest moment when events arrive out of order', () => {
    const r = new Revocations();
    r.apply(credentialChange('delete'));
    r.apply({
      sub_id: { format: 'opaque', id: PAT },
      events: {
        [SSF_EVENTS.credentialChange]: { change_type: 'revoke', event_timestamp: AT - 100 },
      },
    });
    expect(r.refusal(token(Math.floor(AT)))).toBe(REVOKED_PAT);
  });
});

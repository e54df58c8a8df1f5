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
  'The personal access token of this token was revoked, deleted or changed after it was issued';

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

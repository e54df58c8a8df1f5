import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { RightsModel } from '../identities/rights.js';
import { patRefusal, retiredByRotation, type PatCredentialRecord } from '../pats/model.js';
import type {
  ConsoleSessionEnd,
  ConsoleSessionRecord,
  ConsoleSignInMethod,
} from '../storage/console-sessions-repository.js';
import type { Storage } from '../storage/repositories.js';
import type { AccessTokens } from '../tokens/access-tokens.js';
import type { SealedBox } from '../core/sealed-box.js';
import { randomHexId, randomText } from '../core/ids.js';
import { DAY_MS } from '../core/time.js';

export interface ConsoleSessionSettings {
  idleTimeoutMinutes: number;
  absoluteLifetimeHours: number;
}

/** Why there is no session to go on with. */
export type SessionRefusal = 'NOT_SIGNED_IN' | 'EXPIRED' | 'IDLE' | 'SIGNED_OUT' | 'DISABLED';

export type Resolved =
  | { session: ConsoleSessionRecord; refusal?: undefined }
  | { session?: undefined; refusal: SessionRefusal };

export interface StartSession {
  identityId: string;
  method: ConsoleSignInMethod;
  /** PAT sign-in: the PAT exchanged and the access token the exchange gave. */
  pat?: { id: string; accessToken: string; expiresAtMs: number } | undefined;
  sourceIp: string | null;
  userAgent: string | null;
}

const SESSION_ID = /^cs_[0-9a-f]{32}$/;
/** An SSO session's access tokens: short, minted by this node as its proxy needs them. */
export const SSO_TOKEN_VALIDITY_SECONDS = 300;
/** A token with less left than this is not handed to the API; a fresh one is minted. */
const TOKEN_MARGIN_MS = 30_000;
/** Sessions that ended more than this long ago are deleted when a new one starts. */
const KEEP_ENDED_MS = DAY_MS;
const SEALED_TOKEN = 'console-session-access-token';

/** A session id is `cs_` and 32 hex characters; a PAT id is 32 hex characters alone. */
export function isSessionId(id: string): boolean {
  return SESSION_ID.test(id);
}

/** The cookie's value is a bearer credential: only its digest is stored. */
export function digestOf(cookie: string): string {
  return createHash('sha256').update(cookie).digest('hex');
}

/**
 * Web console sessions, kept in the database so that every node sees a sign-out, an idle
 * timeout or a disabled identity. Each session carries the access token the console calls the
 * API with, server-side: a PAT sign-in keeps the token its exchange gave (sealed), an SSO
 * sign-in gets short tokens minted for the session, whose id is their client_id.
 */
export class ConsoleSessions {
  readonly #minted = new Map<string, { token: string; expiresAtMs: number }>();

  constructor(
    private readonly deps: {
      storage: Storage;
      clock: Clock;
      sealer: SealedBox;
      accessTokens: AccessTokens;
      rights: RightsModel;
      settings: ConsoleSessionSettings;
    },
  ) {}

  get idleTimeoutMs(): number {
    return this.deps.settings.idleTimeoutMinutes * 60_000;
  }

  /** A new session; returns the cookie value, which is shown to no one but the browser. */
  async start(input: StartSession): Promise<{ cookie: string; session: ConsoleSessionRecord }> {
    const { storage, clock, sealer, settings } = this.deps;
    const nowMs = clock.now().getTime();
    const cookie = randomText(32, 'base64url');
    const id = `cs_${randomHexId()}`;
    const lifetimeEndMs = nowMs + settings.absoluteLifetimeHours * 3_600_000;
    const expiresAtMs = input.pat ? Math.min(lifetimeEndMs, input.pat.expiresAtMs) : lifetimeEndMs;
    const repo = storage.repos.consoleSessions;
    await repo.prune(new Date(nowMs - KEEP_ENDED_MS).toISOString());
    await repo.insert({
      id,
      tokenDigest: digestOf(cookie),
      csrfToken: randomText(32, 'base64url'),
      identityId: input.identityId,
      method: input.method,
      patId: input.pat?.id ?? null,
      accessTokenSealed: input.pat ? sealer.seal(input.pat.accessToken, SEALED_TOKEN + id) : null,
      created: new Date(nowMs).toISOString(),
      expiresAt: new Date(expiresAtMs).toISOString(),
      sourceIp: input.sourceIp,
      userAgent: input.userAgent,
    });
    const session = await repo.findById(id);
    if (!session) throw new Error('A console session just written cannot be read back');
    return { cookie, session };
  }

  /**
   * The live session a cookie names, noting the activity; or why there is none. A session past
   * its idle timeout, or whose identity is no longer active, is ended here, for every node.
   */
  async resolve(cookie: string | undefined): Promise<Resolved> {
    if (!cookie) return { refusal: 'NOT_SIGNED_IN' };
    const repo = this.deps.storage.repos.consoleSessions;
    const session = await repo.findByDigest(digestOf(cookie));
    if (!session) return { refusal: 'NOT_SIGNED_IN' };
    if (session.revokedAt !== null) return { refusal: 'SIGNED_OUT' };
    const now = this.deps.clock.now();
    const nowIso = now.toISOString();
    if (session.expiresAt <= nowIso) return { refusal: 'EXPIRED' };
    if (now.getTime() - Date.parse(session.lastSeen) >= this.idleTimeoutMs) {
      await this.end(session, 'IDLE');
      return { refusal: 'IDLE' };
    }
    if (session.identity.status !== 'ACTIVE') {
      await this.end(session, 'IDENTITY_DISABLED');
      return { refusal: 'DISABLED' };
    }
    // One write a minute at most (or per tenth of the idle timeout, if that is shorter): the
    // idle timeout is kept to within that, and a busy console does not write on every call.
    const touchEveryMs = Math.min(60_000, this.idleTimeoutMs / 10);
    if (now.getTime() - Date.parse(session.lastSeen) >= touchEveryMs) {
      await repo.touch(session.id, nowIso);
    }
    return { session };
  }

  async end(session: ConsoleSessionRecord, reason: ConsoleSessionEnd): Promise<void> {
    this.#minted.delete(session.id);
    await this.deps.storage.repos.consoleSessions.revoke(
      session.id,
      this.deps.clock.now().toISOString(),
      reason,
    );
  }

  /**
   * What the session may do now, for the console to show what it offers: the identity's rights,
   * narrowed to the PAT's scopes for a PAT sign-in (docs/rules.md, "Granted scopes"); undefined
   * once that PAT can no longer be used, or a rotation retired the secret it signed in with. The
   * API checks every call itself all the same.
   */
  async rightsOf(session: ConsoleSessionRecord): Promise<Set<string> | undefined> {
    const held = this.deps.rights.rightsOf(session.identity);
    if (session.method === 'SSO') return held;
    const pat = session.patId
      ? await this.deps.storage.repos.patCredentials.findCredential(session.patId)
      : undefined;
    const now = this.deps.clock.now().toISOString();
    if (!pat || patRefusal(pat, now) !== null) return undefined;
    // Signed in with a secret a rotation has retired since: the session ends with that secret,
    // as the access token it holds does (the session started when its exchange issued it).
    if (retiredByRotation(pat, Math.floor(Date.parse(session.created) / 1000), now)) {
      return undefined;
    }
    return new Set(this.deps.rights.grantable(pat.scope, held));
  }

  /** The access token this session calls the API with; never leaves the server. */
  async accessToken(session: ConsoleSessionRecord): Promise<string> {
    if (session.method === 'PAT') {
      const token =
        session.accessTokenSealed &&
        this.deps.sealer.tryOpen(session.accessTokenSealed, SEALED_TOKEN + session.id);
      if (!token) throw new Error('A PAT console session without its access token');
      return token;
    }
    const nowMs = this.deps.clock.now().getTime();
    const cached = this.#minted.get(session.id);
    if (cached && cached.expiresAtMs - nowMs > TOKEN_MARGIN_MS) return cached.token;
    const { identity } = session;
    const held = this.deps.rights.rightsOf(identity);
    const { token, claims } = await this.deps.accessTokens.mint({
      identityId: identity.id,
      userName: identity.login,
      authorities: identity.roles,
      patId: session.id,
      scopes: [...held].sort(),
      validitySeconds: SSO_TOKEN_VALIDITY_SECONDS,
    });
    this.#minted.set(session.id, { token, expiresAtMs: claims.exp * 1000 });
    if (this.#minted.size > 10_000) this.#minted.delete(this.#minted.keys().next().value!);
    return token;
  }

  /**
   * What the bearer check needs to accept the tokens of an SSO session: the session, as a
   * credential of its identity, live until it ends. The secret fields are empty: a session is
   * never presented at the token endpoint, which reads PATs only.
   */
  async findCredential(id: string): Promise<PatCredentialRecord | undefined> {
    if (!isSessionId(id)) return undefined;
    const session = await this.deps.storage.repos.consoleSessions.findById(id);
    if (!session || session.method !== 'SSO') return undefined;
    const { identity } = session;
    return {
      id: session.id,
      ownerId: identity.id,
      ownerLogin: identity.login,
      ownerName: identity.name,
      ownerStatus: identity.status,
      ownerRoles: identity.roles,
      ownerRights: identity.rights,
      name: 'web console session',
      scope: [...this.deps.rights.rightsOf(identity)].sort(),
      secretDigest: '',
      digestVersion: 0,
      previousSecret: null,
      rotatedAt: null,
      tokensNotBefore: null,
      allowedCidrs: null,
      lastUsed: session.lastSeen,
      accessTokenValiditySeconds: SSO_TOKEN_VALIDITY_SECONDS,
      expirationDate: session.expiresAt,
      deletedAt: session.revokedAt,
      revokedReason: null,
    };
  }
}

import { ALL_SCOPES, type Identity } from '@patina/contract';
import { useState, type FormEvent } from 'react';
import { messageOf, patina, RIGHTS, type ScopeEntry, type SessionInfo } from '../api.js';
import {
  CheckboxSet,
  FieldError,
  fieldErrorProps,
  FormActions,
  ScopeChecklist,
  Segmented,
} from '../components.js';
import { expiryCap } from '../expiry.js';
import { date, DAY, plural } from '../format.js';
import type { NewPat } from '../tokens.js';
import { SecretShown } from './SecretShown.js';
import { ExpiryHint } from './TokenFields.js';

/** A first token is short-lived: it is handed over, and its owner makes their own. */
const FIRST_TOKEN_DAYS = [1, 7, 30] as const;
const DEFAULT_FIRST_TOKEN_DAYS = 7;

type Field = 'name' | 'login' | 'email';

/**
 * Which field an error of the create call is about. The wire does not name the field, but the
 * messages do ("An identity with login 'x' already exists", "'email' must be …").
 */
function fieldOf(message: string): Field | null {
  for (const field of ['login', 'email', 'name'] as const) {
    if (new RegExp(`\\b${field}\\b`, 'i').test(message)) return field;
  }
  return null;
}

/**
 * The scopes a first token may name: sp:scopes:all, and the rights the chosen roles give.
 * ORG_ADMIN holds every catalogued right, USER the two my- rights (contract's BUILT_IN_ROLES); a
 * deployment's own role gives rights the console is not told of, so with one every scope is
 * offered (a scope beyond the identity's rights grants nothing).
 */
export function scopesForRoles(roles: ReadonlySet<string>, catalogue: ScopeEntry[]): ScopeEntry[] {
  if (roles.has('ORG_ADMIN') || [...roles].some((r) => r !== 'USER')) return catalogue;
  const held = new Set<string>([ALL_SCOPES]);
  if (roles.has('USER')) {
    held.add(RIGHTS.myRead);
    held.add(RIGHTS.myManage);
  }
  return catalogue.filter((scope) => held.has(scope.name));
}

export interface Onboarded {
  identity: Identity;
  pat: NewPat | null;
}

/**
 * The New identity form: who they are, their roles, and optionally their first personal access
 * token, issued in the same step (POST /patina/v1/identities/{id}/personal-access-tokens).
 */
export function NewIdentityForm(props: {
  info: SessionInfo;
  onDone: (result: Onboarded) => void;
  onCancel: () => void;
}) {
  const { info } = props;
  const [name, setName] = useState('');
  const [login, setLogin] = useState('');
  const [email, setEmail] = useState('');
  const [roles, setRoles] = useState<Set<string>>(new Set(['USER']));
  const [withToken, setWithToken] = useState(false);
  const [tokenName, setTokenName] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [days, setDays] = useState<number>(DEFAULT_FIRST_TOKEN_DAYS);
  const [fieldErrors, setFieldErrors] = useState<Partial<Record<Field, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Made before its token failed: a retry issues only the token, not a second identity.
  const [created, setCreated] = useState<Identity | null>(null);
  const offered = scopesForRoles(roles, info.scopes);
  const scope = offered.filter((s) => chosen.has(s.name)).map((s) => s.name);
  // As the New token form: the policy and the rules the chosen scopes bind cap the choices, and a
  // choice they no longer allow gives way to the longest one they do.
  const nowMs = Date.now();
  const cap = expiryCap(info.policy, scope, nowMs);
  const choices = FIRST_TOKEN_DAYS.filter((d) => nowMs + d * DAY <= cap.latestMs);
  const lifetimeDays = choices.some((d) => d === days)
    ? days
    : (choices.at(-1) ?? FIRST_TOKEN_DAYS[0]);

  /** A field's change clears the error shown under it. */
  const edit = (field: Field, set: (value: string) => void) => (value: string) => {
    set(value);
    setFieldErrors((errors) => ({ ...errors, [field]: undefined }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (withToken && scope.length === 0) {
      setError('Choose at least one scope for the first token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const identity =
        created ??
        (await patina.identities.create({
          name: name.trim(),
          ...(login.trim() && { login: login.trim() }),
          ...(email.trim() && { email: email.trim() }),
          roles: [...roles],
        }));
      setCreated(identity);
      if (!withToken) {
        props.onDone({ identity, pat: null });
        return;
      }
      const pat = await patina.identities.createPat(identity.id, {
        name: tokenName.trim(),
        scope,
        expirationDate: new Date(Date.now() + lifetimeDays * DAY).toISOString(),
      });
      // SecretShown reads the id, the secret and any warnings: this answer has the first two.
      props.onDone({ identity, pat: pat as unknown as NewPat });
    } catch (e) {
      const message = messageOf(e);
      const field = created ? null : fieldOf(message);
      if (field) setFieldErrors((errors) => ({ ...errors, [field]: message }));
      else setError(message);
    } finally {
      setBusy(false);
    }
  };

  const locked = created !== null;
  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      {locked && (
        <p className="warning" role="status">
          {created.name} was created. Their first token was not: change it and try again, or cancel.
        </p>
      )}
      <label>
        Name
        <input
          required
          disabled={locked}
          value={name}
          onChange={(e) => edit('name', setName)(e.target.value)}
          {...fieldErrorProps('new-identity-name-error', fieldErrors.name)}
        />
      </label>
      <FieldError id="new-identity-name-error" text={fieldErrors.name} />
      <label>
        <span>
          Login <span className="muted">(optional; made from the name)</span>
        </span>
        <input
          value={login}
          disabled={locked}
          onChange={(e) => edit('login', setLogin)(e.target.value)}
          spellCheck={false}
          {...fieldErrorProps('new-identity-login-error', fieldErrors.login)}
        />
      </label>
      <FieldError id="new-identity-login-error" text={fieldErrors.login} />
      <label>
        <span>
          Email <span className="muted">(optional)</span>
        </span>
        <input
          type="email"
          value={email}
          disabled={locked}
          onChange={(e) => edit('email', setEmail)(e.target.value)}
          {...fieldErrorProps('new-identity-email-error', fieldErrors.email)}
        />
      </label>
      <FieldError id="new-identity-email-error" text={fieldErrors.email} />
      <fieldset disabled={locked}>
        <legend>Roles</legend>
        <CheckboxSet
          options={info.roles.map((role) => ({ value: role, label: <span>{role}</span> }))}
          chosen={roles}
          onChange={setRoles}
        />
      </fieldset>
      <label className="check-row">
        <input
          type="checkbox"
          checked={withToken}
          onChange={(e) => setWithToken(e.target.checked)}
        />
        <span>
          Issue their first personal access token now
          <span className="muted small block">
            Shown to you once, for you to hand over. It expires soon: they make their own after.
          </span>
        </span>
      </label>
      {withToken && (
        <div className="stack" role="group" aria-labelledby="first-token-title">
          <h3 id="first-token-title">First token</h3>
          <label>
            Token name
            <input
              required
              maxLength={128}
              value={tokenName}
              onChange={(e) => setTokenName(e.target.value)}
              placeholder="e.g. Onboarding"
            />
          </label>
          <fieldset>
            <legend>Scopes</legend>
            <ScopeChecklist
              scopes={offered}
              chosen={chosen}
              onChange={(next) => {
                setChosen(next);
                setError(null);
              }}
            />
            <p className="muted small">Only scopes within the rights of the roles chosen above.</p>
          </fieldset>
          <fieldset>
            <legend>Expires</legend>
            <Segmented
              name="first-token-days"
              options={choices.map((d) => ({ value: `${d}`, label: plural(d, 'day') }))}
              value={`${lifetimeDays}`}
              onChange={(value) => setDays(Number(value))}
            />
            <ExpiryHint
              cap={cap}
              allowNeverExpiring={false}
              expiringSoonDays={info.policy.expiringSoonDays}
            />
          </fieldset>
        </div>
      )}
      <FormActions error={error} onCancel={props.onCancel} disabled={busy}>
        {busy ? 'Creating…' : withToken ? 'Create identity and token' : 'Create identity'}
      </FormActions>
    </form>
  );
}

/** The first token's secret, shown once, and how to hand it over without leaving a copy behind. */
export function FirstTokenHandover(props: {
  onboarded: Onboarded & { pat: NewPat };
  baseUrl: string;
}) {
  const { identity, pat } = props.onboarded;
  return (
    <div className="stack">
      <SecretShown pat={pat} baseUrl={props.baseUrl} />
      <section aria-labelledby="handover-title">
        <h3 id="handover-title">Hand it to {identity.name} safely</h3>
        <ul>
          <li>
            Share it through your password manager (a shared item or a one-time share), or another
            channel whose message expires after it is read.
          </li>
          <li>
            Never send it by chat or e-mail: it stays in their history, and anyone who reads it can
            use it.
          </li>
          <li>
            It expires {pat.expirationDate ? date(pat.expirationDate) : 'soon'}. Once it works for
            them, they can rotate it or make their own on My tokens.
          </li>
        </ul>
      </section>
    </div>
  );
}

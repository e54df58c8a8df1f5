import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { messageOf, signInWithPat, type SignInOptions } from '../api.js';

const SSO_ERRORS: Record<string, string> = {
  SSO_UNAVAILABLE: 'The identity provider could not be reached. Try again in a moment.',
  SSO_DENIED: 'The identity provider did not sign you in.',
  SSO_INVALID_RESPONSE: 'The identity provider’s answer could not be verified.',
  SSO_NOT_STARTED: 'That sign-in link has expired. Start again.',
  SSO_NO_IDENTITY_CLAIM: 'Your identity provider did not say who you are (no email or user name).',
  SSO_NOT_PROVISIONED:
    'Your account is not linked to a Patina identity yet. Ask an administrator to link it.',
  SSO_AMBIGUOUS_EMAIL:
    'More than one Patina identity has your email address. Ask an administrator to link yours.',
  SSO_DISABLED: 'Your Patina identity is disabled.',
  SSO_UNUSABLE_LOGIN: 'Your user name cannot be used as a Patina login.',
  SSO_TOO_MANY_SIGN_INS: 'Too many sign-ins from your address. Try again in a few minutes.',
};

export function SignIn({ options, notice }: { options: SignInOptions; notice: string }) {
  const [params] = useSearchParams();
  const ssoError = params.get('error');
  const [clientId, setClientId] = useState('');
  const [clientSecret, setClientSecret] = useState('');
  // Refused credentials: the message goes as soon as either field is changed.
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const queries = useQueryClient();
  const navigate = useNavigate();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signInWithPat(clientId.trim(), clientSecret.trim());
      await queries.invalidateQueries({ queryKey: ['session'] });
      await navigate('/tokens');
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in" id="main">
      <div className="card sign-in-card">
        <div className="brand large" aria-hidden="true">
          <span className="logo">P</span>
        </div>
        <h1>Sign in to Patina</h1>
        <p className="muted">Personal access tokens for your organisation’s APIs.</p>
        {ssoError && (
          <p className="error" role="alert">
            {SSO_ERRORS[ssoError] ?? 'Single sign-on failed.'}
          </p>
        )}
        {options.sso && (
          <>
            <a className="button primary block" href={options.sso.url}>
              Sign in with {options.sso.label}
            </a>
            <div className="divider">
              <span>or with a personal access token</span>
            </div>
          </>
        )}
        <form onSubmit={(e) => void submit(e)} className="stack">
          <label>
            Client ID
            <input
              name="clientId"
              autoComplete="username"
              spellCheck={false}
              required
              value={clientId}
              onChange={(e) => {
                setClientId(e.target.value);
                setError(null);
              }}
            />
          </label>
          <label>
            Client secret
            <input
              name="clientSecret"
              type="password"
              autoComplete="current-password"
              required
              value={clientSecret}
              onChange={(e) => {
                setClientSecret(e.target.value);
                setError(null);
              }}
            />
          </label>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button primary block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
        <p className="hint">
          {notice && notice !== 'Sign in to use the console' ? `${notice}. ` : ''}
          On first start, the administrator’s client ID and secret are in{' '}
          <code>data/bootstrap-credentials.json</code>.
        </p>
      </div>
    </main>
  );
}

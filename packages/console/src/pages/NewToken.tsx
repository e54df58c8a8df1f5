import { useState, type FormEvent } from 'react';
import { messageOf, type SessionInfo } from '../api.js';
import { DAY } from '../format.js';
import { createPat, type NewPat } from '../tokens.js';

const PRESETS = [7, 30, 90] as const;
type Lifetime = `${(typeof PRESETS)[number]}` | 'custom' | 'never';

const ACCESS_TOKEN_LIFETIMES = [
  { seconds: 900, label: '15 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 43_200, label: '12 hours' },
];

/** The New token form: name, what it is for, scopes from the catalogue, how long it lives. */
export function NewTokenForm(props: {
  info: SessionInfo;
  onCreated: (pat: NewPat) => void;
  onCancel: () => void;
}) {
  const { policy, scopes } = props.info;
  const maxDays = policy.maxLifetimeMonths * 28;
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [lifetime, setLifetime] = useState<Lifetime>('30');
  const [customDate, setCustomDate] = useState('');
  const [accessSeconds, setAccessSeconds] = useState('default');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const today = new Date().toISOString().slice(0, 10);
  const latest = new Date(Date.now() + maxDays * DAY).toISOString().slice(0, 10);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (chosen.size === 0) {
      setError('Choose at least one scope.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const expirationDate =
        lifetime === 'never'
          ? null
          : lifetime === 'custom'
            ? new Date(`${customDate}T23:59:59.000Z`).toISOString()
            : new Date(Date.now() + Number(lifetime) * DAY).toISOString();
      const created = await createPat({
        name: name.trim(),
        description: description.trim(),
        scope: [...chosen],
        expirationDate,
        neverExpires: lifetime === 'never',
        accessTokenValiditySeconds: accessSeconds === 'default' ? undefined : Number(accessSeconds),
      });
      props.onCreated(created);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <label>
        Name
        <input
          name="name"
          required
          maxLength={128}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. CI pipeline"
        />
      </label>
      <label>
        <span>
          Description <span className="muted">(optional)</span>
        </span>
        <textarea
          name="description"
          maxLength={1000}
          rows={2}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
          placeholder="What uses this token"
        />
      </label>
      <fieldset>
        <legend>Scopes</legend>
        <div className="scope-list">
          {scopes.map((scope) => (
            <label key={scope.name} className="check-row">
              <input
                type="checkbox"
                checked={chosen.has(scope.name)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(scope.name);
                  else next.delete(scope.name);
                  setChosen(next);
                }}
              />
              <span>
                <code>{scope.name}</code>
                {scope.description && (
                  <span className="muted small block">{scope.description}</span>
                )}
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      <fieldset>
        <legend>Expires</legend>
        <div className="segmented">
          {PRESETS.filter((d) => d <= maxDays).map((days) => (
            <label key={days}>
              <input
                type="radio"
                name="lifetime"
                value={days}
                checked={lifetime === `${days}`}
                onChange={() => setLifetime(`${days}`)}
              />
              <span>{days} days</span>
            </label>
          ))}
          <label>
            <input
              type="radio"
              name="lifetime"
              value="custom"
              checked={lifetime === 'custom'}
              onChange={() => setLifetime('custom')}
            />
            <span>Custom</span>
          </label>
          {policy.allowNeverExpiring && (
            <label>
              <input
                type="radio"
                name="lifetime"
                value="never"
                checked={lifetime === 'never'}
                onChange={() => setLifetime('never')}
              />
              <span>Never</span>
            </label>
          )}
        </div>
        {lifetime === 'custom' && (
          <label>
            Expiry date
            <input
              type="date"
              required
              min={today}
              max={latest}
              value={customDate}
              onChange={(e) => setCustomDate(e.target.value)}
            />
          </label>
        )}
        <p className="muted small">
          This deployment allows at most {policy.maxLifetimeMonths} months
          {policy.allowNeverExpiring ? ', or never expiring' : ''}.
        </p>
      </fieldset>
      <label>
        Access-token lifetime
        <select value={accessSeconds} onChange={(e) => setAccessSeconds(e.target.value)}>
          <option value="default">
            Default ({Math.round(policy.accessTokenValiditySeconds.default / 3600)} hours)
          </option>
          {ACCESS_TOKEN_LIFETIMES.filter(
            (l) =>
              l.seconds >= policy.accessTokenValiditySeconds.min &&
              l.seconds <= policy.accessTokenValiditySeconds.max,
          ).map((l) => (
            <option key={l.seconds} value={l.seconds}>
              {l.label}
            </option>
          ))}
        </select>
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create token'}
        </button>
      </div>
    </form>
  );
}

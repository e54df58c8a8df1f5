import { addMonthsUtc } from '@patina/contract';
import { useState, type FormEvent } from 'react';
import { messageOf, type SessionInfo } from '../api.js';
import { cidrEntries } from '../cidr.js';
import { date, DAY } from '../format.js';
import { createPat, type NewPat } from '../tokens.js';
import { CidrField, cidrsValid, ScopeFieldset } from './TokenFields.js';

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
  // The server measures the limit from the moment it makes the PAT, a little after this one:
  // anything up to this instant is inside it.
  const [latestMs] = useState(() => addMonthsUtc(new Date(), policy.maxLifetimeMonths).getTime());
  const maxDays = (latestMs - Date.now()) / DAY;
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [lifetime, setLifetime] = useState<Lifetime>('30');
  const [customDate, setCustomDate] = useState('');
  const [accessSeconds, setAccessSeconds] = useState('default');
  const [customSeconds, setCustomSeconds] = useState('');
  const [cidrs, setCidrs] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const today = new Date().toISOString().slice(0, 10);
  const latest = new Date(latestMs).toISOString().slice(0, 10);
  const { min: minSeconds, max: maxSeconds } = policy.accessTokenValiditySeconds;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (chosen.size === 0) {
      setError('Choose at least one scope.');
      return;
    }
    if (!cidrsValid(cidrs)) return;
    setBusy(true);
    setError(null);
    try {
      const expirationDate =
        lifetime === 'never'
          ? null
          : lifetime === 'custom'
            ? // The end of the chosen day, or the policy's limit on its last day.
              new Date(Math.min(Date.parse(`${customDate}T23:59:59.000Z`), latestMs)).toISOString()
            : new Date(Date.now() + Number(lifetime) * DAY).toISOString();
      const created = await createPat({
        name: name.trim(),
        description: description.trim(),
        scope: [...chosen],
        expirationDate,
        neverExpires: lifetime === 'never',
        accessTokenValiditySeconds:
          accessSeconds === 'default'
            ? undefined
            : Number(accessSeconds === 'custom' ? customSeconds : accessSeconds),
        allowedCidrs: cidrEntries(cidrs),
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
      <ScopeFieldset scopes={scopes} chosen={chosen} onChange={setChosen} />
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
          This deployment allows at most {policy.maxLifetimeMonths} months (until{' '}
          {date(new Date(latestMs).toISOString())})
          {policy.allowNeverExpiring ? ', or never expiring' : ''}. Its policy rules may allow less
          for some scopes; Patina says so when you create the token.
        </p>
      </fieldset>
      <label>
        Access-token lifetime
        <select value={accessSeconds} onChange={(e) => setAccessSeconds(e.target.value)}>
          <option value="default">
            Default ({Math.round(policy.accessTokenValiditySeconds.default / 3600)} hours)
          </option>
          {ACCESS_TOKEN_LIFETIMES.filter(
            (l) => l.seconds >= minSeconds && l.seconds <= maxSeconds,
          ).map((l) => (
            <option key={l.seconds} value={l.seconds}>
              {l.label}
            </option>
          ))}
          <option value="custom">Custom</option>
        </select>
      </label>
      {accessSeconds === 'custom' && (
        <label>
          Access-token lifetime in seconds
          <input
            type="number"
            required
            inputMode="numeric"
            min={minSeconds}
            max={maxSeconds}
            step={1}
            value={customSeconds}
            onChange={(e) => setCustomSeconds(e.target.value)}
          />
          <span className="muted small">
            Between {minSeconds} and {maxSeconds} seconds, as this deployment allows.
          </span>
        </label>
      )}
      <CidrField value={cidrs} onChange={setCidrs} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={busy || !cidrsValid(cidrs)}>
          {busy ? 'Creating…' : 'Create token'}
        </button>
      </div>
    </form>
  );
}

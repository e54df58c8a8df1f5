import type { PatRequest } from '@patina/contract';
import { useId, useState, type FormEvent } from 'react';
import { messageOf, type SessionInfo } from '../api.js';
import { cidrEntries } from '../cidr.js';
import { FormActions, Segmented } from '../components.js';
import { dayOf, endOfDayWithin, expiryCap } from '../expiry.js';
import { DAY } from '../format.js';
import { createPat, type NewPat } from '../tokens.js';
import { CidrField, cidrsValid, ExpiryHint, ScopeFieldset } from './TokenFields.js';
import { RequireDpopField } from './TokenDpop.js';

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
  /** A scope needs an approver's yes: the server answered 202 with the request. */
  onPending: (request: PatRequest) => void;
  onCancel: () => void;
}) {
  const { policy, scopes } = props.info;
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [lifetime, setLifetime] = useState<Lifetime>('30');
  const [customDate, setCustomDate] = useState('');
  const [accessSeconds, setAccessSeconds] = useState('default');
  const [customSeconds, setCustomSeconds] = useState('');
  const [cidrs, setCidrs] = useState('');
  const [requireDpop, setRequireDpop] = useState(false);
  const [justification, setJustification] = useState('');
  const [ticketUrl, setTicketUrl] = useState('');
  const justificationHintId = useId();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const hintId = useId();
  // The server measures the limits from the moment it makes the PAT, a little after this one:
  // anything up to the cap worked out now is inside them.
  const nowMs = Date.now();
  const cap = expiryCap(policy, chosen, nowMs);
  const presets = PRESETS.filter((days) => nowMs + days * DAY <= cap.latestMs);
  const neverOffered = policy.allowNeverExpiring && cap.neverExpiringRefusedBy === null;
  // A choice the chosen scopes no longer allow gives way to the longest one they do.
  const offered = (l: Lifetime) =>
    l === 'custom' || (l === 'never' ? neverOffered : presets.some((d) => `${d}` === l));
  const longest = presets.at(-1);
  const current: Lifetime = offered(lifetime) ? lifetime : longest ? `${longest}` : 'custom';
  const today = dayOf(nowMs);
  const latest = dayOf(cap.latestMs);
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
      const startMs = Date.now();
      const expirationDate =
        current === 'never'
          ? null
          : current === 'custom'
            ? endOfDayWithin(customDate, expiryCap(policy, chosen, startMs).latestMs)
            : new Date(startMs + Number(current) * DAY).toISOString();
      const created = await createPat({
        name: name.trim(),
        description: description.trim(),
        scope: [...chosen],
        expirationDate,
        neverExpires: current === 'never',
        accessTokenValiditySeconds:
          accessSeconds === 'default'
            ? undefined
            : Number(accessSeconds === 'custom' ? customSeconds : accessSeconds),
        allowedCidrs: cidrEntries(cidrs),
        // Sent only when ticked: the server's default is off.
        ...(requireDpop && { requireDpop: true }),
        justification: justification.trim(),
        ticketUrl: ticketUrl.trim(),
      });
      if ('pending' in created) props.onPending(created.pending);
      else props.onCreated(created.created);
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
      <label>
        <span>
          Justification <span className="muted">(for sensitive scopes)</span>
        </span>
        <textarea
          name="justification"
          maxLength={1000}
          rows={2}
          value={justification}
          aria-describedby={justificationHintId}
          onChange={(e) => setJustification(e.target.value)}
          placeholder="Why the token needs its scopes"
        />
        <span id={justificationHintId} className="muted small">
          A scope that needs approval sends the token to an approver first, with this reason:
          required then.
        </span>
      </label>
      <label>
        <span>
          Ticket URL <span className="muted">(optional)</span>
        </span>
        <input
          name="ticketUrl"
          type="url"
          maxLength={2048}
          value={ticketUrl}
          onChange={(e) => setTicketUrl(e.target.value)}
          placeholder="https://tickets.example.com/SEC-1234"
        />
      </label>
      <fieldset>
        <legend>Expires</legend>
        <Segmented<Lifetime>
          name="lifetime"
          options={[
            ...presets.map((days) => ({ value: `${days}` as const, label: `${days} days` })),
            { value: 'custom', label: 'Custom' },
            ...(neverOffered ? [{ value: 'never' as const, label: 'Never' }] : []),
          ]}
          value={current}
          onChange={setLifetime}
        />
        {current === 'custom' && (
          <label>
            Expiry date
            <input
              type="date"
              required
              min={today}
              max={latest}
              aria-describedby={hintId}
              value={customDate}
              onChange={(e) => setCustomDate(e.target.value)}
            />
          </label>
        )}
        <ExpiryHint
          id={hintId}
          cap={cap}
          allowNeverExpiring={policy.allowNeverExpiring}
          expiringSoonDays={policy.expiringSoonDays}
        />
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
      <RequireDpopField checked={requireDpop} onChange={setRequireDpop} />
      <FormActions error={error} onCancel={props.onCancel} disabled={busy || !cidrsValid(cidrs)}>
        {busy ? 'Creating…' : 'Create token'}
      </FormActions>
    </form>
  );
}

import type { AccessReview, WhenUndecided } from '@patina/contract';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { patina, type SessionInfo } from '../api.js';
import { CheckboxSet, ErrorNote, FormActions, ScopeChecklist, Segmented } from '../components.js';
import { dayOf, endOfDayWithin } from '../expiry.js';
import { DAY } from '../format.js';
import { createCampaign } from '../governance.js';

type ReviewerChoice = 'OWNER' | 'MANAGER' | 'NAMED';
type Every = 'once' | '30d' | '90d' | '180d' | '365d';

const EVERY: { value: Every; label: string }[] = [
  { value: 'once', label: 'Once' },
  { value: '30d', label: 'Every 30 days' },
  { value: '90d', label: 'Every 90 days' },
  { value: '180d', label: 'Every 180 days' },
  { value: '365d', label: 'Every 365 days' },
];

/**
 * A new campaign: its name, which tokens (by scope, unused for some days, by owner role; none of
 * them: every token), who reviews, the deadline, what becomes of undecided tokens, and whether it
 * starts again.
 */
export function NewCampaignForm(props: {
  info: SessionInfo;
  onCreated: (review: AccessReview) => void;
  onCancel: () => void;
}) {
  const { info } = props;
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Set<string>>(new Set());
  const [unusedForDays, setUnusedForDays] = useState('');
  const [roles, setRoles] = useState<Set<string>>(new Set());
  const [reviewers, setReviewers] = useState<ReviewerChoice>('OWNER');
  const [named, setNamed] = useState<Set<string>>(new Set());
  const [deadline, setDeadline] = useState(dayOf(Date.now() + 14 * DAY));
  const [whenUndecided, setWhenUndecided] = useState<WhenUndecided>('revoke');
  const [every, setEvery] = useState<Every>('once');
  const [error, setError] = useState<string | null>(null);
  const reviewersHint = useId();
  const identities = useQuery({
    queryKey: ['identities'],
    queryFn: () => patina.identities.list({ limit: 250 }),
    enabled: reviewers === 'NAMED',
  });
  const active = (identities.data ?? []).filter((identity) => identity.status === 'ACTIVE');

  const create = useMutation({ mutationFn: createCampaign, onSuccess: props.onCreated });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (reviewers === 'NAMED' && named.size === 0) {
      setError('Choose at least one reviewer.');
      return;
    }
    setError(null);
    create.mutate({
      name: name.trim(),
      selection: {
        ...(scopes.size > 0 && { scopes: [...scopes] }),
        ...(unusedForDays && { unusedForDays: Number(unusedForDays) }),
        ...(roles.size > 0 && { ownerRoles: [...roles] }),
      },
      reviewers: reviewers === 'NAMED' ? [...named] : reviewers,
      // The end of the chosen (UTC) day, as the token forms read a date.
      deadline: endOfDayWithin(deadline, Infinity),
      whenUndecided,
      ...(every !== 'once' && { every }),
    });
  };

  return (
    <form className="stack" onSubmit={submit}>
      <label>
        Name
        <input
          name="name"
          required
          maxLength={128}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. Q3 review of payment tokens"
        />
      </label>
      <fieldset>
        <legend>Which tokens</legend>
        <p className="muted small">
          Every live token, unless you narrow it: a token must match each choice made.
        </p>
        <fieldset>
          <legend>With one of these scopes</legend>
          <ScopeChecklist scopes={info.scopes} chosen={scopes} onChange={setScopes} />
        </fieldset>
        <label>
          <span>
            Unused for days <span className="muted">(optional)</span>
          </span>
          <input
            className="narrow"
            type="number"
            inputMode="numeric"
            min={1}
            max={3650}
            step={1}
            value={unusedForDays}
            onChange={(e) => setUnusedForDays(e.target.value)}
            placeholder="e.g. 90"
          />
        </label>
        <fieldset>
          <legend>Owned by someone with one of these roles</legend>
          <CheckboxSet
            options={info.roles.map((role) => ({ value: role, label: <code>{role}</code> }))}
            chosen={roles}
            onChange={setRoles}
          />
        </fieldset>
      </fieldset>
      <fieldset aria-describedby={reviewersHint}>
        <legend>Reviewers</legend>
        <Segmented<ReviewerChoice>
          name="reviewers"
          options={[
            { value: 'OWNER', label: 'Each token’s owner' },
            { value: 'MANAGER', label: 'The owner’s manager' },
            { value: 'NAMED', label: 'Named reviewers' },
          ]}
          value={reviewers}
          onChange={setReviewers}
        />
        <p id={reviewersHint} className="muted small">
          {reviewers === 'MANAGER'
            ? 'Where an owner has no manager on record, you review their tokens.'
            : reviewers === 'NAMED'
              ? 'Each of them may decide every token of the campaign.'
              : 'Each owner says whether their own tokens are still needed.'}
        </p>
        {reviewers === 'NAMED' && (
          <div className="scope-list" role="group" aria-label="Named reviewers">
            <ErrorNote error={identities.error} />
            {identities.isPending && <p className="muted">Loading identities…</p>}
            <CheckboxSet
              options={active.map((identity) => ({
                value: identity.id,
                label: (
                  <span>
                    {identity.name} <span className="muted small">({identity.login})</span>
                  </span>
                ),
              }))}
              chosen={named}
              onChange={setNamed}
            />
          </div>
        )}
      </fieldset>
      <label>
        Deadline
        <input
          type="date"
          required
          min={dayOf(Date.now() + DAY)}
          value={deadline}
          onChange={(e) => setDeadline(e.target.value)}
        />
      </label>
      <fieldset>
        <legend>Tokens undecided at the deadline</legend>
        <Segmented<WhenUndecided>
          name="whenUndecided"
          options={[
            { value: 'revoke', label: 'Revoke them' },
            { value: 'keep', label: 'Keep them' },
          ]}
          value={whenUndecided}
          onChange={setWhenUndecided}
        />
      </fieldset>
      <label>
        Repeat
        <select value={every} onChange={(e) => setEvery(e.target.value as Every)}>
          {EVERY.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </label>
      <FormActions
        error={error ?? create.error}
        onCancel={props.onCancel}
        disabled={create.isPending}
      >
        {create.isPending ? 'Starting…' : 'Start campaign'}
      </FormActions>
    </form>
  );
}

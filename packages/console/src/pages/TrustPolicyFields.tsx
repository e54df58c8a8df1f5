import {
  MAX_FEDERATED_TOKEN_LIFETIME_SECONDS,
  type TrustPolicy,
  type TrustPolicyTemplate,
} from '@patina/contract';
import { useQuery } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { messageOf, patina, type SessionInfo } from '../api.js';
import { ErrorNote, FieldError, fieldErrorProps } from '../components.js';
import { plural } from '../format.js';
import { ScopeFieldset } from './TokenFields.js';
import { RequireDpopField } from './TokenDpop.js';

/** The platforms a policy can be made for, as people call them. */
export const TEMPLATE_LABELS: Record<TrustPolicyTemplate, string> = {
  'github-actions': 'GitHub Actions',
  'gitlab-ci': 'GitLab CI',
  kubernetes: 'Kubernetes',
};

/** The fields of the trust-policy forms a refusal of the API can be about. */
export type Field =
  | 'name'
  | 'repository'
  | 'projectPath'
  | 'ref'
  | 'environment'
  | 'namespace'
  | 'serviceAccount'
  | 'issuer'
  | 'jwksUri'
  | 'audience'
  | 'conditions'
  | 'identityId'
  | 'scope'
  | 'maxTokenLifetimeSeconds';

export type FieldErrors = Partial<Record<Field, string>>;

/**
 * Which field a refusal is about. The wire does not name the field, but the messages do: the
 * validator quotes it (`'templateParameters.repository' must …`), the rules name it in words
 * ("conditions must pin `sub` or a repository-like claim"). Conditions come first, as their
 * message names the claims it wants (repository, namespace…), which are fields of templates too.
 */
export function fieldOf(message: string, shown: readonly Field[]): Field | null {
  // The validator's name for it (`'templateParameters.repository'`, `'conditions.sub'`).
  const quoted = /'([A-Za-z.]+)/.exec(message)?.[1]?.replace(/^templateParameters\./, '');
  const named = [quoted, quoted?.split('.')[0]].find((name) => shown.includes(name as Field));
  if (named) return named as Field;
  const words: [RegExp, Field][] = [
    [/\bconditions?\b/i, 'conditions'],
    [/\bjwks ?uri\b|\bkey set\b/i, 'jwksUri'],
    [/\baudience\b/i, 'audience'],
    [/\bproject ?path\b/i, 'projectPath'],
    [/\bservice ?account\b/i, 'serviceAccount'],
    [/\bnamespace\b/i, 'namespace'],
    [/\benvironment\b/i, 'environment'],
    [/\bref\b/i, 'ref'],
    [/\brepository\b/i, 'repository'],
    [/\bissuer\b/i, 'issuer'],
    [/\bidentity(?:Id)?\b/i, 'identityId'],
    [/\bscopes?\b/i, 'scope'],
    [/\blifetime\b|\bmaxTokenLifetimeSeconds\b/i, 'maxTokenLifetimeSeconds'],
    [/\bname\b/i, 'name'],
  ];
  return (
    words.find(([pattern, field]) => shown.includes(field) && pattern.test(message))?.[1] ?? null
  );
}

/** The errors a form shows, one under each field, and what clears one when its field changes. */
export function useFieldErrors() {
  const [errors, setErrors] = useState<FieldErrors>({});
  return {
    errors,
    set: (field: Field, text: string) => setErrors({ [field]: text }),
    clear: (field: Field) =>
      setErrors((current) => (current[field] ? { ...current, [field]: undefined } : current)),
    clearAll: () => setErrors({}),
  };
}

/**
 * A form's sending: busy while `work` runs, and a refusal shown under the field it names (of
 * those `shown`) or, naming none, above the buttons.
 */
export function useSubmission() {
  const fields = useFieldErrors();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async (shown: readonly Field[], work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    fields.clearAll();
    try {
      await work();
    } catch (e) {
      const message = messageOf(e);
      const field = fieldOf(message, shown);
      if (field) fields.set(field, message);
      else setError(message);
    } finally {
      setBusy(false);
    }
  };
  return { fields, error, setError, busy, send };
}

/** A text field of the forms, labelled, with its error under it. */
export function TextField(props: {
  label: string;
  optional?: string | boolean;
  value: string;
  onChange: (value: string) => void;
  error: string | undefined;
  type?: 'text' | 'url';
  placeholder?: string;
  hint?: string;
  maxLength?: number;
}) {
  const errorId = useId();
  const hintId = useId();
  const described = [props.error && errorId, props.hint && hintId].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label>
        <span>
          {props.label}{' '}
          {props.optional && (
            <span className="muted">
              ({props.optional === true ? 'optional' : `optional; ${props.optional}`})
            </span>
          )}
        </span>
        <input
          type={props.type ?? 'text'}
          required={!props.optional}
          spellCheck={false}
          maxLength={props.maxLength}
          value={props.value}
          placeholder={props.placeholder}
          onChange={(e) => props.onChange(e.target.value)}
          {...fieldErrorProps(errorId, props.error)}
          {...(described && { 'aria-describedby': described })}
        />
      </label>
      {props.hint && (
        <span id={hintId} className="muted small">
          {props.hint}
        </span>
      )}
      <FieldError id={errorId} text={props.error} />
    </div>
  );
}

/** One row of the conditions editor: a claim and one value it may have. */
export interface ConditionRow {
  key: number;
  claim: string;
  value: string;
}

let nextRowKey = 0;
export function conditionRow(claim = '', value = ''): ConditionRow {
  nextRowKey += 1;
  return { key: nextRowKey, claim, value };
}

/** A policy's conditions as rows: a claim with alternatives gives a row for each. */
export function rowsOf(conditions: TrustPolicy['conditions']): ConditionRow[] {
  return Object.entries(conditions).flatMap(([claim, value]) =>
    (Array.isArray(value) ? value : [value]).map((one) => conditionRow(claim, one)),
  );
}

/** Rows as the API's conditions: rows of one claim are its alternatives, in the rows' order. */
export function conditionsOf(rows: readonly ConditionRow[]): Record<string, string | string[]> {
  const byClaim = new Map<string, string[]>();
  for (const row of rows) {
    const claim = row.claim.trim();
    const value = row.value.trim();
    if (!claim && !value) continue;
    const values = byClaim.get(claim) ?? [];
    if (!values.includes(value)) values.push(value);
    byClaim.set(claim, values);
  }
  return Object.fromEntries(
    [...byClaim].map(([claim, values]) => [claim, values.length === 1 ? values[0]! : values]),
  );
}

/**
 * The claims an incoming token must carry, a row each (a claim and its value, or a glob). Rows of
 * the same claim are alternatives: any one of them will do.
 */
export function ConditionsEditor(props: {
  rows: ConditionRow[];
  onChange: (rows: ConditionRow[]) => void;
  error: string | undefined;
}) {
  const hintId = useId();
  const errorId = useId();
  const { rows } = props;
  const change = (key: number, part: Partial<ConditionRow>) =>
    props.onChange(rows.map((row) => (row.key === key ? { ...row, ...part } : row)));
  return (
    <fieldset aria-describedby={props.error ? `${errorId} ${hintId}` : hintId}>
      <legend>Conditions</legend>
      <p id={hintId} className="muted small">
        Claims the workload’s token must carry, all of them. A value may be a glob (<code>*</code>{' '}
        any run of characters, <code>?</code> one); rows of the same claim are alternatives. One
        must pin <code>sub</code> or a repository-like claim (<code>repository</code>,{' '}
        <code>project_path</code>, <code>job_workflow_ref</code>…).
      </p>
      {rows.map((row, index) => (
        <div key={row.key} className="copy-row" role="group" aria-label={`Condition ${index + 1}`}>
          <input
            aria-label={`Claim ${index + 1}`}
            // Sized by the row, not by the browser's default of 20 characters: a phone fits it.
            size={1}
            required
            spellCheck={false}
            maxLength={200}
            className="mono"
            placeholder="claim, e.g. sub"
            value={row.claim}
            onChange={(e) => change(row.key, { claim: e.target.value })}
          />
          <span aria-hidden="true">=</span>
          <input
            aria-label={`Value ${index + 1}`}
            size={1}
            required
            spellCheck={false}
            maxLength={500}
            className="mono"
            placeholder="value, e.g. repo:acme/app:*"
            value={row.value}
            onChange={(e) => change(row.key, { value: e.target.value })}
          />
          <button
            type="button"
            className="button secondary small"
            aria-label={`Remove condition ${index + 1}`}
            onClick={() => props.onChange(rows.filter((r) => r.key !== row.key))}
          >
            Remove
          </button>
        </div>
      ))}
      <div>
        <button
          type="button"
          className="button secondary small"
          onClick={() => props.onChange([...rows, conditionRow()])}
        >
          Add condition
        </button>
      </div>
      <FieldError id={errorId} text={props.error} />
    </fieldset>
  );
}

/** The identities a policy can act as: the list the Identities page shows (and caches). */
export function IdentitySelect(props: {
  value: string;
  onChange: (id: string) => void;
  error: string | undefined;
}) {
  const errorId = useId();
  const hintId = useId();
  const identities = useQuery({
    queryKey: ['identities'],
    queryFn: () => patina.identities.list({ limit: 250 }),
  });
  const active = (identities.data ?? []).filter((identity) => identity.status === 'ACTIVE');
  return (
    <div className="field">
      <label>
        Acts as
        <select
          required
          value={props.value}
          onChange={(e) => props.onChange(e.target.value)}
          {...fieldErrorProps(errorId, props.error)}
          aria-describedby={props.error ? `${errorId} ${hintId}` : hintId}
        >
          <option value="" disabled>
            {identities.isPending ? 'Loading identities…' : 'Choose an identity'}
          </option>
          {active.map((identity) => (
            <option key={identity.id} value={identity.id}>
              {identity.name} ({identity.login})
            </option>
          ))}
        </select>
      </label>
      <span id={hintId} className="muted small">
        The service identity the workload acts as: its access tokens carry this identity, and no
        right it does not hold.
      </span>
      <ErrorNote error={identities.error} />
      <FieldError id={errorId} text={props.error} />
    </div>
  );
}

/** "15 minutes", "12 hours", "90 seconds". */
export function duration(seconds: number): string {
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

export const DEFAULT_LIFETIME_SECONDS = 900;
const LIFETIMES = [300, DEFAULT_LIFETIME_SECONDS, 3600, MAX_FEDERATED_TOKEN_LIFETIME_SECONDS];

/** How long the access tokens the policy issues may live, at most. */
export function LifetimeSelect(props: {
  value: number;
  onChange: (seconds: number) => void;
  error: string | undefined;
}) {
  const errorId = useId();
  const hintId = useId();
  // A policy made through the API may have a lifetime of its own: it stays a choice.
  const choices = [...new Set([...LIFETIMES, props.value])].sort((a, b) => a - b);
  return (
    <div className="field">
      <label>
        Access-token lifetime
        <select
          value={props.value}
          onChange={(e) => props.onChange(Number(e.target.value))}
          {...fieldErrorProps(errorId, props.error)}
          aria-describedby={props.error ? `${errorId} ${hintId}` : hintId}
        >
          {choices.map((seconds) => (
            <option key={seconds} value={seconds}>
              {duration(seconds)}
              {seconds === DEFAULT_LIFETIME_SECONDS ? ' (default)' : ''}
            </option>
          ))}
        </select>
      </label>
      <span id={hintId} className="muted small">
        The longest an access token of this policy lives; never past the expiry of the workload’s
        own token.
      </span>
      <FieldError id={errorId} text={props.error} />
    </div>
  );
}

/** Whether the policy issues DPoP-bound access tokens only (RFC 9449). */
export function RequireDpopCheckbox(props: {
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <RequireDpopField
      {...props}
      hint="The workload sends a DPoP proof (RFC 9449) with each exchange, or is refused; its access tokens are bound to the proof’s key and refused as plain Bearer tokens."
    />
  );
}

/** The scope checklist, with the error about it under it. */
export function ScopesWithError(props: {
  info: SessionInfo;
  chosen: Set<string>;
  error: string | undefined;
  onChange: (chosen: Set<string>) => void;
}) {
  return (
    <div className="stack">
      <ScopeFieldset scopes={props.info.scopes} chosen={props.chosen} onChange={props.onChange} />
      <p className="muted small">
        The workload gets these scopes, within the identity’s rights at each exchange.
      </p>
      {props.error && (
        <p className="error" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}

import { useId } from 'react';
import { cidrEntries, cidrListProblem } from '../cidr.js';
import { ScopeChecklist } from '../components.js';
import { expiringRule, type ExpiryCap } from '../expiry.js';
import { date } from '../format.js';

/** The scopes of the catalogue, each a checkbox with what it allows, as a "Scopes" group. */
export function ScopeFieldset(props: Parameters<typeof ScopeChecklist>[0]) {
  return (
    <fieldset>
      <legend>Scopes</legend>
      <ScopeChecklist {...props} />
    </fieldset>
  );
}

/**
 * The addresses a PAT may be used from: CIDRs or bare addresses, one a line or comma-separated,
 * checked as they are typed, the message naming the first bad entry. Empty: from anywhere.
 */
export function CidrField(props: { value: string; onChange: (text: string) => void }) {
  const hintId = useId();
  const problemId = useId();
  const problem = cidrListProblem(cidrEntries(props.value));
  return (
    <label>
      <span>
        Allowed addresses <span className="muted">(optional)</span>
      </span>
      <textarea
        name="allowedCidrs"
        rows={2}
        spellCheck={false}
        className="mono"
        value={props.value}
        aria-invalid={problem !== null}
        aria-describedby={problem ? `${problemId} ${hintId}` : hintId}
        onChange={(e) => props.onChange(e.target.value)}
        placeholder="203.0.113.0/24, 2001:db8::/32"
      />
      <span id={hintId} className="muted small">
        IPv4 or IPv6 CIDRs, or single addresses, one a line. Empty: usable from anywhere.
      </span>
      {problem && (
        <span id={problemId} className="error small" role="alert">
          {problem}
        </span>
      )}
    </label>
  );
}

/** Whether the field's text is a list the server would take. */
export function cidrsValid(text: string): boolean {
  return cidrListProblem(cidrEntries(text)) === null;
}

/**
 * Under an expiry choice: how late it may be and why ("At most 30 days: policy rule for
 * orders:write"), whether it may never expire, and when the token will show as Expiring.
 */
export function ExpiryHint(props: {
  id?: string;
  cap: ExpiryCap;
  /** " after it was made", for a PAT that exists. */
  counted?: string;
  allowNeverExpiring: boolean;
  expiringSoonDays: number;
}) {
  const { cap } = props;
  const refusedBy = cap.neverExpiringRefusedBy;
  return (
    <p id={props.id} className="muted small">
      At most {cap.limit}
      {props.counted ?? ''}: {cap.source} (until {date(new Date(cap.latestMs).toISOString())}).
      {props.allowNeverExpiring &&
        (refusedBy === null
          ? ' Or never expiring.'
          : ` Never expiring is not allowed: ${refusedBy}.`)}{' '}
      {expiringRule(props.expiringSoonDays)}
    </p>
  );
}

import { useId } from 'react';
import type { ScopeEntry } from '../api.js';
import { cidrEntries, cidrListProblem } from '../cidr.js';

/** The scopes of the catalogue, each a checkbox with what it allows. */
export function ScopeChecklist(props: {
  scopes: ScopeEntry[];
  chosen: ReadonlySet<string>;
  onChange: (chosen: Set<string>) => void;
}) {
  return (
    <fieldset>
      <legend>Scopes</legend>
      <div className="scope-list">
        {props.scopes.map((scope) => (
          <label key={scope.name} className="check-row">
            <input
              type="checkbox"
              checked={props.chosen.has(scope.name)}
              onChange={(e) => {
                const next = new Set(props.chosen);
                if (e.target.checked) next.add(scope.name);
                else next.delete(scope.name);
                props.onChange(next);
              }}
            />
            <span>
              <code>{scope.name}</code>
              {scope.description && <span className="muted small block">{scope.description}</span>}
            </span>
          </label>
        ))}
      </div>
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

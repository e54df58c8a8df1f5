import type { AuditEvent } from '@patina/contract';
import type { ReactNode } from 'react';
import { dateTime, relativeTime } from './format.js';

/**
 * A table as every list page shows one: scrolls sideways on a phone, captioned for screen
 * readers, a header of column names and, when the rows carry buttons, a last column whose header
 * only a screen reader reads (`actions`: "Actions", "Record"). The rows are the children.
 */
export function DataTable(props: {
  caption: string;
  columns: readonly string[];
  actions?: string | false;
  children: ReactNode;
}) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th scope="col" key={column}>
                {column}
              </th>
            ))}
            {props.actions && (
              <th scope="col">
                <span className="visually-hidden">{props.actions}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** "3 hours ago", the exact time on hover. */
export function Ago({ iso }: { iso: string }) {
  return (
    <time dateTime={iso} title={dateTime(iso)}>
      {relativeTime(iso)}
    </time>
  );
}

/**
 * A small button of a table row. `label` names it with the row's thing ("Edit ci-token"), since
 * every row has one with the same text.
 */
export function RowButton(props: {
  label: string;
  onClick: () => void;
  tone?: 'secondary' | 'danger';
  disabled?: boolean;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className={`button ${props.tone ?? 'secondary'} small`}
      aria-label={props.label}
      disabled={props.disabled}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  );
}

/** Names in code type, one a line: a PAT's scopes, a webhook's events. */
export function CodeList({ items }: { items: readonly string[] }) {
  return (
    <ul className="scopes">
      {items.map((item) => (
        <li key={item}>
          <code>{item}</code>
        </li>
      ))}
    </ul>
  );
}

/** An audit event's outcome as a badge. */
export function OutcomeBadge({ outcome }: { outcome: AuditEvent['outcome'] }) {
  return (
    <span className={`badge ${outcome === 'SUCCESS' ? 'badge-active' : 'badge-expired'}`}>
      {outcome === 'SUCCESS' ? 'Success' : 'Failure'}
    </span>
  );
}

/** One term and its value of a detail view's `<dl>`. */
export function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** An instant as a date and time, with how long ago or ahead it is. */
export function When({ iso }: { iso: string }) {
  return (
    <time dateTime={iso}>
      {dateTime(iso)} <span className="muted">({relativeTime(iso)})</span>
    </time>
  );
}

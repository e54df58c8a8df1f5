import { useState } from 'react';
import { Link } from 'react-router';
import { StatusBadge } from '../components.js';
import { sortPats, type Pat, type SortKey } from '../tokens.js';
import { Ago, CodeList } from '../table.js';

const COLUMNS: { key: SortKey | null; label: string }[] = [
  { key: 'name', label: 'Name' },
  { key: null, label: 'Scopes' },
  { key: 'created', label: 'Created' },
  { key: 'lastUsed', label: 'Last used' },
  { key: 'expirationDate', label: 'Expires' },
];

/** The one table of tokens: sortable by its headers, scannable, with actions per row. */
export function TokenTable(props: {
  pats: Pat[];
  caption: string;
  /** policy.expiringSoonDays: what the status badges mean. */
  expiringSoonDays: number;
  showOwner?: boolean;
  selected?: ReadonlySet<string>;
  onSelect?: (id: string, on: boolean) => void;
  onSelectAll?: (on: boolean) => void;
  actions?: (pat: Pat) => React.ReactNode;
}) {
  const [sort, setSort] = useState<{ key: SortKey; descending: boolean }>({
    key: 'created',
    descending: true,
  });
  const rows = sortPats(props.pats, sort.key, sort.descending);
  const allSelected =
    props.selected !== undefined && rows.length > 0 && rows.every((p) => props.selected!.has(p.id));
  return (
    <div className="table-wrap">
      <table className="tokens">
        <caption className="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.onSelect && (
              <th scope="col" className="check">
                <input
                  type="checkbox"
                  aria-label="Select all tokens shown"
                  checked={allSelected}
                  onChange={(e) => props.onSelectAll?.(e.target.checked)}
                />
              </th>
            )}
            {COLUMNS.map((column) => {
              if (column.key === null) {
                return (
                  <th scope="col" key={column.label}>
                    {column.label}
                  </th>
                );
              }
              const active = sort.key === column.key;
              return (
                <th
                  scope="col"
                  key={column.label}
                  aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}
                >
                  <button
                    type="button"
                    className="sort"
                    onClick={() =>
                      setSort({
                        key: column.key!,
                        descending: active ? !sort.descending : column.key !== 'name',
                      })
                    }
                  >
                    {column.label}
                    <span aria-hidden="true">{active ? (sort.descending ? ' ↓' : ' ↑') : ''}</span>
                  </button>
                </th>
              );
            })}
            {props.showOwner && <th scope="col">Owner</th>}
            {props.actions && (
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((pat) => (
            <tr key={pat.id}>
              {props.onSelect && (
                <td className="check">
                  <input
                    type="checkbox"
                    aria-label={`Select ${pat.name}`}
                    checked={props.selected?.has(pat.id) ?? false}
                    onChange={(e) => props.onSelect!(pat.id, e.target.checked)}
                  />
                </td>
              )}
              <td data-label="Name">
                <div className="name">
                  <Link
                    to={`/tokens/${encodeURIComponent(pat.id)}`}
                    title={`Client ID ${pat.id}: open for details`}
                  >
                    {pat.name}
                  </Link>
                </div>
                {pat.description && <div className="muted small">{pat.description}</div>}
                {pat.managed && <span className="tag">Managed</span>}
              </td>
              <td data-label="Scopes">
                <CodeList items={pat.scope} />
              </td>
              <td data-label="Created">
                <Ago iso={pat.created} />
              </td>
              <td data-label="Last used">
                {pat.lastUsed ? <Ago iso={pat.lastUsed} /> : <span className="muted">Never</span>}
              </td>
              <td data-label="Expires">
                <div className="expires">
                  <StatusBadge status={pat.status} expiringSoonDays={props.expiringSoonDays} />
                  {pat.expirationDate ? (
                    <Ago iso={pat.expirationDate} />
                  ) : (
                    <span className="muted">Never expires</span>
                  )}
                </div>
              </td>
              {props.showOwner && <td data-label="Owner">{pat.owner.name}</td>}
              {props.actions && <td className="row-actions">{props.actions(pat)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

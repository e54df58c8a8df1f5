import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { messageOf, RIGHTS, type SessionInfo } from '../api.js';
import {
  ConfirmDialog,
  EmptyState,
  ErrorNote,
  PageHeader,
  toggled,
  useNotice,
} from '../components.js';
import { DAY, plural } from '../format.js';
import { deletePat, listPats, matches, type Pat } from '../tokens.js';
import { TokenTable } from './TokenTable.js';

interface Filters {
  search: string;
  owner: string;
  unusedDays: string;
  expiringDays: string;
  neverUsed: boolean;
  managed: boolean;
  scope: string;
}

const NONE: Filters = {
  search: '',
  owner: '',
  unusedDays: '',
  expiringDays: '',
  neverUsed: false,
  managed: false,
  scope: '',
};

/** A PAT unused for `days`: not exchanged in that time, or never since it was made that long ago. */
function unusedFor(pat: Pat, days: number, nowMs: number): boolean {
  const since = Date.parse(pat.lastUsed ?? pat.created);
  return nowMs - since >= days * DAY;
}

function applies(pat: Pat, f: Filters, nowMs: number): boolean {
  if (!matches(pat, f.search)) return false;
  if (f.owner && pat.owner.id !== f.owner) return false;
  if (f.unusedDays && !unusedFor(pat, Number(f.unusedDays), nowMs)) return false;
  if (f.expiringDays) {
    if (!pat.expirationDate) return false;
    const left = Date.parse(pat.expirationDate) - nowMs;
    if (left > Number(f.expiringDays) * DAY) return false;
  }
  if (f.neverUsed && pat.lastUsed !== null) return false;
  if (f.managed && !pat.managed) return false;
  if (f.scope && !pat.scope.includes(f.scope)) return false;
  return true;
}

/** Every token across owners: the stale-token view an administrator cleans up from. */
export function AdminTokens({ info }: { info: SessionInfo }) {
  const queries = useQueryClient();
  const announce = useNotice();
  const pats = useQuery({ queryKey: ['pats', 'all'], queryFn: () => listPats() });
  const [filters, setFilters] = useState<Filters>(NONE);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [confirming, setConfirming] = useState(false);
  const canManage = info.rights.includes(RIGHTS.allManage);
  const nowMs = Date.now();
  const owners = useMemo(() => {
    const byId = new Map<string, string>();
    for (const p of pats.data ?? []) byId.set(p.owner.id, p.owner.name);
    return [...byId].sort((a, b) => a[1].localeCompare(b[1]));
  }, [pats.data]);
  const scopes = useMemo(
    () => [...new Set((pats.data ?? []).flatMap((p) => p.scope))].sort(),
    [pats.data],
  );
  const shown = (pats.data ?? []).filter((p) => applies(p, filters, nowMs));
  const chosen = shown.filter((p) => selected.has(p.id));

  const bulkDelete = useMutation({
    mutationFn: async (ids: string[]) => {
      const failed: string[] = [];
      for (const id of ids) {
        try {
          await deletePat(id);
        } catch (e) {
          failed.push(messageOf(e));
        }
      }
      if (failed.length > 0) throw new Error(`${failed.length} could not be deleted: ${failed[0]}`);
    },
    onSettled: async () => {
      setSelected(new Set());
      await queries.invalidateQueries({ queryKey: ['pats'] });
    },
    onSuccess: (_, ids) => {
      setConfirming(false);
      announce(`Deleted ${plural(ids.length, 'token')}.`);
    },
  });

  const set = (patch: Partial<Filters>) => {
    setFilters({ ...filters, ...patch });
    setSelected(new Set());
  };

  return (
    <>
      <PageHeader
        title="All tokens"
        description="Every personal access token, across owners. Filter for the stale ones and clean up."
        actions={
          canManage && (
            <button
              type="button"
              className="button danger"
              disabled={chosen.length === 0}
              onClick={() => {
                bulkDelete.reset();
                setConfirming(true);
              }}
            >
              Delete selected ({chosen.length})
            </button>
          )
        }
      />
      <form className="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input
            type="search"
            value={filters.search}
            onChange={(e) => set({ search: e.target.value })}
          />
        </label>
        <label>
          Owner
          <select value={filters.owner} onChange={(e) => set({ owner: e.target.value })}>
            <option value="">Anyone</option>
            {owners.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Scope
          <select value={filters.scope} onChange={(e) => set({ scope: e.target.value })}>
            <option value="">Any scope</option>
            {scopes.map((scope) => (
              <option key={scope} value={scope}>
                {scope}
              </option>
            ))}
          </select>
        </label>
        <label>
          Unused for at least (days)
          <input
            type="number"
            min={1}
            inputMode="numeric"
            value={filters.unusedDays}
            onChange={(e) => set({ unusedDays: e.target.value })}
          />
        </label>
        <label>
          Expiring within (days)
          <input
            type="number"
            min={0}
            inputMode="numeric"
            value={filters.expiringDays}
            onChange={(e) => set({ expiringDays: e.target.value })}
          />
        </label>
        <label className="check-row">
          <input
            type="checkbox"
            checked={filters.neverUsed}
            onChange={(e) => set({ neverUsed: e.target.checked })}
          />
          <span>Never used</span>
        </label>
        <label className="check-row">
          <input
            type="checkbox"
            checked={filters.managed}
            onChange={(e) => set({ managed: e.target.checked })}
          />
          <span>Managed only</span>
        </label>
        <button type="button" className="button secondary small" onClick={() => set(NONE)}>
          Clear filters
        </button>
      </form>
      {pats.isError && <ErrorNote error={pats.error} />}
      {pats.isPending && <p className="loading">Loading tokens…</p>}
      <p className="muted small" aria-live="polite">
        {pats.data ? `${shown.length} of ${plural(pats.data.length, 'token')}` : ''}
      </p>
      {pats.data && shown.length === 0 && (
        <EmptyState title="Nothing to clean up">
          <p>No token matches these filters.</p>
        </EmptyState>
      )}
      {shown.length > 0 && (
        <TokenTable
          pats={shown}
          caption="All personal access tokens"
          expiringSoonDays={info.policy.expiringSoonDays}
          showOwner
          {...(canManage && {
            selected,
            onSelect: (id: string, on: boolean) => setSelected(toggled(selected, id, on)),
            onSelectAll: (on: boolean) =>
              setSelected(on ? new Set(shown.map((p) => p.id)) : new Set()),
          })}
        />
      )}
      <ConfirmDialog
        open={confirming}
        title={`Delete ${plural(chosen.length, 'token')}?`}
        onClose={() => setConfirming(false)}
        tone="danger"
        label={<>Delete {plural(chosen.length, 'token')}</>}
        busy={bulkDelete.isPending}
        error={bulkDelete.error && messageOf(bulkDelete.error)}
        onConfirm={() => bulkDelete.mutate(chosen.map((p) => p.id))}
      >
        <p>
          Whatever uses these tokens will be refused from now on, and their access tokens stop
          working on Patina’s API at once. Their owners are not asked. This cannot be undone.
        </p>
        <ul className="plain-list">
          {chosen.slice(0, 8).map((p) => (
            <li key={p.id}>
              <strong>{p.name}</strong> <span className="muted">— {p.owner.name}</span>
            </li>
          ))}
          {chosen.length > 8 && <li className="muted">and {chosen.length - 8} more</li>}
        </ul>
      </ConfirmDialog>
    </>
  );
}

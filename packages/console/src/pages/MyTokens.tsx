import type { PatRequest } from '@patina/contract';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { RIGHTS, type SessionInfo } from '../api.js';
import { Dialog, EmptyState, ErrorNote, PageHeader } from '../components.js';
import { listPats, matches } from '../tokens.js';
import { ApprovalRequiredDialog } from './ApprovalRequired.js';
import { NewTokenForm } from './NewToken.js';
import { useTokenActions } from './TokenActions.js';
import { TokenTable } from './TokenTable.js';
import { plural } from '../format.js';
import { RowButton } from '../table.js';

export function MyTokens({ info }: { info: SessionInfo }) {
  const pats = useQuery({ queryKey: ['pats', 'me'], queryFn: () => listPats('me') });
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const [pending, setPending] = useState<PatRequest | null>(null);
  const queries = useQueryClient();
  const canManage = info.rights.includes(RIGHTS.myManage);
  const actions = useTokenActions({ info });

  const shown = (pats.data ?? []).filter((p) => matches(p, search));
  return (
    <>
      <PageHeader
        title="My tokens"
        description="Personal access tokens let scripts and tools act as you, with only the scopes you give them."
        actions={
          canManage && (
            <button type="button" className="button primary" onClick={() => setCreating(true)}>
              New token
            </button>
          )
        }
      />
      {pats.isError && <ErrorNote error={pats.error} />}
      {pats.data && pats.data.length > 0 && (
        <div className="toolbar">
          <label className="search">
            <span className="visually-hidden">Search tokens</span>
            <input
              type="search"
              placeholder="Search tokens"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          </label>
          <span className="muted small" aria-live="polite">
            {shown.length} of {plural(pats.data.length, 'token')}
          </span>
        </div>
      )}
      {pats.isPending && <p className="loading">Loading tokens…</p>}
      {pats.data && pats.data.length === 0 && (
        <EmptyState title="No tokens yet">
          <p>Create a token for each script or tool, with only the scopes it needs.</p>
          {canManage && (
            <button type="button" className="button primary" onClick={() => setCreating(true)}>
              Create your first token
            </button>
          )}
        </EmptyState>
      )}
      {pats.data && pats.data.length > 0 && shown.length === 0 && (
        <EmptyState title="No token matches">
          <p>Nothing matches “{search}”.</p>
        </EmptyState>
      )}
      {shown.length > 0 && (
        <TokenTable
          pats={shown}
          caption="Your personal access tokens"
          expiringSoonDays={info.policy.expiringSoonDays}
          actions={
            canManage
              ? (pat) => (
                  <>
                    <RowButton label={`Edit ${pat.name}`} onClick={() => actions.edit(pat)}>
                      Edit
                    </RowButton>
                    <RowButton label={`Rotate ${pat.name}`} onClick={() => actions.rotate(pat)}>
                      Rotate
                    </RowButton>
                    <RowButton
                      label={`Delete ${pat.name}`}
                      tone="danger"
                      onClick={() => actions.remove(pat)}
                    >
                      Delete
                    </RowButton>
                  </>
                )
              : undefined
          }
        />
      )}

      <Dialog open={creating} title="New token" onClose={() => setCreating(false)} wide>
        <NewTokenForm
          info={info}
          onCancel={() => setCreating(false)}
          onCreated={(pat) => {
            setCreating(false);
            actions.showSecret(pat, 'Token created');
            void pats.refetch();
          }}
          onPending={(request) => {
            setCreating(false);
            setPending(request);
            void queries.invalidateQueries({ queryKey: ['pat-requests'] });
          }}
        />
      </Dialog>
      <ApprovalRequiredDialog request={pending} onClose={() => setPending(null)} />

      {actions.dialogs}
    </>
  );
}

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { RIGHTS, type SessionInfo } from '../api.js';
import { Dialog, EmptyState, ErrorNote, PageHeader } from '../components.js';
import {
  deletePat,
  listPats,
  matches,
  rotatePat,
  updatePat,
  type NewPat,
  type Pat,
} from '../tokens.js';
import { NewTokenForm } from './NewToken.js';
import { SecretShown } from './SecretShown.js';
import { TokenTable } from './TokenTable.js';

const GRACE = [
  { seconds: 0, label: 'None: the old secret stops now' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 604_800, label: '7 days' },
];

export function MyTokens({ info }: { info: SessionInfo }) {
  const queries = useQueryClient();
  const pats = useQuery({ queryKey: ['pats', 'me'], queryFn: () => listPats('me') });
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<{ pat: NewPat; title: string } | null>(null);
  const [deleting, setDeleting] = useState<Pat | null>(null);
  const [rotating, setRotating] = useState<Pat | null>(null);
  const [grace, setGrace] = useState(0);
  const [editing, setEditing] = useState<Pat | null>(null);
  const canManage = info.rights.includes(RIGHTS.myManage);
  const refresh = () => queries.invalidateQueries({ queryKey: ['pats'] });

  const remove = useMutation({
    mutationFn: (id: string) => deletePat(id),
    onSuccess: async () => {
      setDeleting(null);
      await refresh();
    },
  });
  const edit = useMutation({
    mutationFn: (input: { id: string; name: string; description: string }) =>
      updatePat(input.id, input),
    onSuccess: async () => {
      setEditing(null);
      await refresh();
    },
  });
  const rotate = useMutation({
    mutationFn: (input: { id: string; grace: number }) => rotatePat(input.id, input.grace),
    onSuccess: async (pat) => {
      setRotating(null);
      setSecret({ pat, title: 'Token rotated' });
      await refresh();
    },
  });

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
            {shown.length} of {pats.data.length} tokens
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
          actions={
            canManage
              ? (pat) => (
                  <>
                    <button
                      type="button"
                      className="button secondary small"
                      aria-label={`Edit ${pat.name}`}
                      onClick={() => {
                        edit.reset();
                        setEditing(pat);
                      }}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      className="button secondary small"
                      aria-label={`Rotate ${pat.name}`}
                      onClick={() => {
                        setGrace(0);
                        rotate.reset();
                        setRotating(pat);
                      }}
                    >
                      Rotate
                    </button>
                    <button
                      type="button"
                      className="button danger small"
                      aria-label={`Delete ${pat.name}`}
                      onClick={() => {
                        remove.reset();
                        setDeleting(pat);
                      }}
                    >
                      Delete
                    </button>
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
            setSecret({ pat, title: 'Token created' });
            void refresh();
          }}
        />
      </Dialog>

      <Dialog
        open={editing !== null}
        title={`Edit ${editing?.name ?? ''}`}
        onClose={() => setEditing(null)}
      >
        {editing && (
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault();
              const data = new FormData(e.currentTarget);
              edit.mutate({
                id: editing.id,
                name: field(data, 'name'),
                description: field(data, 'description'),
              });
            }}
          >
            <label>
              Name
              <input name="name" required maxLength={128} defaultValue={editing.name} />
            </label>
            <label>
              Description
              <textarea
                name="description"
                rows={2}
                maxLength={1000}
                defaultValue={editing.description}
              />
            </label>
            <ErrorNote error={edit.error} />
            <div className="dialog-actions">
              <button type="button" className="button secondary" onClick={() => setEditing(null)}>
                Cancel
              </button>
              <button type="submit" className="button primary" disabled={edit.isPending}>
                Save
              </button>
            </div>
          </form>
        )}
      </Dialog>

      <Dialog
        open={secret !== null}
        title={secret?.title ?? ''}
        onClose={() => setSecret(null)}
        wide
      >
        {secret && <SecretShown pat={secret.pat} baseUrl={info.baseUrl} />}
        <div className="dialog-actions">
          <button type="button" className="button primary" onClick={() => setSecret(null)}>
            I have stored the secret
          </button>
        </div>
      </Dialog>

      <Dialog
        open={deleting !== null}
        title={`Delete ${deleting?.name ?? ''}?`}
        onClose={() => setDeleting(null)}
      >
        <p>
          Anything that uses this token — scripts, CI jobs, tools — will be refused from now on. Its
          access tokens stop working on Patina’s API at once. This cannot be undone.
        </p>
        <ErrorNote error={remove.error} />
        <div className="dialog-actions">
          <button
            type="button"
            className="button secondary"
            onClick={() => setDeleting(null)}
            autoFocus
          >
            Cancel
          </button>
          <button
            type="button"
            className="button danger"
            disabled={remove.isPending}
            onClick={() => deleting && remove.mutate(deleting.id)}
          >
            Delete token
          </button>
        </div>
      </Dialog>

      <Dialog
        open={rotating !== null}
        title={`Rotate ${rotating?.name ?? ''}?`}
        onClose={() => setRotating(null)}
      >
        <p>
          The token gets a new secret, shown once. Its id, scopes and expiry stay the same. Update
          everything that uses the old secret.
        </p>
        <fieldset>
          <legend>Keep the old secret working for</legend>
          {GRACE.map((g) => (
            <label key={g.seconds} className="check-row">
              <input
                type="radio"
                name="grace"
                checked={grace === g.seconds}
                onChange={() => setGrace(g.seconds)}
              />
              <span>{g.label}</span>
            </label>
          ))}
        </fieldset>
        <ErrorNote error={rotate.error} />
        <div className="dialog-actions">
          <button type="button" className="button secondary" onClick={() => setRotating(null)}>
            Cancel
          </button>
          <button
            type="button"
            className="button primary"
            disabled={rotate.isPending}
            onClick={() => rotating && rotate.mutate({ id: rotating.id, grace })}
          >
            Rotate secret
          </button>
        </div>
      </Dialog>
    </>
  );
}

/** A text field of a submitted form, trimmed. */
function field(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

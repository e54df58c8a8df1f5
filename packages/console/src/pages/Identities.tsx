import type { Identity, OffboardResponse } from '@patina/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { messageOf, patina, RIGHTS, type SessionInfo } from '../api.js';
import { ConfirmActions, Dialog, ErrorNote, PageHeader } from '../components.js';
import { plural, relativeTime } from '../format.js';
import type { NewPat } from '../tokens.js';
import { FirstTokenHandover, NewIdentityForm, type Onboarded } from './NewIdentity.js';
import { DataTable, RowButton } from '../table.js';
import { IdentitiesTabs } from './IdentitiesTabs.js';

function offboard(id: string, dryRun: boolean): Promise<OffboardResponse> {
  return patina.identities.offboard(id, { dryRun });
}

export function Identities({ info }: { info: SessionInfo }) {
  const queries = useQueryClient();
  const identities = useQuery({
    queryKey: ['identities'],
    queryFn: () => patina.identities.list({ limit: 250 }),
  });
  const [creating, setCreating] = useState(false);
  const [leaving, setLeaving] = useState<{ identity: Identity; preview: OffboardResponse } | null>(
    null,
  );
  const [editingRoles, setEditingRoles] = useState<Identity | null>(null);
  const [handover, setHandover] = useState<(Onboarded & { pat: NewPat }) | null>(null);
  const canManage = info.rights.includes(RIGHTS.allManage);
  const refresh = () => queries.invalidateQueries({ queryKey: ['identities'] });

  const setStatus = useMutation({
    mutationFn: (input: { id: string; status: 'ACTIVE' | 'DISABLED' }) =>
      patina.identities.update(input.id, { status: input.status }),
    onSuccess: refresh,
  });
  const saveRoles = useMutation({
    mutationFn: (input: { id: string; roles: string[] }) =>
      patina.identities.update(input.id, { roles: input.roles }),
    onSuccess: async () => {
      setEditingRoles(null);
      await refresh();
    },
  });
  const preview = useMutation({
    mutationFn: async (identity: Identity) => ({
      identity,
      preview: await offboard(identity.id, true),
    }),
    onSuccess: (result) => setLeaving(result),
  });
  const confirmOffboard = useMutation({
    mutationFn: (id: string) => offboard(id, false),
    onSuccess: async () => {
      setLeaving(null);
      await refresh();
      await queries.invalidateQueries({ queryKey: ['pats'] });
    },
  });

  return (
    <>
      <IdentitiesTabs />
      <PageHeader
        title="Identities"
        description="The people and services that own tokens."
        actions={
          canManage && (
            <button type="button" className="button primary" onClick={() => setCreating(true)}>
              New identity
            </button>
          )
        }
      />
      <ErrorNote error={identities.error ?? setStatus.error ?? preview.error} />
      {identities.data && (
        <DataTable
          caption="Identities"
          columns={['Name', 'Login', 'Roles', 'Status', 'Created']}
          actions={canManage && 'Actions'}
        >
          {identities.data.map((identity) => (
            <tr key={identity.id}>
              <td data-label="Name">
                <div className="name">{identity.name}</div>
                {identity.email && <div className="muted small">{identity.email}</div>}
                {identity.directoryManaged && (
                  <span
                    className="tag"
                    title="Provisioned by the directory over SCIM: its name, login and roles change only there"
                  >
                    Directory
                  </span>
                )}
              </td>
              <td data-label="Login">
                <code>{identity.login}</code>
              </td>
              <td data-label="Roles">{identity.roles.join(', ') || '—'}</td>
              <td data-label="Status">
                <span
                  className={`badge ${identity.status === 'ACTIVE' ? 'badge-active' : 'badge-expired'}`}
                >
                  {identity.status === 'ACTIVE' ? 'Active' : 'Disabled'}
                </span>
              </td>
              <td data-label="Created">{relativeTime(identity.created)}</td>
              {canManage && (
                <td className="row-actions">
                  {/* Not on yourself: one click could take away your own administration. */}
                  {identity.id !== info.identity.id && (
                    <>
                      {/* The directory owns a directory-managed identity's roles (SCIM groups). */}
                      {!identity.directoryManaged && (
                        <RowButton
                          label={`Roles of ${identity.name}`}
                          onClick={() => {
                            saveRoles.reset();
                            setEditingRoles(identity);
                          }}
                        >
                          Roles
                        </RowButton>
                      )}
                      <RowButton
                        label={`${identity.status === 'ACTIVE' ? 'Disable' : 'Enable'} ${identity.name}`}
                        onClick={() =>
                          setStatus.mutate({
                            id: identity.id,
                            status: identity.status === 'ACTIVE' ? 'DISABLED' : 'ACTIVE',
                          })
                        }
                      >
                        {identity.status === 'ACTIVE' ? 'Disable' : 'Enable'}
                      </RowButton>
                      <RowButton
                        label={`Offboard ${identity.name}`}
                        tone="danger"
                        onClick={() => preview.mutate(identity)}
                      >
                        Offboard
                      </RowButton>
                    </>
                  )}
                </td>
              )}
            </tr>
          ))}
        </DataTable>
      )}
      <Dialog
        open={editingRoles !== null}
        title={`Roles of ${editingRoles?.name ?? ''}`}
        onClose={() => setEditingRoles(null)}
      >
        {editingRoles && (
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault();
              const data = new FormData(e.currentTarget);
              saveRoles.mutate({
                id: editingRoles.id,
                roles: info.roles.filter((role) => data.get(role) === 'on'),
              });
            }}
          >
            <fieldset>
              <legend>Roles</legend>
              {info.roles.map((role) => (
                <label key={role} className="check-row">
                  <input
                    type="checkbox"
                    name={role}
                    defaultChecked={editingRoles.roles.includes(role)}
                  />
                  <span>{role}</span>
                </label>
              ))}
            </fieldset>
            <p className="muted small">A role taken away takes effect at once, on every token.</p>
            <ErrorNote error={saveRoles.error} />
            <div className="dialog-actions">
              <button
                type="button"
                className="button secondary"
                onClick={() => setEditingRoles(null)}
              >
                Cancel
              </button>
              <button type="submit" className="button primary" disabled={saveRoles.isPending}>
                Save roles
              </button>
            </div>
          </form>
        )}
      </Dialog>
      <Dialog open={creating} title="New identity" onClose={() => setCreating(false)}>
        <NewIdentityForm
          info={info}
          onCancel={() => {
            // The identity may exist already, made before its first token failed.
            setCreating(false);
            void refresh();
          }}
          onDone={(result) => {
            setCreating(false);
            if (result.pat) setHandover({ ...result, pat: result.pat });
            void refresh();
          }}
        />
      </Dialog>
      <Dialog
        open={handover !== null}
        title={`First token of ${handover?.identity.name ?? ''}`}
        onClose={() => setHandover(null)}
        wide
      >
        {handover && <FirstTokenHandover onboarded={handover} baseUrl={info.baseUrl} />}
        <div className="dialog-actions">
          <button type="button" className="button primary" onClick={() => setHandover(null)}>
            I have handed it over
          </button>
        </div>
      </Dialog>
      <Dialog
        open={leaving !== null}
        title={`Offboard ${leaving?.identity.name ?? ''}?`}
        onClose={() => setLeaving(null)}
      >
        {leaving && (
          <>
            <p>
              {leaving.preview.revoked.length === 0
                ? 'They hold no tokens. '
                : `${plural(leaving.preview.revoked.length, 'token')} will be revoked at once, managed ones too; whatever uses ${leaving.preview.revoked.length === 1 ? 'it' : 'them'} stops working. `}
              {leaving.preview.disabled &&
                'The identity will be disabled and signed out of the console.'}
            </p>
            <ul className="plain-list">
              {leaving.preview.revoked.map((p) => (
                <li key={p.id}>
                  <strong>{p.name}</strong>
                  {p.managed && <span className="tag"> Managed</span>}
                </li>
              ))}
            </ul>
            <ErrorNote error={confirmOffboard.error && messageOf(confirmOffboard.error)} />
            <ConfirmActions
              tone="danger"
              onCancel={() => setLeaving(null)}
              busy={confirmOffboard.isPending}
              onConfirm={() => confirmOffboard.mutate(leaving.identity.id)}
              label="Offboard"
            />
          </>
        )}
      </Dialog>
    </>
  );
}

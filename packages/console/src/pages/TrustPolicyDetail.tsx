import type { TrustPolicy } from '@patina/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { RIGHTS, trustPolicies, type SessionInfo } from '../api.js';
import {
  ConfirmDialog,
  CopyButton,
  Dialog,
  ErrorNote,
  PageHeader,
  useNotice,
} from '../components.js';
import { CodeList, Fact, When } from '../table.js';
import { EnabledBadge, identityText } from './TrustPolicies.js';
import { EditTrustPolicyForm } from './TrustPolicyEdit.js';
import { duration, TEMPLATE_LABELS } from './TrustPolicyFields.js';

/** One trust policy in full, and what an administrator can do to it: edit, disable, delete. */
export function TrustPolicyDetail({ info }: { info: SessionInfo }) {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const queries = useQueryClient();
  const announce = useNotice();
  const policy = useQuery({
    queryKey: ['trust-policies', 'one', id],
    queryFn: () => trustPolicies.get(id),
  });
  const [editing, setEditing] = useState(false);
  const [disabling, setDisabling] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const canManage = info.rights.includes(RIGHTS.allManage);
  const refresh = () => queries.invalidateQueries({ queryKey: ['trust-policies'] });

  const setEnabled = useMutation({
    mutationFn: (enabled: boolean) => trustPolicies.update(id, { enabled }),
    onSuccess: async (saved) => {
      setDisabling(false);
      announce(
        saved.enabled
          ? `Enabled “${saved.name}”.`
          : `Disabled “${saved.name}”: its access tokens are refused.`,
      );
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: () => trustPolicies.delete(id),
    onSuccess: async () => {
      announce(`Deleted “${policy.data?.name ?? ''}”.`);
      setDeleting(false);
      queries.removeQueries({ queryKey: ['trust-policies', 'one', id] });
      await refresh();
      await navigate('/admin/trust-policies');
    },
  });

  return (
    <>
      <p className="small">
        <Link to="/admin/trust-policies">← Trust policies</Link>
      </p>
      {policy.isPending && <p className="loading">Loading trust policy…</p>}
      <ErrorNote error={policy.error} />
      {policy.data && (
        <>
          <PageHeader
            title={policy.data.name}
            actions={
              canManage && (
                <>
                  <button
                    type="button"
                    className="button secondary"
                    onClick={() => setEditing(true)}
                  >
                    Edit
                  </button>
                  {policy.data.enabled ? (
                    <button
                      type="button"
                      className="button secondary"
                      onClick={() => {
                        setEnabled.reset();
                        setDisabling(true);
                      }}
                    >
                      Disable
                    </button>
                  ) : (
                    <button
                      type="button"
                      className="button secondary"
                      disabled={setEnabled.isPending}
                      onClick={() => setEnabled.mutate(true)}
                    >
                      Enable
                    </button>
                  )}
                  <button
                    type="button"
                    className="button danger"
                    onClick={() => {
                      remove.reset();
                      setDeleting(true);
                    }}
                  >
                    Delete
                  </button>
                </>
              )
            }
          />
          <ErrorNote error={disabling ? null : setEnabled.error} />
          <Facts policy={policy.data} />
          <Dialog
            open={editing}
            title={`Edit ${policy.data.name}`}
            onClose={() => setEditing(false)}
            wide
          >
            <EditTrustPolicyForm
              policy={policy.data}
              info={info}
              onCancel={() => setEditing(false)}
              onSaved={(saved) => {
                setEditing(false);
                announce(`Saved “${saved.name}”.`);
                void refresh();
              }}
            />
          </Dialog>
          <ConfirmDialog
            open={disabling}
            title="Disable this trust policy?"
            onClose={() => setDisabling(false)}
            tone="danger"
            label="Disable trust policy"
            busy={setEnabled.isPending}
            error={disabling ? setEnabled.error : null}
            onConfirm={() => setEnabled.mutate(false)}
          >
            <p>
              Workloads can no longer exchange their tokens through{' '}
              <strong>{policy.data.name}</strong>, and the access tokens it issued are refused
              everywhere at once. Enable it again to let new exchanges through.
            </p>
          </ConfirmDialog>
          <ConfirmDialog
            open={deleting}
            title="Delete this trust policy?"
            onClose={() => setDeleting(false)}
            tone="danger"
            label="Delete trust policy"
            busy={remove.isPending}
            error={remove.error}
            onConfirm={() => remove.mutate()}
          >
            <p>
              <strong>{policy.data.name}</strong> is deleted: workloads that use it (
              <code>{policy.data.issuer}</code>) can no longer get access tokens, and those it
              issued are refused at once. This cannot be undone.
            </p>
          </ConfirmDialog>
        </>
      )}
    </>
  );
}

/** Every field the API gives. */
function Facts({ policy }: { policy: TrustPolicy }) {
  return (
    <dl className="facts">
      <Fact term="ID">
        <div className="copy-row">
          <code className="mono">{policy.id}</code>
          <CopyButton text={policy.id} label="Copy trust policy ID" />
        </div>
      </Fact>
      <Fact term="Status">
        <EnabledBadge policy={policy} />
      </Fact>
      <Fact term="Platform">
        {policy.template ? TEMPLATE_LABELS[policy.template] : <span>Custom</span>}
      </Fact>
      <Fact term="Issuer">
        <code className="break-anywhere">{policy.issuer}</code>
      </Fact>
      <Fact term="Key set URL">
        {policy.jwksUri ? (
          <code className="break-anywhere">{policy.jwksUri}</code>
        ) : (
          <span className="muted">From the issuer’s discovery document</span>
        )}
      </Fact>
      <Fact term="Audience">
        <code className="break-anywhere">{policy.audience}</code>
      </Fact>
      <Fact term="Conditions">
        <ul className="plain-list">
          {Object.entries(policy.conditions).map(([claim, value]) => (
            <li key={claim}>
              <code>{claim}</code> ={' '}
              {(Array.isArray(value) ? value : [value]).map((one, i) => (
                <span key={one}>
                  {i > 0 && <span className="muted"> or </span>}
                  <code className="break-anywhere">{one}</code>
                </span>
              ))}
            </li>
          ))}
        </ul>
      </Fact>
      <Fact term="Acts as">
        {identityText(policy)}
        {policy.identityName && <code className="muted small">{policy.identityId}</code>}
      </Fact>
      <Fact term="Scopes">
        <CodeList items={policy.scope} />
      </Fact>
      <Fact term="Access-token lifetime">At most {duration(policy.maxTokenLifetimeSeconds)}</Fact>
      <Fact term="DPoP">
        {policy.requireDpop ? (
          'Required — bound tokens only'
        ) : (
          <span className="muted">Optional</span>
        )}
      </Fact>
      <Fact term="Last used">
        {policy.lastUsed ? <When iso={policy.lastUsed} /> : <span className="muted">Never</span>}
      </Fact>
      <Fact term="Created">
        <When iso={policy.created} />
      </Fact>
      <Fact term="Modified">
        <When iso={policy.modified} />
      </Fact>
    </dl>
  );
}

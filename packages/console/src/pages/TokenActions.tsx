import type { PatRequest } from '@patina/contract';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type ReactNode } from 'react';
import type { SessionInfo } from '../api.js';
import {
  ConfirmDialog,
  Dialog,
  ErrorNote,
  FormActions,
  SecretDialog,
  useNotice,
} from '../components.js';
import { cidrEntries } from '../cidr.js';
import { dayOf, endOfDayWithin, expiryCap } from '../expiry.js';
import { deletePat, rotatePat, updatePat, type NewPat, type Pat } from '../tokens.js';
import { CidrField, cidrsValid, ExpiryHint, ScopeFieldset } from './TokenFields.js';
import { SecretShown } from './SecretShown.js';
import { DpopDialog } from './TokenDpop.js';
import { ApprovalRequiredDialog } from './ApprovalRequired.js';

const GRACE = [
  { seconds: 0, label: 'None: the old secret stops now' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '1 day' },
  { seconds: 604_800, label: '7 days' },
];

export interface TokenActions {
  edit: (pat: Pat) => void;
  rotate: (pat: Pat) => void;
  remove: (pat: Pat) => void;
  /** Turn requireDpop on or off, behind a dialog that says what it ends. */
  dpop: (pat: Pat) => void;
  showSecret: (pat: NewPat, title: string) => void;
  /** The dialogs, rendered once by the page. */
  dialogs: ReactNode;
}

/** Edit, rotate and delete a PAT behind their dialogs, and show a new secret once: one place. */
export function useTokenActions(props: {
  info: SessionInfo;
  onDeleted?: () => void;
}): TokenActions {
  const queries = useQueryClient();
  const [secret, setSecret] = useState<{ pat: NewPat; title: string } | null>(null);
  const [deleting, setDeleting] = useState<Pat | null>(null);
  const [rotating, setRotating] = useState<Pat | null>(null);
  const [grace, setGrace] = useState(0);
  const [editing, setEditing] = useState<Pat | null>(null);
  const [dpop, setDpop] = useState<Pat | null>(null);
  const [pending, setPending] = useState<PatRequest | null>(null);
  const refresh = () => queries.invalidateQueries({ queryKey: ['pats'] });
  const announce = useNotice();

  const remove = useMutation({
    mutationFn: (id: string) => deletePat(id),
    onSuccess: async () => {
      announce(`Deleted “${deleting?.name ?? ''}”: it can no longer be used.`);
      setDeleting(null);
      props.onDeleted?.();
      await refresh();
    },
  });
  const rotate = useMutation({
    mutationFn: (input: { id: string; grace: number }) => rotatePat(input.id, input.grace),
    onSuccess: async (pat) => {
      announce(`Rotated “${pat.name}”: store the new secret shown now.`);
      setRotating(null);
      setSecret({ pat, title: 'Token rotated' });
      await refresh();
    },
  });

  const dialogs = (
    <>
      <Dialog
        open={editing !== null}
        title={`Edit ${editing?.name ?? ''}`}
        onClose={() => setEditing(null)}
        wide
      >
        {editing && (
          <EditTokenForm
            key={editing.id}
            pat={editing}
            info={props.info}
            onCancel={() => setEditing(null)}
            onSaved={() => {
              setEditing(null);
              void refresh();
            }}
            onPending={(request) => {
              setEditing(null);
              setPending(request);
              void queries.invalidateQueries({ queryKey: ['pat-requests'] });
            }}
          />
        )}
      </Dialog>
      <ApprovalRequiredDialog request={pending} onClose={() => setPending(null)} />

      <SecretDialog
        open={secret !== null}
        title={secret?.title ?? ''}
        onClose={() => setSecret(null)}
        wide
      >
        {secret && <SecretShown pat={secret.pat} baseUrl={props.info.baseUrl} />}
      </SecretDialog>

      <ConfirmDialog
        open={deleting !== null}
        title={`Delete ${deleting?.name ?? ''}?`}
        onClose={() => setDeleting(null)}
        tone="danger"
        label="Delete token"
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
      >
        <p>
          Anything that uses this token — scripts, CI jobs, tools — will be refused from now on. Its
          access tokens stop working on Patina’s API at once. This cannot be undone.
        </p>
      </ConfirmDialog>

      <DpopDialog
        pat={dpop}
        sessionPatId={props.info.patId}
        onClose={() => setDpop(null)}
        onSaved={(pat) => {
          announce(
            pat.requireDpop
              ? `“${pat.name}” now issues DPoP-bound tokens only.`
              : `“${pat.name}” may issue Bearer tokens again.`,
          );
          setDpop(null);
          void refresh();
        }}
      />

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

  return {
    edit: setEditing,
    rotate: (pat) => {
      setGrace(0);
      rotate.reset();
      setRotating(pat);
    },
    remove: (pat) => {
      remove.reset();
      setDeleting(pat);
    },
    dpop: setDpop,
    showSecret: (pat, title) => setSecret({ pat, title }),
    dialogs,
  };
}

/**
 * Everything a merge patch changes: name, description, allowed addresses, scopes and expiry. The
 * access-token lifetime is set at creation only (the patch does not take it). The expiry is capped
 * as the server caps it, from when the PAT was made, by the policy and the rules its scopes bind.
 */
function EditTokenForm(props: {
  pat: Pat;
  info: SessionInfo;
  onCancel: () => void;
  onSaved: () => void;
  /** An added scope needs an approver's yes: nothing changed yet (202). */
  onPending: (request: PatRequest) => void;
}) {
  const { pat, info } = props;
  const [cidrs, setCidrs] = useState((pat.allowedCidrs ?? []).join('\n'));
  const [chosen, setChosen] = useState<Set<string>>(new Set(pat.scope));
  const expiresOn = pat.expirationDate?.slice(0, 10) ?? '';
  const [expiry, setExpiry] = useState(expiresOn);
  const [never, setNever] = useState(pat.expirationDate === null);
  const cap = expiryCap(info.policy, chosen, Date.parse(pat.created));
  const latest = dayOf(cap.latestMs);
  const today = dayOf(Date.now());
  // A PAT made under an older policy keeps the expiry it has, unless new scopes bring it under a
  // rule (the server checks the expiry it has against the rules a scope change binds).
  const scopesChanged = [...chosen].join(' ') !== pat.scope.join(' ');
  const keeps = expiresOn !== '' && !(scopesChanged && cap.byRule);
  // Checked against the rules when it becomes never-expiring, or when its scopes change.
  const neverRefusedBy =
    never && (scopesChanged || pat.expirationDate !== null) ? cap.neverExpiringRefusedBy : null;
  const hintId = useId();
  const edit = useMutation({
    mutationFn: (input: Parameters<typeof updatePat>[1]) => updatePat(pat.id, input),
    onSuccess: (result) => {
      if ('pending' in result) props.onPending(result.pending);
      else props.onSaved();
    },
  });
  const added = [...chosen].filter((scope) => !pat.scope.includes(scope));
  // Sent only when changed, so a PAT made under an older policy keeps the expiry it has.
  const newExpiry = (): string | null | undefined => {
    if (never) return pat.expirationDate === null ? undefined : null;
    if (pat.expirationDate !== null && expiry === expiresOn) return undefined;
    return endOfDayWithin(expiry, cap.latestMs);
  };
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        if (!cidrsValid(cidrs)) return;
        const data = new FormData(e.currentTarget);
        const expirationDate = newExpiry();
        edit.mutate({
          name: field(data, 'name'),
          description: field(data, 'description'),
          allowedCidrs: cidrEntries(cidrs),
          scope: [...chosen],
          ...(expirationDate !== undefined && { expirationDate }),
          ...(added.length > 0 && {
            justification: field(data, 'justification'),
            ticketUrl: field(data, 'ticketUrl'),
          }),
        });
      }}
    >
      <label>
        Name
        <input name="name" required maxLength={128} defaultValue={props.pat.name} />
      </label>
      <label>
        Description
        <textarea
          name="description"
          rows={2}
          maxLength={1000}
          defaultValue={props.pat.description}
        />
      </label>
      <ScopeFieldset scopes={info.scopes} chosen={chosen} onChange={setChosen} />
      {added.length > 0 && (
        <>
          <label>
            <span>
              Justification <span className="muted">(for sensitive scopes)</span>
            </span>
            <textarea name="justification" rows={2} maxLength={1000} />
            <span className="muted small">
              An added scope that needs approval waits for an approver, with this reason: required
              then.
            </span>
          </label>
          <label>
            <span>
              Ticket URL <span className="muted">(optional)</span>
            </span>
            <input name="ticketUrl" type="url" maxLength={2048} />
          </label>
        </>
      )}
      <fieldset>
        <legend>Expires</legend>
        {!never && (
          <label>
            Expiry date
            <input
              type="date"
              required
              // The expiry it has stays valid to submit, even outside today's bounds.
              min={keeps && expiresOn < today ? expiresOn : today}
              max={keeps && expiresOn > latest ? expiresOn : latest}
              aria-describedby={hintId}
              value={expiry}
              onChange={(e) => setExpiry(e.target.value)}
            />
          </label>
        )}
        {(info.policy.allowNeverExpiring || pat.expirationDate === null) && (
          <label className="check-row">
            <input type="checkbox" checked={never} onChange={(e) => setNever(e.target.checked)} />
            <span>Never expires</span>
          </label>
        )}
        <ExpiryHint
          id={hintId}
          cap={cap}
          counted=" after it was made"
          allowNeverExpiring={info.policy.allowNeverExpiring}
          expiringSoonDays={info.policy.expiringSoonDays}
        />
        {neverRefusedBy && (
          <p className="error" role="alert">
            Never expiring is not allowed for these scopes: {neverRefusedBy}. Give it an expiry
            date.
          </p>
        )}
      </fieldset>
      <CidrField value={cidrs} onChange={setCidrs} />
      <FormActions
        error={edit.error}
        onCancel={props.onCancel}
        disabled={
          edit.isPending || !cidrsValid(cidrs) || chosen.size === 0 || neverRefusedBy !== null
        }
      >
        Save
      </FormActions>
    </form>
  );
}

/** A text field of a submitted form, trimmed. */
function field(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

import { useMutation } from '@tanstack/react-query';
import { useId } from 'react';
import { patina } from '../api.js';
import { ConfirmDialog } from '../components.js';
import type { Pat } from '../tokens.js';

/**
 * Turns requireDpop on or off (RFC 7396 merge patch). The member exists on Patina's own PAT
 * resource only; the SailPoint surface has no such field.
 */
export async function setRequireDpop(id: string, requireDpop: boolean): Promise<Pat> {
  return (await patina.patinaPats.update(id, { requireDpop })) as Pat;
}

/** What requiring DPoP means, and what it costs: the console signs in with Bearer tokens. */
const MEANING =
  'Each exchange must carry a DPoP proof (RFC 9449), and the access tokens are bound to the proof’s key: sent as plain Bearer tokens, they are refused.';
const NO_CONSOLE =
  'The console signs in with Bearer tokens, so a token that requires DPoP cannot sign in to it.';

/**
 * The "Require DPoP" checkbox of a token's or a trust policy's form; its hint describes it, so
 * its name stays the label alone. The hint is a PAT's unless told.
 */
export function RequireDpopField(props: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: string;
}) {
  const hintId = useId();
  return (
    <div>
      <label className="check-row">
        <input
          type="checkbox"
          name="requireDpop"
          checked={props.checked}
          onChange={(e) => props.onChange(e.target.checked)}
          aria-describedby={hintId}
        />
        <span>Require DPoP (bound tokens only)</span>
      </label>
      <span id={hintId} className="muted small check-hint">
        {props.hint ?? `${MEANING} ${NO_CONSOLE}`}
      </span>
    </div>
  );
}

/** The detail view's DPoP value. */
export function DpopValue({ pat }: { pat: Pat }) {
  return pat.requireDpop ? (
    <>Required — bound tokens only</>
  ) : (
    <span className="muted">Optional</span>
  );
}

/**
 * Asks before turning requireDpop on or off. On ends the PAT's Bearer access tokens at once (and
 * the console session that signed in with it); off lets it issue Bearer tokens again.
 */
export function DpopDialog(props: {
  pat: Pat | null;
  /** The PAT this console session signed in with, if any. */
  sessionPatId: string | null;
  onClose: () => void;
  onSaved: (pat: Pat) => void;
}) {
  const { pat } = props;
  const on = !(pat?.requireDpop ?? false);
  const save = useMutation({
    mutationFn: (input: { id: string; requireDpop: boolean }) =>
      setRequireDpop(input.id, input.requireDpop),
    onSuccess: props.onSaved,
  });
  const close = () => {
    save.reset();
    props.onClose();
  };
  return (
    <ConfirmDialog
      open={pat !== null}
      title={`${on ? 'Require' : 'Stop requiring'} DPoP for ${pat?.name ?? ''}?`}
      onClose={close}
      tone={on ? 'danger' : 'primary'}
      label={on ? 'Require DPoP' : 'Stop requiring DPoP'}
      busy={save.isPending}
      error={save.error}
      onConfirm={() => pat && save.mutate({ id: pat.id, requireDpop: on })}
    >
      {on ? (
        <>
          <p>{MEANING}</p>
          <p>
            <strong>
              The access tokens this token has issued as Bearer tokens stop working at once.
            </strong>{' '}
            {NO_CONSOLE}
          </p>
          {pat?.id === props.sessionPatId && (
            <p className="error">You signed in with this token: this session ends too.</p>
          )}
        </>
      ) : (
        <p>
          Exchanges without a DPoP proof are accepted again, and the token can issue Bearer access
          tokens. Access tokens already bound to a key keep working with their proofs.
        </p>
      )}
    </ConfirmDialog>
  );
}

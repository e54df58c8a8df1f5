import type { TrustPolicy, TrustPolicyMergePatch } from '@patina/contract';
import { useState, type FormEvent } from 'react';
import { trustPolicies, type SessionInfo } from '../api.js';
import { FormActions } from '../components.js';
import {
  ConditionsEditor,
  conditionsOf,
  LifetimeSelect,
  RequireDpopCheckbox,
  rowsOf,
  ScopesWithError,
  TextField,
  useSubmission,
  type ConditionRow,
  type Field,
} from './TrustPolicyFields.js';

/** Only what the form changed: a merge patch of the fields that differ (RFC 7396). */
function patchOf(
  policy: TrustPolicy,
  edited: {
    name: string;
    scope: string[];
    maxTokenLifetimeSeconds: number;
    conditions: TrustPolicy['conditions'];
    requireDpop: boolean;
  },
): TrustPolicyMergePatch {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  return {
    ...(edited.name !== policy.name && { name: edited.name }),
    ...(!same([...edited.scope].sort(), [...policy.scope].sort()) && { scope: edited.scope }),
    ...(edited.maxTokenLifetimeSeconds !== policy.maxTokenLifetimeSeconds && {
      maxTokenLifetimeSeconds: edited.maxTokenLifetimeSeconds,
    }),
    ...(!same(edited.conditions, policy.conditions) && { conditions: edited.conditions }),
    ...(edited.requireDpop !== policy.requireDpop && { requireDpop: edited.requireDpop }),
  };
}

const EDIT_FIELDS: Field[] = ['name', 'conditions', 'scope', 'maxTokenLifetimeSeconds'];

/**
 * The Edit form of a trust policy: its name, conditions, scopes, lifetime and DPoP binding. A
 * change of conditions, scopes or binding ends the access tokens the policy issued before it (the
 * server's rule), and the form says so.
 */
export function EditTrustPolicyForm(props: {
  policy: TrustPolicy;
  info: SessionInfo;
  onSaved: (policy: TrustPolicy) => void;
  onCancel: () => void;
}) {
  const { policy } = props;
  const [name, setName] = useState(policy.name);
  const [rows, setRows] = useState<ConditionRow[]>(() => rowsOf(policy.conditions));
  const [chosen, setChosen] = useState<Set<string>>(new Set(policy.scope));
  const [lifetime, setLifetime] = useState(policy.maxTokenLifetimeSeconds);
  const [requireDpop, setRequireDpop] = useState(policy.requireDpop);
  const { fields, error, busy, send } = useSubmission();
  // Scopes the catalogue no longer lists stay on the policy until unticked.
  const catalogue = [
    ...props.info.scopes,
    ...policy.scope
      .filter((scope) => !props.info.scopes.some((s) => s.name === scope))
      .map((scope) => ({ name: scope, description: '' })),
  ];

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (chosen.size === 0) return fields.set('scope', 'Choose at least one scope.');
    if (rows.length === 0)
      return fields.set('conditions', 'Keep a condition that pins the workload.');
    await send(EDIT_FIELDS, async () => {
      const patch = patchOf(policy, {
        name: name.trim(),
        scope: catalogue.filter((s) => chosen.has(s.name)).map((s) => s.name),
        maxTokenLifetimeSeconds: lifetime,
        conditions: conditionsOf(rows),
        requireDpop,
      });
      props.onSaved(
        Object.keys(patch).length > 0 ? await trustPolicies.update(policy.id, patch) : policy,
      );
    });
  };

  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <TextField
        label="Name"
        maxLength={128}
        value={name}
        error={fields.errors.name}
        onChange={(value) => {
          setName(value);
          fields.clear('name');
        }}
      />
      <ConditionsEditor
        rows={rows}
        error={fields.errors.conditions}
        onChange={(next) => {
          setRows(next);
          fields.clear('conditions');
        }}
      />
      <ScopesWithError
        info={{ ...props.info, scopes: catalogue }}
        chosen={chosen}
        error={fields.errors.scope}
        onChange={(next) => {
          setChosen(next);
          fields.clear('scope');
        }}
      />
      <LifetimeSelect
        value={lifetime}
        error={fields.errors.maxTokenLifetimeSeconds}
        onChange={setLifetime}
      />
      <RequireDpopCheckbox checked={requireDpop} onChange={setRequireDpop} />
      <p className="muted small">
        A change of conditions, scopes or DPoP ends the access tokens this policy issued before it:
        workloads exchange their tokens again.
      </p>
      <FormActions error={error} onCancel={props.onCancel} disabled={busy}>
        {busy ? 'Saving…' : 'Save changes'}
      </FormActions>
    </form>
  );
}

import {
  GITHUB_ACTIONS_ISSUER,
  GITLAB_COM_ISSUER,
  TRUST_POLICY_TEMPLATES,
  type CreateTrustPolicyRequest,
  type TrustPolicy,
  type TrustPolicyTemplate,
} from '@patina/contract';
import { useState, type FormEvent, type ReactNode } from 'react';
import { trustPolicies, type SessionInfo } from '../api.js';
import { FormActions, Segmented } from '../components.js';
import {
  conditionRow,
  ConditionsEditor,
  conditionsOf,
  DEFAULT_LIFETIME_SECONDS,
  IdentitySelect,
  LifetimeSelect,
  RequireDpopCheckbox,
  ScopesWithError,
  TEMPLATE_LABELS,
  TextField,
  useSubmission,
  type ConditionRow,
  type Field,
} from './TrustPolicyFields.js';

type Choice = TrustPolicyTemplate | 'custom';

const CHOICES: { value: Choice; label: string }[] = [
  ...TRUST_POLICY_TEMPLATES.map((template) => ({
    value: template,
    label: TEMPLATE_LABELS[template],
  })),
  { value: 'custom', label: 'Custom' },
];

/** The fields each choice shows besides those every policy has. */
const OWN_FIELDS: Record<Choice, Field[]> = {
  'github-actions': ['repository', 'ref', 'environment'],
  'gitlab-ci': ['projectPath', 'issuer', 'ref', 'environment'],
  kubernetes: ['issuer', 'namespace', 'serviceAccount'],
  custom: ['issuer', 'jwksUri', 'conditions'],
};
const COMMON_FIELDS: Field[] = [
  'name',
  'audience',
  'identityId',
  'scope',
  'maxTokenLifetimeSeconds',
];

/** What the template fills in, said before the administrator fills in the rest. */
const TEMPLATE_HINTS: Record<Choice, ReactNode> = {
  'github-actions': (
    <>
      Trusts <code>{GITHUB_ACTIONS_ISSUER}</code> and pins the repository: only its workflows (on
      the ref or in the environment, if given) can use the policy.
    </>
  ),
  'gitlab-ci': (
    <>
      Trusts <code>{GITLAB_COM_ISSUER}</code> (or your own GitLab) and pins the project: only its
      pipelines (on the ref or in the environment, if given) can use the policy.
    </>
  ),
  kubernetes: (
    <>Trusts a cluster’s service-account issuer and pins one service account of one namespace.</>
  ),
  custom: <>Any OpenID issuer: name the claims its tokens must carry.</>,
};

/** The text fields of the create form, by name. */
interface Texts {
  name: string;
  repository: string;
  projectPath: string;
  ref: string;
  environment: string;
  namespace: string;
  serviceAccount: string;
  issuer: string;
  jwksUri: string;
  audience: string;
}

const EMPTY: Texts = {
  name: '',
  repository: '',
  projectPath: '',
  ref: '',
  environment: '',
  namespace: '',
  serviceAccount: '',
  issuer: '',
  jwksUri: '',
  audience: '',
};

/** Only the parameters the template takes, and only those filled in. */
function templateParameters(choice: TrustPolicyTemplate, texts: Texts) {
  const filled = (field: keyof Texts) => {
    const value = texts[field].trim();
    return value ? { [field]: value } : {};
  };
  return Object.assign({}, ...OWN_FIELDS[choice].map((f) => filled(f as keyof Texts))) as Record<
    string,
    string
  >;
}

/** The create request for what the form holds: a template's parameters, or a custom issuer's. */
export function createRequest(input: {
  choice: Choice;
  texts: Texts;
  rows: ConditionRow[];
  identityId: string;
  scope: string[];
  maxTokenLifetimeSeconds: number;
  requireDpop: boolean;
  enabled: boolean;
}): CreateTrustPolicyRequest {
  const { choice, texts } = input;
  const audience = texts.audience.trim();
  const jwksUri = texts.jwksUri.trim();
  return {
    name: texts.name.trim(),
    ...(choice === 'custom'
      ? {
          issuer: texts.issuer.trim(),
          ...(jwksUri && { jwksUri }),
          conditions: conditionsOf(input.rows),
        }
      : { template: choice, templateParameters: templateParameters(choice, texts) }),
    ...(audience && { audience }),
    identityId: input.identityId,
    scope: input.scope,
    maxTokenLifetimeSeconds: input.maxTokenLifetimeSeconds,
    requireDpop: input.requireDpop,
    enabled: input.enabled,
  };
}

/**
 * The New trust policy form: a template (GitHub Actions, GitLab CI, Kubernetes) with only its own
 * parameters, or a custom issuer with the claims to pin; then who the workload acts as, with
 * which scopes, for how long.
 */
export function NewTrustPolicyForm(props: {
  info: SessionInfo;
  onCreated: (policy: TrustPolicy) => void;
  onCancel: () => void;
}) {
  const [choice, setChoice] = useState<Choice>('github-actions');
  const [texts, setTexts] = useState<Texts>(EMPTY);
  const [rows, setRows] = useState<ConditionRow[]>(() => [conditionRow('sub')]);
  const [identityId, setIdentityId] = useState('');
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [lifetime, setLifetime] = useState(DEFAULT_LIFETIME_SECONDS);
  const [requireDpop, setRequireDpop] = useState(false);
  const [enabled, setEnabled] = useState(true);
  const { fields, error, setError, busy, send } = useSubmission();
  const shown = [...COMMON_FIELDS, ...OWN_FIELDS[choice]];
  const own = (field: Field) => OWN_FIELDS[choice].includes(field);

  /** A text field's props: its value, and a change that clears its error. */
  const text = (field: keyof Texts & Field) => ({
    value: texts[field],
    error: fields.errors[field],
    onChange: (value: string) => {
      setTexts((current) => ({ ...current, [field]: value }));
      fields.clear(field);
    },
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (chosen.size === 0) return fields.set('scope', 'Choose at least one scope.');
    if (choice === 'custom' && rows.length === 0) {
      return fields.set('conditions', 'Add a condition that pins the workload.');
    }
    await send(shown, async () => {
      const request = createRequest({
        choice,
        texts,
        rows,
        identityId,
        scope: props.info.scopes.filter((s) => chosen.has(s.name)).map((s) => s.name),
        maxTokenLifetimeSeconds: lifetime,
        requireDpop,
        enabled,
      });
      props.onCreated(await trustPolicies.create(request));
    });
  };

  return (
    <form className="stack" onSubmit={(e) => void submit(e)}>
      <TextField
        label="Name"
        maxLength={128}
        placeholder="e.g. Deploy from main"
        {...text('name')}
      />
      <fieldset>
        <legend>Platform</legend>
        <Segmented<Choice>
          name="template"
          options={CHOICES}
          value={choice}
          onChange={(next) => {
            setChoice(next);
            fields.clearAll();
            setError(null);
          }}
        />
        <p className="muted small">{TEMPLATE_HINTS[choice]}</p>
        {own('repository') && (
          <TextField label="Repository" placeholder="owner/name" {...text('repository')} />
        )}
        {own('projectPath') && (
          <TextField label="Project path" placeholder="group/project" {...text('projectPath')} />
        )}
        {own('issuer') && (
          <TextField
            label="Issuer"
            type="url"
            optional={choice === 'gitlab-ci' && 'for a self-managed GitLab'}
            placeholder={
              choice === 'gitlab-ci'
                ? GITLAB_COM_ISSUER
                : choice === 'kubernetes'
                  ? 'https://oidc.cluster.example.com'
                  : 'https://issuer.example.com'
            }
            hint={
              choice === 'kubernetes'
                ? 'The cluster’s service-account issuer (kubectl get --raw /.well-known/openid-configuration).'
                : choice === 'custom'
                  ? 'The tokens’ iss: https, public. Its keys come from its OpenID discovery document unless a key set URL is given.'
                  : undefined
            }
            {...text('issuer')}
          />
        )}
        {own('jwksUri') && (
          <TextField
            label="Key set URL"
            type="url"
            optional="default: from the discovery document"
            placeholder="https://issuer.example.com/.well-known/jwks.json"
            {...text('jwksUri')}
          />
        )}
        {own('namespace') && <TextField label="Namespace" {...text('namespace')} />}
        {own('serviceAccount') && <TextField label="Service account" {...text('serviceAccount')} />}
        {own('ref') && (
          <TextField
            label="Ref"
            optional
            placeholder={choice === 'github-actions' ? 'refs/heads/main' : 'main'}
            {...text('ref')}
          />
        )}
        {own('environment') && (
          <TextField
            label="Environment"
            optional
            placeholder="production"
            {...text('environment')}
          />
        )}
      </fieldset>
      {own('conditions') && (
        <ConditionsEditor
          rows={rows}
          error={fields.errors.conditions}
          onChange={(next) => {
            setRows(next);
            fields.clear('conditions');
          }}
        />
      )}
      <TextField
        label="Audience"
        optional="default: Patina’s issuer URL"
        placeholder={props.info.baseUrl}
        hint="The aud the workload asks its platform for, and Patina requires."
        {...text('audience')}
      />
      <IdentitySelect
        value={identityId}
        error={fields.errors.identityId}
        onChange={(id) => {
          setIdentityId(id);
          fields.clear('identityId');
        }}
      />
      <ScopesWithError
        info={props.info}
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
      <label className="check-row">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        <span>
          Enabled
          <span className="muted small block">Workloads can use it as soon as it is saved.</span>
        </span>
      </label>
      <FormActions error={error} onCancel={props.onCancel} disabled={busy}>
        {busy ? 'Creating…' : 'Create trust policy'}
      </FormActions>
    </form>
  );
}

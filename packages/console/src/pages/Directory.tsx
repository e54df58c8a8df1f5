import type { Identity } from '@patina/contract';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { patina, RIGHTS, type SessionInfo } from '../api.js';
import { CopyButton, ErrorNote, PageHeader, SecretDialog, SecretField } from '../components.js';
import { date } from '../format.js';
import { IdentitiesTabs } from './IdentitiesTabs.js';
import { ProvisioningEvents } from './ProvisioningEvents.js';

/** What the directory's token is called unless the administrator says otherwise. */
const TOKEN_NAME = 'SCIM provisioning';

interface MadeToken {
  owner: Identity;
  secret: string;
  expirationDate: string | null;
  /** The right was granted to the owner directly, for this token to carry it. */
  granted: boolean;
}

/** Whether the identity holds patina:scim:provision through what the console can see. */
function holdsRight(identity: Identity): boolean {
  return identity.roles.includes('ORG_ADMIN') || identity.rights.includes(RIGHTS.scimProvision);
}

/**
 * Directory (SCIM): what to paste into Okta or Microsoft Entra ID (the base URL and a token with
 * patina:scim:provision), and what the directory did lately (docs/scim.md).
 */
export function Directory({ info }: { info: SessionInfo }) {
  const config = useQuery({ queryKey: ['scim-config'], queryFn: () => patina.scim.config() });
  const canManage = info.rights.includes(RIGHTS.allManage);
  const endpointId = useId();
  const tokenId = useId();
  return (
    <>
      <IdentitiesTabs />
      <PageHeader
        title="Directory (SCIM)"
        description="Your identity provider (Okta, Microsoft Entra ID, …) creates, updates and deactivates identities here over SCIM 2.0. Deactivating a person there ends every token of theirs within a second."
      />
      <ErrorNote error={config.error} />
      <section className="section" aria-labelledby={endpointId}>
        <div className="section-head">
          <h2 id={endpointId}>1. The SCIM base URL</h2>
        </div>
        {config.data && (
          <div className="field">
            <span className="label" id={`${endpointId}-url`}>
              SCIM base URL
            </span>
            <div className="copy-row">
              <code aria-labelledby={`${endpointId}-url`} className="mono">
                {config.data.baseUrl}
              </code>
              <CopyButton text={config.data.baseUrl} label="Copy SCIM base URL" />
            </div>
          </div>
        )}
        <p className="muted small">
          Okta: “SCIM connector base URL”, with “Unique identifier field for users” userName.
          Microsoft Entra ID: “Tenant URL”.
        </p>
      </section>
      <section className="section" aria-labelledby={tokenId}>
        <div className="section-head">
          <h2 id={tokenId}>2. The directory’s token</h2>
        </div>
        <p>
          The directory signs its requests with a Patina token that holds the right{' '}
          <code>{config.data?.right ?? RIGHTS.scimProvision}</code>, and nothing else. Make it for a
          service identity rather than a person: a person who leaves takes their tokens with them.
        </p>
        <p className="muted small">
          The token’s owner is the provisioning client: the users and groups it creates are its own,
          and a token of another identity does not see them. To replace the token, rotate it on its
          page rather than make one for someone else.
        </p>
        {canManage ? (
          <ScimTokenForm info={info} />
        ) : (
          <p className="muted">
            Making the token needs the right <code>{RIGHTS.allManage}</code>.
          </p>
        )}
      </section>
      <ProvisioningEvents />
    </>
  );
}

/** Picks the token's owner, grants it the right if it lacks it, and shows the secret once. */
function ScimTokenForm({ info }: { info: SessionInfo }) {
  const queries = useQueryClient();
  const identities = useQuery({
    queryKey: ['identities'],
    queryFn: () => patina.identities.list({ limit: 250 }),
  });
  // Not a directory-managed identity: deprovisioning it would end the directory's own token.
  const owners = (identities.data ?? []).filter(
    (identity) => identity.status === 'ACTIVE' && !identity.directoryManaged,
  );
  const [ownerId, setOwnerId] = useState(info.identity.id);
  const [name, setName] = useState(TOKEN_NAME);
  const [made, setMade] = useState<MadeToken | null>(null);
  const owner = owners.find((identity) => identity.id === ownerId);
  const grants = owner !== undefined && !holdsRight(owner);

  const create = useMutation({
    mutationFn: async (input: { owner: Identity; name: string }): Promise<MadeToken> => {
      const granted = !holdsRight(input.owner);
      if (granted) {
        await patina.identities.update(input.owner.id, {
          rights: [...input.owner.rights, RIGHTS.scimProvision],
        });
      }
      const pat = await patina.identities.createPat(input.owner.id, {
        name: input.name,
        scope: [RIGHTS.scimProvision],
      });
      return {
        owner: input.owner,
        secret: pat.secret,
        expirationDate: pat.expirationDate ?? null,
        granted,
      };
    },
    onSuccess: async (result) => {
      setMade(result);
      await queries.invalidateQueries({ queryKey: ['identities'] });
      await queries.invalidateQueries({ queryKey: ['pats'] });
    },
  });

  return (
    <>
      <form
        className="stack form-column"
        aria-label="SCIM token"
        onSubmit={(e) => {
          e.preventDefault();
          if (owner) create.mutate({ owner, name: name.trim() });
        }}
      >
        <label>
          Token for
          <select value={ownerId} onChange={(e) => setOwnerId(e.target.value)}>
            {owners.map((identity) => (
              <option key={identity.id} value={identity.id}>
                {identity.name} ({identity.login}){identity.id === info.identity.id ? ' – you' : ''}
              </option>
            ))}
          </select>
        </label>
        {grants && (
          <p className="muted small" role="status">
            {owner.name} does not hold <code>{RIGHTS.scimProvision}</code>: creating the token
            grants it to them directly.
          </p>
        )}
        <label>
          Token name
          <input required maxLength={128} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <ErrorNote error={create.error} />
        <div>
          <button type="submit" className="button primary" disabled={create.isPending || !owner}>
            {create.isPending ? 'Creating…' : 'Create SCIM token'}
          </button>
        </div>
      </form>
      <SecretDialog open={made !== null} title="SCIM token created" onClose={() => setMade(null)}>
        {made && (
          <div className="stack">
            <p className="warning" role="status">
              Copy the secret now. It will not be shown again: Patina keeps only a digest of it.
            </p>
            <SecretField
              id="new-secret"
              label="Secret Token / API token"
              value={made.secret}
              copyLabel="Copy secret"
            />
            <p>
              Paste it as the <strong>Secret Token</strong> (Microsoft Entra ID) or the{' '}
              <strong>API token</strong> (Okta, authentication mode “HTTP Header”).
            </p>
            <p className="muted small">
              It acts as {made.owner.name}
              {made.granted ? `, who now holds ${RIGHTS.scimProvision}` : ''}.
              {made.expirationDate
                ? ` It expires on ${date(made.expirationDate)}: rotate it before then and paste the new secret.`
                : ''}
            </p>
          </div>
        )}
      </SecretDialog>
    </>
  );
}

import { CopyButton, SecretField } from '../components.js';
import type { NewPat } from '../tokens.js';

/** A new secret, shown this once, with what to paste where. */
export function SecretShown({ pat, baseUrl }: { pat: NewPat; baseUrl: string }) {
  const curl = `curl -s -u '${pat.id}:${pat.secret}' -d grant_type=client_credentials ${baseUrl}/oauth/token`;
  const login = `printf '%s' '${pat.secret}' | patina login --base-url ${baseUrl} --client-id ${pat.id} --client-secret-stdin`;
  const sailpoint = `export SAIL_BASE_URL=${baseUrl}\nexport SAIL_CLIENT_ID=${pat.id}\nexport SAIL_CLIENT_SECRET=${pat.secret}`;
  return (
    <div className="stack">
      <p className="warning" role="status">
        Copy the secret now. It will not be shown again: Patina keeps only a digest of it.
      </p>
      {pat.warnings?.map((warning) => (
        <p key={warning.code} className="warning" role="alert">
          {warning.message}.
        </p>
      ))}
      <div className="field">
        <span className="label" id="client-id-label">
          Client ID
        </span>
        <div className="copy-row">
          <code aria-labelledby="client-id-label" className="mono">
            {pat.id}
          </code>
          <CopyButton text={pat.id} label="Copy client ID" />
        </div>
      </div>
      <SecretField
        id="new-secret"
        label="Client secret"
        value={pat.secret}
        copyLabel="Copy secret"
      />
      {pat.requireDpop ? (
        <p>
          This token requires DPoP: every exchange must carry a DPoP proof, and its access tokens
          are bound to the proof&rsquo;s key. Use a client with DPoP support (openid-client&rsquo;s
          DPoP handle, for one); curl, <code>patina</code> and SailPoint&rsquo;s tools send none and
          are refused. See &ldquo;Bind tokens with DPoP&rdquo; in docs/federation.md.
        </p>
      ) : (
        <details>
          <summary>Use it</summary>
          <Snippet title="An access token with curl" text={curl} />
          <Snippet title="The patina command" text={login} />
          <Snippet title="SailPoint's SDKs and CLI" text={sailpoint} />
        </details>
      )}
    </div>
  );
}

function Snippet({ title, text }: { title: string; text: string }) {
  return (
    <div className="snippet">
      <div className="snippet-head">
        <span>{title}</span>
        <CopyButton text={text} label={`Copy: ${title}`} />
      </div>
      <pre>
        <code>{text}</code>
      </pre>
    </div>
  );
}

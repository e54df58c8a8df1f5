import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PatinaClient } from '@patina/sdk';
import { describe, expect, it } from 'vitest';
import { newUser } from '../../sdk/test/patina-server.js';
import { sandbox } from './run-patina.js';
import { LOOPBACK_RECEIVERS, patinaEnv, serverForTheseTests } from './test-server.js';

const SECRET = /^patina_[0-9A-Za-z]{57}$/;
const HEX32 = /^[0-9a-f]{32}$/;

describe('patina: rotation, offboarding, leak revocation, webhooks', () => {
  const server = serverForTheseTests(LOOPBACK_RECEIVERS);

  /** Whether a PAT's id and secret are still exchanged for an access token (else the status). */
  async function exchanges(clientId: string, clientSecret: string): Promise<true | number> {
    const client = new PatinaClient({ baseUrl: server.baseUrl, clientId, clientSecret });
    return client.accessToken().then(
      () => true as const,
      (error: { status?: number }) => error.status ?? -1,
    );
  }

  it('pat create --description, pat show with Patina fields, pat rotate --grace', async () => {
    const box = sandbox();
    const env = patinaEnv(server, await newUser(server));
    const created = await box.patina(
      ['pat', 'create', 'deploy', '--description', 'Deploys the app'],
      {
        env,
      },
    );
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(SECRET);
    const id = /\(([0-9a-f]{32})\)/.exec(created.stderr)![1]!;
    const createdJson = await box.patina(
      ['pat', 'create', 'runner', '--allowed-cidr', '127.0.0.1/32', '--json'],
      { env },
    );
    expect(JSON.parse(createdJson.stdout)).toMatchObject({
      name: 'runner',
      allowedCidrs: ['127.0.0.1/32'],
      status: 'ACTIVE',
      secret: expect.stringMatching(SECRET) as unknown,
    });

    expect(await exchanges(id, secret)).toBe(true);
    const rotated = await box.patina(['pat', 'rotate', id, '--grace', '1h'], { env });
    expect(rotated.code).toBe(0);
    const fresh = rotated.stdout.trim();
    // The new secret alone on stdout; the rest on stderr, without it.
    expect(rotated.stdout).toBe(`${fresh}\n`);
    expect(fresh).toMatch(SECRET);
    expect(fresh).not.toBe(secret);
    expect(rotated.stderr).toMatch(
      new RegExp(
        `^Rotated +deploy \\(${id}\\)\\nOld secret +works until \\S+Z \\(in (1 hour|60 minutes)\\)\\nThe new secret is shown this once, on stdout; store it now.\\n$`,
      ),
    );
    expect(await exchanges(id, fresh)).toBe(true);
    expect(await exchanges(id, secret)).toBe(true);

    const shown = await box.patina(['pat', 'show', id], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Status +ACTIVE$/m);
    expect(shown.stdout).toMatch(/^Description +Deploys the app$/m);
    expect(shown.stdout).toMatch(/^Last used from +127\.0\.0\.1 just now/m);
    expect(shown.stdout).toMatch(/^Allowed from +anywhere$/m);
    expect(shown.stdout).toMatch(/^DPoP +optional$/m);
    expect(shown.stdout).toMatch(/^Rotated +\S+Z \(just now\)$/m);
    expect(shown.stdout).toMatch(/^Old secret until +\S+Z \(in (1 hour|60 minutes)\)$/m);
    expect(shown.stdout + shown.stderr).not.toContain(fresh);
    const shownJson = JSON.parse(
      (await box.patina(['pat', 'show', id, '--json'], { env })).stdout,
    ) as Record<string, unknown>;
    expect(shownJson).toMatchObject({ id, status: 'ACTIVE', description: 'Deploys the app' });
    expect(shownJson).not.toHaveProperty('secret');

    // Without --grace the old secret stops at once.
    const again = await box.patina(['pat', 'rotate', id, '--json'], { env });
    const answer = JSON.parse(again.stdout) as { secret: string; previousSecretValidUntil: null };
    expect(answer.previousSecretValidUntil).toBeNull();
    expect(await exchanges(id, answer.secret)).toBe(true);
    expect(await exchanges(id, fresh)).toBe(401);

    const tooLong = await box.patina(['pat', 'rotate', id, '--grace', '8d'], { env });
    expect(tooLong).toEqual({
      code: 2,
      stdout: '',
      stderr: 'patina: --grace must be 0 or a span like 30m, 1h or 2d, at most 7d\n',
    });
  });

  it('pat edit changes the description and where the PAT may be used from', async () => {
    const box = sandbox();
    const env = patinaEnv(server, await newUser(server));
    const created = await box.patina(['pat', 'create', 'export', '--json'], { env });
    const { id, secret } = JSON.parse(created.stdout) as { id: string; secret: string };

    const edited = await box.patina(
      ['pat', 'edit', id, '--description', 'Nightly export', '--allowed-cidr', '192.0.2.0/24'],
      { env },
    );
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stderr).toMatch(/^Description +Nightly export$/m);
    expect(edited.stderr).toMatch(/^From +192\.0\.2\.0\/24$/m);
    // The test's exchanges come from 127.0.0.1: outside the list now.
    expect(await exchanges(id, secret)).toBe(401);

    const lifted = await box.patina(
      ['pat', 'edit', id, '--anywhere', '--description', '', '--json'],
      {
        env,
      },
    );
    expect(JSON.parse(lifted.stdout)).toMatchObject({ id, allowedCidrs: null, description: '' });
    expect(await exchanges(id, secret)).toBe(true);

    // DPoP-bound tokens only: an exchange without a proof is refused, and bearer ones again after.
    const bound = await box.patina(['pat', 'edit', id, '--require-dpop'], { env });
    expect(bound.code, bound.stderr).toBe(0);
    expect(bound.stderr).toMatch(/^DPoP +required: bound tokens only$/m);
    expect(await exchanges(id, secret)).toBe(400);
    const unbound = await box.patina(['pat', 'edit', id, '--no-require-dpop', '--json'], { env });
    expect(JSON.parse(unbound.stdout)).toMatchObject({ id, requireDpop: false });
    expect(await exchanges(id, secret)).toBe(true);

    expect(await box.patina(['pat', 'edit', id], { env })).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'patina: Nothing to change: give --description, --allowed-cidr, --anywhere, --scope, --require-dpop or --no-require-dpop\n',
    });
    expect(
      (await box.patina(['pat', 'edit', id, '--anywhere', '--allowed-cidr', '10.0.0.0/8'], { env }))
        .code,
    ).toBe(2);
  });

  it('pat create warns, on stderr, when the scopes grant the owner nothing', async () => {
    const box = sandbox();
    const env = patinaEnv(server, await newUser(server));
    // A USER holds the my-PAT rights, not the all-read right this PAT names.
    const created = await box.patina(
      ['pat', 'create', 'reports', '--scope', 'sp:all-personal-access-tokens:read'],
      { env },
    );
    expect(created.code).toBe(0);
    expect(created.stdout.trim()).toMatch(SECRET);
    expect(created.stderr).toContain(
      'Warning (scope): None of these scopes is a right the owner holds, so every exchange of this PAT will be refused (invalid_scope) until the owner is given one of them',
    );
    const fine = await box.patina(
      ['pat', 'create', 'mine', '--scope', 'sp:my-personal-access-tokens:read'],
      { env },
    );
    expect(fine.code).toBe(0);
    expect(fine.stderr).not.toContain('Warning');
  });

  it('identities offboard: --dry-run changes nothing, --yes revokes and disables', async () => {
    const box = sandbox();
    const env = patinaEnv(server, server.admin);
    const user = await newUser(server);
    const id = user.identity.id;

    const dry = await box.patina(['identities', 'offboard', id, '--dry-run'], { env });
    expect(dry.code).toBe(0);
    expect(dry.stdout.split('\n')).toEqual([
      expect.stringMatching(/^NAME +ID +MANAGED$/),
      expect.stringMatching(new RegExp(`^login +${user.clientId} +no$`)),
      '',
    ]);
    expect(dry.stderr).toBe(
      `Dry run: would revoke 1 PAT of ${id}; it would be disabled. Nothing changed.\n`,
    );
    expect((await server.adminClient.identities.get(id)).status).toBe('ACTIVE');
    expect(await exchanges(user.clientId, user.clientSecret)).toBe(true);

    const unasked = await box.patina(['identities', 'offboard', id], { env });
    expect(unasked).toEqual({
      code: 2,
      stdout: '',
      stderr: 'patina: Refusing to offboard without confirmation: pass --yes (or --dry-run)\n',
    });
    expect(await exchanges(user.clientId, user.clientSecret)).toBe(true);

    const done = await box.patina(['identities', 'offboard', id, '--yes'], { env });
    expect(done.code).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`^login +${user.clientId} +no$`, 'm'));
    expect(done.stderr).toBe(`Revoked 1 PAT of ${id}; it is disabled.\n`);
    expect((await server.adminClient.identities.get(id)).status).toBe('DISABLED');
    expect(await exchanges(user.clientId, user.clientSecret)).toBe(401);

    const kept = await newUser(server);
    const keep = await box.patina(
      ['identities', 'offboard', kept.identity.id, '--keep-enabled', '--yes', '--json'],
      { env },
    );
    expect(JSON.parse(keep.stdout)).toEqual({
      identityId: kept.identity.id,
      dryRun: false,
      disabled: false,
      revoked: [{ id: kept.clientId, name: 'login', managed: false }],
    });
    expect((await server.adminClient.identities.get(kept.identity.id)).status).toBe('ACTIVE');
  });

  it('scan --revoke sends the secrets found, and only those, without a login', async () => {
    const box = sandbox();
    const user = await newUser(server);
    const owner = new PatinaClient({ baseUrl: server.baseUrl, ...user });
    const leaked = await owner.pats.create({ name: 'leaked' });
    const root = join(box.home, 'repo');
    mkdirSync(join(root, 'src'), { recursive: true });
    writeFileSync(join(root, 'app.env'), `PATINA_SECRET=${leaked.secret}\n`);
    writeFileSync(join(root, 'src', 'client.ts'), `const s = "${leaked.secret}";\n`);

    const noServer = await box.patina(['scan', '.', '--revoke'], { cwd: root });
    expect(noServer).toEqual({
      code: 2,
      stdout: '',
      stderr: 'patina: --revoke needs the server: pass --base-url, set PATINA_BASE_URL or log in\n',
    });
    expect(await exchanges(leaked.id, leaked.secret)).toBe(true);

    const sent = await box.patina(['scan', '.', '--revoke', '--base-url', server.baseUrl], {
      cwd: root,
    });
    expect(sent).toEqual({
      code: 1,
      stdout:
        'app.env:1:15: patina_******** (Patina secret)\nsrc/client.ts:1:12: patina_******** (Patina secret)\n',
      stderr: `Found 2 Patina secrets in 2 files (2 scanned). Sent 1 distinct secret to ${server.baseUrl} for revocation: each that was live no longer works. Remove them from the files.\n`,
    });
    expect(await exchanges(leaked.id, leaked.secret)).toBe(401);
    // The owner's other PAT was not in the files: it works on.
    expect(await exchanges(user.clientId, user.clientSecret)).toBe(true);

    const json = await box.patina(['scan', 'app.env', '--revoke', '--json'], {
      cwd: root,
      env: { PATINA_BASE_URL: server.baseUrl },
    });
    expect(JSON.parse(json.stdout)).toEqual({
      findings: [{ file: 'app.env', line: 1, column: 15 }],
      filesScanned: 1,
      sentForRevocation: 1,
    });
    expect(json.stdout + json.stderr).not.toContain(leaked.secret.slice(7));
  });

  it('webhooks create, list, test, deliveries, rotate-secret, delete', async () => {
    const box = sandbox();
    const env = patinaEnv(server, server.admin);
    const url = 'http://127.0.0.1:9/patina-cli-test';
    const created = await box.patina(
      [
        'webhooks',
        'create',
        url,
        '--event',
        'personal_access_token.revoked',
        '--event',
        'identity.offboarded',
        '--description',
        'SIEM',
      ],
      { env },
    );
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(created.stdout).toBe(`${secret}\n`);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = new RegExp(`^Created +${url} \\(([0-9a-f]{32})\\)$`, 'm').exec(created.stderr)?.[1];
    expect(id).toMatch(HEX32);
    expect(created.stderr).not.toContain(secret);

    const listed = await box.patina(['webhooks', 'list', '--json'], { env });
    const hooks = JSON.parse(listed.stdout) as { id: string }[];
    expect(hooks.find((h) => h.id === id)).toMatchObject({
      url,
      events: ['personal_access_token.revoked', 'identity.offboarded'],
      description: 'SIEM',
      enabled: true,
    });
    expect(listed.stdout).not.toContain('whsec_');
    const table = await box.patina(['webhooks', 'list'], { env });
    expect(table.stdout).toMatch(
      new RegExp(
        `^${url} +personal_access_token.revoked identity.offboarded +enabled +SIEM +${id}$`,
        'm',
      ),
    );

    const ping = await box.patina(['webhooks', 'test', id!], { env });
    expect(ping.code).toBe(0);
    const deliveryId = ping.stdout.trim();
    expect(deliveryId).toMatch(HEX32);
    const deliveries = await box.patina(['webhooks', 'deliveries', id!, '--json'], { env });
    expect(JSON.parse(deliveries.stdout) as { id: string; eventType: string }[]).toEqual([
      expect.objectContaining({ id: deliveryId, eventType: 'ping' }),
    ]);

    const rotated = await box.patina(['webhooks', 'rotate-secret', id!], { env });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout.trim()).toMatch(/^whsec_/);
    expect(rotated.stdout.trim()).not.toBe(secret);

    const refused = await box.patina(['webhooks', 'delete', id!], { env });
    expect(refused).toEqual({
      code: 2,
      stdout: '',
      stderr: 'patina: Refusing to delete without confirmation: pass --yes\n',
    });
    const deleted = await box.patina(['webhooks', 'delete', id!, '--yes'], { env });
    expect(deleted).toEqual({ code: 0, stdout: '', stderr: `Deleted webhook ${id}.\n` });
    const after = await box.patina(['webhooks', 'list', '--json'], { env });
    expect((JSON.parse(after.stdout) as { id: string }[]).map((h) => h.id)).not.toContain(id);

    const badEvent = await box.patina(['webhooks', 'create', url, '--event', 'pat.made'], { env });
    expect(badEvent.code).toBe(2);
    expect(badEvent.stderr).toMatch(
      /^patina: option '--event <type\.\.\.>' argument 'pat\.made' is invalid/,
    );
  });
});

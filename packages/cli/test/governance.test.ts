import { ACCESS_REVIEW_CSV_COLUMNS, RIGHTS } from '@patina/contract';
import { PatinaClient, type PatRequest } from '@patina/sdk';
import { describe, expect, it } from 'vitest';
import { newUser } from '../../sdk/test/patina-server.js';
import { sandbox } from './run-patina.js';
import { patinaEnv, serverForTheseTests } from './test-server.js';

const SECRET = /^patina_[0-9A-Za-z]{57}$/;
const REQUEST_ID = /prq_[0-9a-f]{32}/;
const SENSITIVE = 'payments:write';
/** The scope the campaign reviews: only its test's PATs name it. */
const REVIEWED = 'ledger:read';
/** Login PATs that name their scopes: no approval rule holds them, no campaign picks them. */
const LOGIN_SCOPES = [RIGHTS.myRead, RIGHTS.myManage];
const PENDING_EXIT = 8;

describe('patina request, pat create held for approval, patina review', () => {
  const server = serverForTheseTests({
    scopes: [{ name: SENSITIVE }, { name: 'payments:read' }, { name: REVIEWED }],
    approval: { rules: [{ scopes: [SENSITIVE], approvers: { roles: ['ORG_ADMIN'] } }] },
  });

  const requester = () =>
    newUser(server, { rights: [SENSITIVE, 'payments:read'], pat: { scope: LOGIN_SCOPES } });
  const approver = () => newUser(server, { roles: ['ORG_ADMIN'], pat: { scope: LOGIN_SCOPES } });
  const clientOf = (user: { clientId: string; clientSecret: string }) =>
    new PatinaClient({ baseUrl: server.baseUrl, ...user });

  const ask = [
    'pat',
    'create',
    'payouts',
    '--scope',
    SENSITIVE,
    '--justification',
    'Nightly payout job',
    '--ticket-url',
    'https://tickets.example.com/SEC-12',
  ];

  it('pat create with a sensitive scope prints the request to stderr and exits 8', async () => {
    const box = sandbox();
    const env = patinaEnv(server, await requester());
    const held = await box.patina(ask, { env });
    expect(held.code).toBe(PENDING_EXIT);
    expect(held.stdout).toBe('');
    const id = REQUEST_ID.exec(held.stderr)![0];
    expect(held.stderr).toMatch(new RegExp(`^Request +${id}$`, 'm'));
    expect(held.stderr).toMatch(/^Status +PENDING$/m);
    expect(held.stderr).toMatch(/^Sensitive +payments:write$/m);
    expect(held.stderr).toMatch(/^Justification +Nightly payout job$/m);
    expect(held.stderr).toMatch(/^Ticket +https:\/\/tickets\.example\.com\/SEC-12$/m);
    expect(held.stderr).toContain('approvers see it with `patina request list`');
    expect(held.stderr).toContain(`\`patina request secret ${id}\``);
    expect(held.stderr).toMatch(new RegExp(`patina: Waiting for approval: request ${id}\\n$`));

    const json = await box.patina([...ask, '--json'], { env });
    expect(json.code).toBe(PENDING_EXIT);
    expect(JSON.parse(json.stdout)).toMatchObject({
      pending: { status: 'PENDING', kind: 'CREATE', name: 'payouts', sensitiveScopes: [SENSITIVE] },
    });

    // Without a justification the server names the field; nothing is held or made.
    const bare = await box.patina(['pat', 'create', 'x', '--scope', SENSITIVE], { env });
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('justification');
  });

  it('request list, show, approve, secret (once), and their errors', async () => {
    const box = sandbox();
    const rita = await requester();
    const ritaEnv = patinaEnv(server, rita);
    const annaEnv = patinaEnv(server, await approver());
    const id = REQUEST_ID.exec((await box.patina(ask, { env: ritaEnv })).stderr)![0];

    const listed = await box.patina(['request', 'list'], { env: annaEnv });
    expect(listed.code, listed.stderr).toBe(0);
    const [header, ...rows] = listed.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^ID +STATUS +REQUESTER +PAT NAME +SENSITIVE SCOPES +EXPIRES$/);
    const row = rows.find((line) => line.startsWith(id));
    expect(row).toMatch(
      new RegExp(`^${id} +PENDING +${rita.identity.name} +payouts +payments:write +in 3 days$`),
    );
    const listedJson = JSON.parse(
      (await box.patina(['request', 'list', '--json'], { env: ritaEnv })).stdout,
    ) as PatRequest[];
    expect(listedJson.map((r) => r.id)).toEqual([id]);
    expect(
      (await box.patina(['request', 'list', '--status', 'denied'], { env: ritaEnv })).stderr,
    ).toBe('No denied PAT requests.\n');

    const shown = await box.patina(['request', 'show', id], { env: annaEnv });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Kind +a new PAT$/m);
    expect(shown.stdout).toMatch(/^You +may approve or deny it$/m);
    expect(await box.patina(['request', 'show', 'not-an-id'], { env: annaEnv })).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'patina: That is not a request id (prq_ and 32 hex digits, as `patina request list` shows)\n',
    });

    // Never the requester's own.
    const self = await box.patina(['request', 'approve', id], { env: ritaEnv });
    expect(self.code).toBe(1);
    expect(self.stderr).toMatch(
      /^patina: POST \/patina\/v1\/pat-requests\/\{id\}\/approve failed with 403/,
    );

    const approved = await box.patina(['request', 'approve', id, '--comment', 'SEC-12 ok'], {
      env: annaEnv,
    });
    expect(approved).toEqual({
      code: 0,
      stdout: '',
      stderr:
        `Approved ${id}: payouts for ${rita.identity.name}.\n` +
        `They fetch its secret once with \`patina request secret ${id}\`.\n`,
    });
    const twice = await box.patina(['request', 'approve', id], { env: annaEnv });
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('409');

    // Approved: what lapses now is the window to fetch the secret (approval.secretWindowHours).
    const approvedList = await box.patina(['request', 'list', '--status', 'approved'], {
      env: ritaEnv,
    });
    expect(approvedList.stdout).toMatch(
      new RegExp(`^${id} +APPROVED .* +in (1 day|24 hours)$`, 'm'),
    );

    const secret = await box.patina(['request', 'secret', id], { env: ritaEnv });
    expect(secret.code, secret.stderr).toBe(0);
    expect(secret.stdout).toMatch(new RegExp(`^${SECRET.source.slice(1, -1)}\\n$`));
    expect(secret.stderr).toMatch(/^Created +payouts \([0-9a-f]{32}\)$/m);
    expect(secret.stderr).not.toContain(secret.stdout.trim());
    const again = await box.patina(['request', 'secret', id], { env: ritaEnv });
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('409');
  });

  it('request deny needs --comment; the requester sees the denial', async () => {
    const box = sandbox();
    const ritaEnv = patinaEnv(server, await requester());
    const annaEnv = patinaEnv(server, await approver());
    const id = REQUEST_ID.exec((await box.patina(ask, { env: ritaEnv })).stderr)![0];
    const bare = await box.patina(['request', 'deny', id], { env: annaEnv });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("required option '--comment <text>' not specified");
    const denied = await box.patina(['request', 'deny', id, '--comment', 'Use payments:read'], {
      env: annaEnv,
    });
    expect(denied.code).toBe(0);
    expect(denied.stderr).toMatch(new RegExp(`^Denied ${id}: payouts for `));
    const shown = await box.patina(['request', 'show', id], { env: ritaEnv });
    expect(shown.stdout).toMatch(/^Status +DENIED$/m);
    expect(shown.stdout).toMatch(/^Comment +Use payments:read$/m);
    const listed = await box.patina(['request', 'list', '--status', 'all'], { env: ritaEnv });
    expect(listed.stdout).toMatch(new RegExp(`^${id} +DENIED .* +-$`, 'm'));
  });

  it('pat create --wait prints the secret once approved', async () => {
    const box = sandbox();
    const rita = await requester();
    const anna = clientOf(await approver());
    const waiting = box.patina([...ask, '--wait', '--timeout', '1m'], {
      env: patinaEnv(server, rita),
    });
    // The approver approves as soon as the request shows up.
    let request: PatRequest | undefined;
    for (let i = 0; i < 100 && !request; i++) {
      const pending = await anna.patRequests.list({ status: 'PENDING' });
      request = pending.find((r) => r.requester.id === rita.identity.id);
      if (!request) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await anna.patRequests.approve(request!.id, { comment: 'ok' });
    const done = await waiting;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toMatch(SECRET);
    expect(done.stderr).toContain(`Waiting for an approver to decide ${request!.id}`);
    expect(done.stderr).toMatch(/^Approved by Test user \w+: ok\.$/m);
    expect(done.stderr).toMatch(/^Created +payouts \([0-9a-f]{32}\)$/m);
    expect((await anna.patRequests.get(request!.id)).status).toBe('FULFILLED');
  });

  it('pat create --wait: denied exits 1, still pending at --timeout exits 8', async () => {
    const box = sandbox();
    const rita = await requester();
    const env = patinaEnv(server, rita);
    const timedOut = await box.patina([...ask, '--wait', '--timeout', '1s'], { env });
    expect(timedOut.code).toBe(PENDING_EXIT);
    expect(timedOut.stdout).toBe('');
    expect(timedOut.stderr).toContain('Still pending.');

    const anna = clientOf(await approver());
    const waiting = box.patina(
      ['pat', 'create', 'refunds', '--scope', SENSITIVE, '--justification', 'x', '--wait'],
      { env },
    );
    let request: PatRequest | undefined;
    for (let i = 0; i < 100 && !request; i++) {
      const pending = await anna.patRequests.list({ status: 'PENDING' });
      request = pending.find((r) => r.name === 'refunds' && r.requester.id === rita.identity.id);
      if (!request) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await anna.patRequests.deny(request!.id, { comment: 'Not this quarter' });
    const done = await waiting;
    expect(done.code).toBe(1);
    expect(done.stdout).toBe('');
    expect(done.stderr).toMatch(
      new RegExp(
        `patina: Request ${request!.id} was denied by Test user \\w+: Not this quarter\\n$`,
      ),
    );
    expect(
      (await box.patina(['pat', 'create', 'x', '--wait', '--timeout', 'soon'], { env })).code,
    ).toBe(2);
  });

  it('pat edit adding a sensitive scope exits 8 with the request; the PAT keeps its scopes', async () => {
    const box = sandbox();
    const env = patinaEnv(server, await requester());
    const made = JSON.parse(
      (await box.patina(['pat', 'create', 'reader', '--scope', 'payments:read', '--json'], { env }))
        .stdout,
    ) as { id: string };
    const edited = await box.patina(
      [
        'pat',
        'edit',
        made.id,
        '--scope',
        'payments:read',
        '--scope',
        SENSITIVE,
        '--justification',
        'Refunds',
      ],
      { env },
    );
    expect(edited.code).toBe(PENDING_EXIT);
    expect(edited.stderr).toMatch(/^Kind +a scope added to a PAT$/m);
    expect(edited.stderr).toMatch(new RegExp(`^PAT +reader \\(${made.id}\\)$`, 'm'));
    const shown = await box.patina(['pat', 'show', made.id], { env });
    expect(shown.stdout).toMatch(/^Scopes +payments:read$/m);
  });

  it('review create, list, show, items --mine, decide, close, report (--json, --csv)', async () => {
    const box = sandbox();
    const adminEnv = patinaEnv(
      server,
      await newUser(server, {
        roles: ['ORG_ADMIN'],
        pat: { scope: [RIGHTS.allRead, RIGHTS.allManage, ...LOGIN_SCOPES] },
      }),
    );
    const owner = await newUser(server, { rights: [REVIEWED], pat: { scope: LOGIN_SCOPES } });
    const ownerEnv = patinaEnv(server, owner);
    const reviewer = await approver();
    const reviewerEnv = patinaEnv(server, reviewer);
    const pats: Record<string, string> = {};
    for (const name of ['kept', 'dropped', 'forgotten']) {
      const made = await box.patina(['pat', 'create', name, '--scope', REVIEWED, '--json'], {
        env: ownerEnv,
      });
      pats[name] = (JSON.parse(made.stdout) as { id: string }).id;
    }

    const created = await box.patina(
      [
        'review',
        'create',
        'Ledger readers',
        '--reviewers',
        reviewer.identity.id,
        '--deadline',
        '14d',
        '--scope',
        REVIEWED,
        '--owner-role',
        'USER',
      ],
      { env: adminEnv },
    );
    expect(created.code, created.stderr).toBe(0);
    const id = /rev_[0-9a-f]{32}/.exec(created.stderr)![0];
    expect(created.stderr).toMatch(
      new RegExp(`^Started Ledger readers \\(${id}\\): 3 PATs to review by \\S+Z\\.\\n$`),
    );

    const listed = await box.patina(['review', 'list'], { env: reviewerEnv });
    expect(listed.stdout).toMatch(/^ID +NAME +STATUS +DECIDED +DEADLINE +UNDECIDED$/m);
    expect(listed.stdout).toMatch(
      new RegExp(`^${id} +Ledger readers +OPEN +0/3 +in (14|13) days +revoke$`, 'm'),
    );
    const shown = await box.patina(['review', 'show', id], { env: reviewerEnv });
    expect(shown.stdout).toMatch(/^Reviews +scopes ledger:read; owners with role USER$/m);
    expect(shown.stdout).toMatch(/^Progress +0\/3 decided: 0 certified, 0 revoked, 3 pending$/m);

    const items = await box.patina(['review', 'items', id, '--mine'], { env: reviewerEnv });
    expect(items.code, items.stderr).toBe(0);
    expect(items.stdout).toMatch(
      /^ITEM +PAT +OWNER +SCOPES +LAST USED +USES 30D +EXPIRES +OUTCOME$/m,
    );
    const itemOf = (name: string) =>
      new RegExp(
        `^(rvi_[0-9a-f]{32}) +${name} +${owner.identity.login} +ledger:read +never +0 +in \\d+ months +PENDING$`,
        'm',
      ).exec(items.stdout)![1]!;
    const [kept, dropped] = [itemOf('kept'), itemOf('dropped')];
    // The owner reviews nothing here: to them the campaign does not exist.
    const notTheirs = await box.patina(['review', 'items', id, '--mine'], { env: ownerEnv });
    expect(notTheirs.code).toBe(1);
    expect(notTheirs.stderr).toMatch(
      /^patina: GET \/patina\/v1\/access-reviews\/\{id\}\/items failed with 404/,
    );

    const both = await box.patina(
      ['review', 'decide', id, kept, '--certify', '--revoke', '--comment', 'x'],
      { env: reviewerEnv },
    );
    expect(both).toEqual({
      code: 2,
      stdout: '',
      stderr: 'patina: Give one of --certify and --revoke\n',
    });
    const certified = await box.patina(
      [
        'review',
        'decide',
        id,
        kept,
        '--certify',
        '--comment',
        'Still needed',
        '--expiration-date',
        '30d',
      ],
      { env: reviewerEnv },
    );
    expect(certified.code, certified.stderr).toBe(0);
    expect(certified.stderr).toMatch(
      new RegExp(
        `^Certified kept \\(${pats.kept}\\) of ${owner.identity.login}; it now expires \\S+Z\\.\\n$`,
      ),
    );
    const revoked = await box.patina(
      ['review', 'decide', id, dropped, '--revoke', '--comment', 'Unused', '--json'],
      { env: reviewerEnv },
    );
    expect(JSON.parse(revoked.stdout)).toMatchObject({ outcome: 'REVOKED', decision: 'revoke' });
    const again = await box.patina(
      ['review', 'decide', id, kept, '--revoke', '--comment', 'Changed my mind'],
      { env: reviewerEnv },
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      /^patina: POST \/patina\/v1\/access-reviews\/\{id\}\/items\/\{itemId\}\/decision failed with 409/,
    );

    const unconfirmed = await box.patina(['review', 'close', id], { env: adminEnv });
    expect(unconfirmed.code).toBe(2);
    const closed = await box.patina(['review', 'close', id, '--yes'], { env: adminEnv });
    expect(closed).toEqual({
      code: 0,
      stdout: '',
      stderr: `Closed Ledger readers (${id}): 1 certified, 2 revoked of 3.\n`,
    });

    const report = await box.patina(['review', 'report', id], { env: adminEnv });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/^Status +CLOSED$/m);
    expect(report.stdout).toMatch(/^ITEM +PAT +OWNER +OUTCOME +DECIDED BY +COMMENT$/m);
    expect(report.stdout).toMatch(/ forgotten +\S+ +AUTO_REVOKED +- *$/m);
    const reportJson = JSON.parse(
      (await box.patina(['review', 'report', id, '--json'], { env: adminEnv })).stdout,
    ) as { review: { id: string }; items: unknown[] };
    expect(reportJson.review.id).toBe(id);
    expect(reportJson.items).toHaveLength(3);
    const csv = await box.patina(['review', 'report', id, '--csv'], { env: adminEnv });
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split(/\r?\n/);
    expect(lines[0]).toBe(ACCESS_REVIEW_CSV_COLUMNS.join(','));
    expect(lines).toHaveLength(4);
    expect(csv.stdout).toContain(pats.forgotten);
    expect(
      (await box.patina(['review', 'report', id, '--csv', '--json'], { env: adminEnv })).code,
    ).toBe(2);
  });

  it('every new command has an example in its --help', async () => {
    const box = sandbox();
    for (const command of [
      ['request', 'list'],
      ['request', 'show'],
      ['request', 'approve'],
      ['request', 'deny'],
      ['request', 'secret'],
      ['review', 'list'],
      ['review', 'show'],
      ['review', 'items'],
      ['review', 'decide'],
      ['review', 'create'],
      ['review', 'close'],
      ['review', 'report'],
    ]) {
      const help = await box.patina([...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Examples:\n  $ patina ${command.join(' ')}`);
    }
    const top = await box.patina(['--help']);
    expect(top.stdout).toContain('8 waiting for approval');
  });
});

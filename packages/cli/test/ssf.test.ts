import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PatinaClient } from '@patina/sdk';
import { describe, expect, it } from 'vitest';
import { newUser, ROOT } from '../../sdk/test/patina-server.js';
import { sandbox } from './run-patina.js';
import { LOOPBACK_RECEIVERS, patinaEnv, serverForTheseTests } from './test-server.js';

const POLL = 'urn:ietf:rfc:8936';
const PUSH = 'urn:ietf:rfc:8935';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const PUSH_URL = 'http://127.0.0.1:9/events';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('patina ssf list|delete: every receiver’s Shared Signals streams', () => {
  const server = serverForTheseTests(LOOPBACK_RECEIVERS);

  /** A receiver: a user whose PAT holds ssf.manage, talking SSF with its own access token. */
  async function receiver() {
    const user = await newUser(server, { rights: ['ssf.manage'] });
    const token = await new PatinaClient({ baseUrl: server.baseUrl, ...user }).accessToken();
    const ssf = async (method: string, path: string, body: unknown) => {
      const response = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(response.status, await response.clone().text()).toBeLessThan(300);
      return (await response.json()) as { stream_id: string };
    };
    return { ...user, ssf };
  }

  it('lists a stream made through SSF, as a table and as the API’s JSON', async () => {
    const box = sandbox();
    const rs = await receiver();
    const { stream_id: id } = await rs.ssf('POST', '/ssf/streams', {
      delivery: {
        method: PUSH,
        endpoint_url: PUSH_URL,
        authorization_header: 'Bearer rs-secret',
      },
      events_requested: [SESSION_REVOKED],
      description: 'orders',
    });
    await rs.ssf('POST', '/ssf/streams/status', {
      stream_id: id,
      status: 'paused',
      reason: 'maintenance',
    });
    const { stream_id: pollId } = await rs.ssf('POST', '/ssf/streams', {
      delivery: { method: POLL },
    });

    const listed = await box.patina(['ssf', 'list'], { env: patinaEnv(server, server.admin) });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toBe('');
    const lines = listed.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID +CLIENT +OWNER +METHOD +STATUS +ACTIVE +ENDPOINT +CREATED$/);
    const owner = rs.identity.id;
    // Column widths depend on every stream listed: cells are matched, two or more spaces apart.
    const row = (...cells: string[]) =>
      expect(listed.stdout).toMatch(new RegExp(`^${cells.map(escape).join('  +')}$`, 'm'));
    row(id, rs.clientId, owner, 'push', 'paused (maintenance)', 'yes', PUSH_URL, 'just now');
    row(pollId, rs.clientId, owner, 'poll', 'enabled', 'yes', '–', 'just now');
    expect(listed.stdout).not.toContain('rs-secret');

    const json = await box.patina(['ssf', 'list', '--json'], {
      env: patinaEnv(server, server.admin),
    });
    expect(json.code, json.stderr).toBe(0);
    const streams = JSON.parse(json.stdout) as { id: string; created: string }[];
    const created = streams.find((s) => s.id === id)!.created;
    expect(created).toMatch(ISO);
    expect(streams.find((s) => s.id === id)).toEqual({
      id,
      clientId: rs.clientId,
      ownerId: owner,
      active: true,
      deliveryMethod: PUSH,
      endpointUrl: PUSH_URL,
      eventsRequested: [SESSION_REVOKED],
      description: 'orders',
      status: 'paused',
      statusReason: 'maintenance',
      created,
      modified: expect.stringMatching(ISO) as unknown,
    });
    // The same as the SDK's answer: `--json` prints the API's shapes.
    expect(streams).toEqual(await server.adminClient.ssfStreams.list());
    expect(json.stdout).not.toContain('rs-secret');
  });

  it('shows a stream whose owner is disabled as inactive', async () => {
    const box = sandbox();
    const rs = await receiver();
    const { stream_id: id } = await rs.ssf('POST', '/ssf/streams', {
      delivery: { method: POLL },
    });
    await server.adminClient.identities.update(rs.identity.id, { status: 'DISABLED' });
    const listed = await box.patina(['ssf', 'list'], { env: patinaEnv(server, server.admin) });
    expect(listed.stdout).toMatch(
      new RegExp(
        `^${id}  ${rs.clientId}  ${rs.identity.id}  poll  +enabled  +no  +–  +just now$`,
        'm',
      ),
    );
  });

  it('delete removes the stream: list no longer shows it, and a second delete is the API’s 404', async () => {
    const box = sandbox();
    const env = patinaEnv(server, server.admin);
    const rs = await receiver();
    const { stream_id: id } = await rs.ssf('POST', '/ssf/streams', { delivery: { method: POLL } });
    const { stream_id: kept } = await rs.ssf('POST', '/ssf/streams', {
      delivery: { method: POLL },
    });

    // Not on a terminal, and no --yes: nothing is deleted.
    expect(await box.patina(['ssf', 'delete', id], { env })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'patina: Refusing to delete without confirmation: pass --yes\n',
    });
    expect((await server.adminClient.ssfStreams.list()).map((s) => s.id)).toContain(id);

    expect(await box.patina(['ssf', 'delete', id, '--yes'], { env })).toEqual({
      code: 0,
      stdout: '',
      stderr: `Deleted stream ${id}.\n`,
    });
    const after = await box.patina(['ssf', 'list'], { env });
    expect(after.code).toBe(0);
    expect(after.stdout).not.toContain(id);
    expect(after.stdout).toContain(kept);

    const again = await box.patina(['ssf', 'delete', id, '--yes'], { env });
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(
      new RegExp(
        `^patina: DELETE /patina/v1/ssf-streams/\\{id\\} failed with 404 404 Not found: Stream '${id}' was not found \\(trackingId [0-9a-f]{32}\\)\\n$`,
      ),
    );

    const json = await box.patina(['ssf', 'delete', kept, '--yes', '--json'], { env });
    expect(json).toEqual({ code: 0, stdout: `{\n  "deleted": "${kept}"\n}\n`, stderr: '' });
  });

  it('is refused to a receiver that is not an administrator: the API’s 403, exit 1', async () => {
    const box = sandbox();
    const rs = await receiver();
    const { stream_id: id } = await rs.ssf('POST', '/ssf/streams', { delivery: { method: POLL } });
    const env = patinaEnv(server, rs);

    const listed = await box.patina(['ssf', 'list'], { env });
    expect(listed.code).toBe(1);
    expect(listed.stdout).toBe('');
    expect(listed.stderr).toMatch(
      /^patina: GET \/patina\/v1\/ssf-streams failed with 403 403 Forbidden: Listing Shared Signals streams needs the right sp:all-personal-access-tokens:read \(trackingId [0-9a-f]{32}\)\n$/,
    );

    const deleted = await box.patina(['ssf', 'delete', id, '--yes'], { env });
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toBe('');
    expect(deleted.stderr).toMatch(
      new RegExp(
        `^patina: DELETE /patina/v1/ssf-streams/\\{id\\} failed with 403 403 Forbidden: Deleting a Shared Signals stream needs the right sp:all-personal-access-tokens:manage \\(trackingId [0-9a-f]{32}\\)\\n$`,
      ),
    );
    expect((await server.adminClient.ssfStreams.list()).map((s) => s.id)).toContain(id);
  });

  it('shows control characters a server stored in a stream as visible escapes', async () => {
    const box = sandbox();
    const rs = await receiver();
    const { stream_id: id } = await rs.ssf('POST', '/ssf/streams', { delivery: { method: POLL } });
    // The API refuses such a reason now; a database from an older server may hold one.
    const require = createRequire(join(ROOT, 'packages/server/package.json'));
    const Database = require('better-sqlite3') as typeof BetterSqlite3;
    const db = new Database(join(server.dataDir, 'patina.db'));
    try {
      db.pragma('busy_timeout = 5000');
      db.prepare("UPDATE ssf_streams SET status = 'disabled', status_reason = ? WHERE id = ?").run(
        'gone\u001b[2J\u001b]52;c;ZXZpbA==\u0007',
        id,
      );
    } finally {
      db.close();
    }
    const listed = await box.patina(['ssf', 'list'], { env: patinaEnv(server, server.admin) });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).not.toContain('\u001b');
    expect(listed.stdout).toContain('disabled (gone\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07)');
  });
});

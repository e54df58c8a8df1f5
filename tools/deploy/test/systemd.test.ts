import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './docker.js';

/**
 * deploy/systemd/patina.service as systemd reads it: `systemd-analyze verify` must pass with
 * nothing to say (it exits 0 on an unknown key, with a warning, so the warnings count too).
 */
const UNIT = join(ROOT, 'deploy/systemd/patina.service');

function verify(path: string): { status: number | null; output: string } {
  const result = spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8' });
  if (result.error) {
    throw new Error(`systemd-analyze could not run (${result.error.message}): install systemd`);
  }
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

describe('the systemd unit', () => {
  it('passes systemd-analyze verify without a warning', () => {
    expect(verify(UNIT)).toEqual({ status: 0, output: '' });
  });

  it('keeps the hardening the deployment guide promises', () => {
    const unit = readFileSync(UNIT, 'utf8');
    for (const line of [
      'DynamicUser=yes',
      'StateDirectory=patina',
      'ProtectSystem=strict',
      'NoNewPrivileges=yes',
      'PrivateTmp=yes',
      'Restart=on-failure',
      'Type=simple',
    ]) {
      expect(unit.split('\n')).toContain(line);
    }
  });

  it('would notice a misspelt setting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patina-unit-'));
    const bad = join(dir, 'patina.service');
    writeFileSync(bad, readFileSync(UNIT, 'utf8').replace('NoNewPrivileges=', 'NoNewPrivilegez='));
    expect(verify(bad).output).toContain("Unknown key 'NoNewPrivilegez'");
  });
});

import { AUDIT_EVENT_TYPES } from '@patina/contract';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandbox } from './run-patina.js';

const COMMANDS = [
  ['pat'],
  ['identities'],
  ['audit'],
  ['login'],
  ['logout'],
  ['whoami'],
  ['token'],
  ['pat', 'list'],
  ['pat', 'create'],
  ['pat', 'show'],
  ['pat', 'rename'],
  ['pat', 'edit'],
  ['pat', 'rotate'],
  ['pat', 'delete'],
  ['identities', 'list'],
  ['identities', 'create'],
  ['identities', 'disable'],
  ['identities', 'offboard'],
  ['webhooks'],
  ['webhooks', 'list'],
  ['webhooks', 'create'],
  ['webhooks', 'delete'],
  ['webhooks', 'rotate-secret'],
  ['webhooks', 'test'],
  ['webhooks', 'deliveries'],
  ['trust'],
  ['trust', 'list'],
  ['trust', 'create'],
  ['trust', 'show'],
  ['trust', 'update'],
  ['trust', 'delete'],
  ['ssf'],
  ['ssf', 'list'],
  ['ssf', 'delete'],
  ['audit', 'list'],
  ['scan'],
  ['completion'],
];

describe('usage', () => {
  it('--help of every command shows the global options and an example', async () => {
    const box = sandbox();
    for (const command of COMMANDS) {
      const help = await box.patina([...command, '--help']);
      expect({ command, code: help.code, stderr: help.stderr }).toEqual({
        command,
        code: 0,
        stderr: '',
      });
      expect(help.stdout).toContain(`Usage: patina ${command.join(' ')}`);
      expect(help.stdout).toMatch(/\nExamples:\n {2}\$ .*patina /);
      expect(help.stdout).toContain('--json');
      expect(help.stdout).toContain('--base-url <url>');
      expect(help.stdout).toContain('--profile <name>');
    }
    const bare = await box.patina([]);
    expect(bare.code).toBe(0);
    expect(bare.stdout).toMatch(/^Usage: patina \[options\] \[command\]/);
  });

  it('exits 2 for usage errors, naming the problem and never echoing a pasted secret', async () => {
    const box = sandbox();
    const pasted = `patina_${'Q'.repeat(57)}`;
    const cases: [string[], string][] = [
      [['frobnicate'], "patina: unknown command 'frobnicate'\n"],
      [['pat', 'list', '--colour'], "patina: unknown option '--colour'\n"],
      [['pat', 'create'], "patina: missing required argument 'name'\n"],
      [
        ['pat', 'create', 'x', '--expires', 'tomorrow'],
        'patina: --expires must be a span like 30d or 12h, a date like 2027-01-31, or never\n',
      ],
      [
        ['pat', 'show', pasted],
        'patina: That is not a PAT id (32 lowercase hex characters, as `patina pat list` shows)\n',
      ],
      [
        ['ssf', 'delete', pasted, '--yes'],
        'patina: That is not a stream id (32 lowercase hex characters, as `patina ssf list` shows)\n',
      ],
      [
        ['audit', 'list', '--type', 'NOPE'],
        `patina: option '--type <type>' argument 'NOPE' is invalid. Allowed choices are ${AUDIT_EVENT_TYPES.join(', ')}.\n`,
      ],
      [
        ['completion', 'tcsh'],
        "patina: command-argument value 'tcsh' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.\n",
      ],
      [
        ['pat', 'list', '--base-url', 'localhost:7070'],
        'patina: The base URL from flag --base-url is not an http:// or https:// URL (e.g. http://127.0.0.1:7070)\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const outcome = await box.patina(args);
      expect({ args, ...outcome }).toEqual({ args, code: 2, stdout: '', stderr });
    }
  });

  it('exits 4 when not logged in', async () => {
    const box = sandbox();
    expect(await box.patina(['pat', 'list'])).toEqual({
      code: 4,
      stdout: '',
      stderr:
        'patina: Not logged in (profile default): no base URL; run `patina login`, or set PATINA_BASE_URL\n',
    });
    expect(await box.patina(['token'], { env: { PATINA_BASE_URL: 'http://127.0.0.1:1' } })).toEqual(
      {
        code: 4,
        stdout: '',
        stderr:
          'patina: Not logged in (profile default): run `patina login`, or set PATINA_CLIENT_ID and PATINA_CLIENT_SECRET\n',
      },
    );
    expect(await box.patina(['logout', '--profile', 'nobody'])).toEqual({
      code: 4,
      stdout: '',
      stderr: 'patina: Not logged in with profile nobody: nothing to forget\n',
    });
  });

  it('completion bash completes commands, subcommands and options', async () => {
    const box = sandbox();
    const script = await box.patina(['completion', 'bash']);
    expect(script.code).toBe(0);
    const file = join(box.home, 'patina.bash');
    writeFileSync(file, script.stdout);
    const complete = (...words: string[]) => {
      const shell = `source ${file}; COMP_WORDS=(patina ${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length}; _patina; echo "\${COMPREPLY[*]}"`;
      const result = spawnSync('bash', ['-c', shell], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(result.stderr);
      return result.stdout.trim();
    };
    expect(complete('p')).toBe('pat');
    expect(complete('pat', '')).toBe(
      'list create show rename edit rotate delete --json --base-url --profile --help',
    );
    expect(complete('pat', 'create', 'name', '--s')).toBe('--scope');
    expect(complete('--profile', 'ci', 'identities', 'd')).toBe('disable');
    expect(complete('webhooks', 'r')).toBe('rotate-secret');
    expect(complete('ssf', '')).toBe('list delete --json --base-url --profile --help');

    const zsh = await box.patina(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef patina\n/);
    expect(zsh.stdout).toContain('complete -o default -F _patina patina');

    const fish = await box.patina(['completion', 'fish']);
    expect(fish.stdout).toContain(
      "complete -c patina -n '__fish_seen_subcommand_from pat; and not __fish_seen_subcommand_from list create show rename edit rotate delete' -a list -d 'List PATs (yours, unless --owner or --all)'",
    );
    expect(fish.stdout).toContain(
      "complete -c patina -n '__fish_seen_subcommand_from pat; and __fish_seen_subcommand_from create' -l scope",
    );
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';

/**
 * The load of S6 and S7 (lib/load.mjs, kind `once`): each request carries the next line of a
 * file, as its body (S6: each holds a token Patina exchanges once) or as a header (S7: each a
 * DPoP proof Patina accepts once). With either generator no line goes out twice, and a run that
 * outlasts its lines fails rather than measuring refused replays. The server here answers a
 * line's first arrival 200 and any repeat 409, as Patina answers a replayed jti, and 400 a
 * request without the line where it should be.
 */
interface LoadResult {
  expected: number;
  unexpected: number;
  exhausted: number;
}
interface LoadModule {
  measure: (
    spec: Record<string, unknown>,
    options: { generator: string; seconds: number; connections: number; workDir: string },
  ) => Promise<LoadResult>;
}

const LOAD = new URL('../lib/load.mjs', import.meta.url).href;
const GENERATORS = ['autocannon', ...(spawnSync('wrk', ['--version']).error ? [] : ['wrk'])];
/** Where the line goes: the body (S6), or the `dpop` header of a GET (S7). */
const MODES = [
  { into: 'body', method: 'POST', onceHeader: undefined },
  { into: 'header', method: 'GET', onceHeader: 'dpop' },
] as const;
const CASES = GENERATORS.flatMap((generator) => MODES.map((mode) => ({ generator, ...mode })));

async function oneTimeServer(onceHeader: string | undefined) {
  const seen = new Set<string>();
  let repeats = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const header = onceHeader === undefined ? undefined : req.headers[onceHeader];
      const line = onceHeader === undefined ? body : header;
      if (typeof line !== 'string' || line === '' || (onceHeader !== undefined && body !== '')) {
        res.statusCode = 400;
      } else {
        if (seen.has(line)) repeats++;
        res.statusCode = seen.has(line) ? 409 : 200;
        seen.add(line);
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen: () => seen.size,
    repeats: () => repeats,
  };
}

function linesFile(count: number): { file: string; workDir: string } {
  const workDir = mkdtempSync(join(tmpdir(), 'patina-bench-once-'));
  onTestFinished(() => rmSync(workDir, { recursive: true, force: true }));
  const file = join(workDir, 'lines.txt');
  writeFileSync(file, Array.from({ length: count }, (_, i) => `line-${i}`).join('\n') + '\n');
  return { file, workDir };
}

describe.each(CASES)('one-time $into with $generator', ({ generator, method, onceHeader }) => {
  const spec = (url: string, lines: string) => ({
    url,
    kind: 'once',
    method,
    path: '/',
    lines,
    onceHeader,
    expect: [200],
  });

  it('sends every line at most once', async () => {
    const { measure } = (await import(LOAD)) as LoadModule;
    const server = await oneTimeServer(onceHeader);
    const { file, workDir } = linesFile(200_000);
    const result = await measure(spec(server.url, file), {
      generator,
      seconds: 1,
      connections: 10,
      workDir,
    });
    expect(result.exhausted).toBe(0);
    expect(result.unexpected).toBe(0);
    expect(server.repeats()).toBe(0);
    expect(result.expected).toBeGreaterThan(0);
    expect(server.seen()).toBeGreaterThanOrEqual(result.expected);
  });

  it('fails a run that outlasts its lines, saying so', async () => {
    const { measure } = (await import(LOAD)) as LoadModule;
    const server = await oneTimeServer(onceHeader);
    const { file, workDir } = linesFile(20);
    const what = onceHeader === undefined ? 'bodies' : `${onceHeader} headers`;
    await expect(
      measure(spec(server.url, file), { generator, seconds: 1, connections: 10, workDir }),
    ).rejects.toThrow(
      new RegExp(`ran out of one-time ${what} \\(\\d+ requests after the last of them\\)`),
    );
  });
});

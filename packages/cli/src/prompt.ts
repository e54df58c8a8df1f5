import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Context } from './context.js';

/** One line typed at the terminal; with `hidden` nothing is echoed (a secret). */
export function promptLine(
  ctx: Context,
  question: string,
  options: { hidden?: boolean } = {},
): Promise<string> {
  ctx.stderr.write(question);
  // readline echoes what it reads to `output`; for a secret that output goes nowhere.
  const output = options.hidden
    ? new Writable({ write: (_chunk, _encoding, done) => done() })
    : ctx.stderr;
  const rl = createInterface({ input: ctx.stdin, output, terminal: Boolean(ctx.stdin.isTTY) });
  return new Promise((resolve, reject) => {
    rl.once('line', (line) => {
      rl.close();
      if (options.hidden) ctx.stderr.write('\n');
      resolve(line.trim());
    });
    rl.once('SIGINT', () => {
      rl.close();
      ctx.stderr.write('\n');
      reject(Object.assign(new Error('Cancelled'), { name: 'AbortError' }));
    });
    rl.once('close', () => resolve(''));
  });
}

/** y or yes, typed at the terminal. */
export async function confirm(ctx: Context, question: string): Promise<boolean> {
  const answer = await promptLine(ctx, `${question} [y/N] `);
  return /^y(es)?$/i.test(answer);
}

/** Everything on stdin, trimmed: a secret piped in (`--client-secret-stdin`). */
export async function readStdin(ctx: Context): Promise<string> {
  let text = '';
  for await (const chunk of ctx.stdin) text += String(chunk);
  return text.trim();
}

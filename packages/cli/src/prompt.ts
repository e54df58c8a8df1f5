import { createInterface } from 'node:readline';
import type { Context } from './context.js';

/** One line typed at the terminal; with `hidden` nothing is echoed (a secret). */
export function promptLine(
  ctx: Context,
  question: string,
  options: { hidden?: boolean } = {},
): Promise<string> {
  ctx.stderr.write(question);
  if (options.hidden && ctx.stdin.isTTY && ctx.stdin.setRawMode) return readHidden(ctx);
  const rl = createInterface({ input: ctx.stdin, output: ctx.stderr, terminal: false });
  return new Promise((resolve) => {
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line.trim());
    });
    rl.once('close', () => {
      if (!answered) resolve('');
    });
  });
}

/**
 * Keys read one by one in raw mode, echoing nothing: Enter ends, Backspace takes one back,
 * Ctrl-C cancels, Ctrl-D ends what was typed.
 */
function readHidden(ctx: Context): Promise<string> {
  const stdin = ctx.stdin;
  stdin.setRawMode?.(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (done: () => void) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      ctx.stderr.write('\n');
      done();
    };
    const onData = (chunk: Buffer | string) => {
      for (const char of String(chunk)) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          return finish(() => resolve(typed.trim()));
        }
        if (char === '\u0003') {
          return finish(() =>
            reject(Object.assign(new Error('Cancelled'), { name: 'AbortError' })),
          );
        }
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.on('data', onData);
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

#!/usr/bin/env node
import type { Context } from './context.js';
import { describeFailure, EXIT } from './errors.js';
import { visible } from './output.js';
import { buildProgram } from './program.js';

/** Runs `patina` with these arguments (those after the program name); resolves to the exit code. */
export async function main(args: string[], ctx: Context): Promise<number> {
  const program = buildProgram(ctx);
  if (args.length === 0) {
    program.outputHelp();
    return EXIT.ok;
  }
  try {
    await program.parseAsync(args, { from: 'user' });
    return EXIT.ok;
  } catch (error) {
    const { exitCode, message } = describeFailure(error);
    // The message may quote the server's answer: shown, never obeyed by the terminal.
    if (message) ctx.stderr.write(`patina: ${visible(message)}\n`);
    if (ctx.env.PATINA_DEBUG && error instanceof Error && error.stack) {
      ctx.stderr.write(`${error.stack}\n`);
    }
    return exitCode;
  }
}

const context: Context = {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  nowMs: () => Date.now(),
};

process.exitCode = await main(process.argv.slice(2), context);

import type { PatinaClient } from '@patina/sdk';
import type { Command } from 'commander';
import { colours, json, type Colours, type Streams } from './output.js';
import { clientFrom, resolveSettings, type GlobalFlags, type Settings } from './settings.js';

/** What a command may touch of the world: streams, environment, clock. Tests pass their own. */
export interface Context extends Streams {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  nowMs: () => number;
}

/** The options every command takes. */
export interface GlobalOptions extends GlobalFlags {
  json?: boolean;
}

/** One running command: its options, output and, when it needs one, a client. */
export class Run {
  readonly options: GlobalOptions;
  readonly out: Colours;
  readonly err: Colours;

  constructor(
    readonly ctx: Context,
    command: Command,
  ) {
    this.options = command.optsWithGlobals<GlobalOptions>();
    this.out = colours(ctx.stdout, ctx.env);
    this.err = colours(ctx.stderr, ctx.env);
  }

  /** The terminal's width, for tables; undefined when stdout is not a terminal. */
  get width(): number | undefined {
    return this.ctx.stdout.isTTY ? this.ctx.stdout.columns : undefined;
  }

  get json(): boolean {
    return this.options.json === true;
  }

  settings(): Settings {
    return resolveSettings(this.options, this.ctx.env);
  }

  client(): PatinaClient {
    return clientFrom(this.settings());
  }

  /** A result: stdout. */
  print(text: string): void {
    this.ctx.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  printJson(value: unknown): void {
    this.ctx.stdout.write(json(value));
  }

  /** A message for the person at the terminal: stderr. */
  say(text: string): void {
    this.ctx.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/** The Run of a commander action, whose last argument is its Command. */
export function runOf(ctx: Context, args: unknown[]): Run {
  return new Run(ctx, args[args.length - 1] as Command);
}

import type { Output } from './output.ts';

export interface CommandContext {
  dataDir: string;
  out: Output;
  /** Positional arguments after the command words. */
  args: string[];
  /** A repeatable option (`--url`) is a list. */
  options: Record<string, string | boolean | string[] | undefined>;
}

export interface Command {
  /** One or two words, e.g. "status" or "item add". */
  name: string;
  usage: string;
  summary: string;
  /** Options this command accepts besides the global ones. */
  options?: string[];
  /** How many positional arguments it takes. */
  positionals?: { min: number; max: number };
  run(ctx: CommandContext): Promise<void>;
}

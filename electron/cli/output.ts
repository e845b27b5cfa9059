import type { z } from 'zod';
import { toErrorBody } from '../../shared/errors.ts';

export interface Output {
  json: boolean;
  /** Prints a result: JSON on stdout (validated against its public schema), or the human text. */
  result<S extends z.ZodType>(schema: S, value: z.input<S>, human: (value: z.output<S>) => string): void;
  error(err: unknown): void;
  info(line: string): void;
}

export function createOutput(json: boolean): Output {
  return {
    json,
    result(schema, value, human) {
      const checked = schema.parse(value);
      if (json) process.stdout.write(`${JSON.stringify(checked)}\n`);
      else process.stdout.write(`${human(checked)}\n`);
    },
    error(err) {
      const body = toErrorBody(err);
      if (json) process.stdout.write(`${JSON.stringify({ error: body })}\n`);
      else process.stderr.write(`tessera: ${body.message}\n`);
    },
    info(line) {
      process.stderr.write(`${line}\n`);
    },
  };
}

import { contract, isOpName } from '../../shared/api/contract.ts';
import type { Envelope } from '../../shared/api/contract.ts';
import type { Handlers } from '../../shared/api/handlers.ts';
import { TesseraError, toErrorBody } from '../../shared/errors.ts';
import { describeInvalidInput, NO_SCHEMA_MESSAGE } from './invalid-input.ts';

/**
 * The single entry point of every adapter: checks the operation name and its arguments against the contract,
 * runs the handler, checks the result, and wraps everything (including failures) in an envelope.
 */
export async function dispatch(handlers: Handlers, op: unknown, input: unknown): Promise<Envelope<unknown>> {
  if (!isOpName(op)) {
    return { ok: false, error: { code: 'BAD_REQUEST', message: `Unknown operation "${String(op)}".` } };
  }
  const spec = contract[op];
  // Issues without a message of their own get a marker, then a sentence in people's words (invalid-input.ts).
  const parsed = spec.input.safeParse(input ?? {}, { error: () => NO_SCHEMA_MESSAGE });
  if (!parsed.success) {
    return { ok: false, error: { code: 'BAD_REQUEST', message: describeInvalidInput(parsed.error, input) } };
  }
  try {
    const handler = handlers[op] as (args: unknown) => unknown;
    const value = await handler(parsed.data);
    return { ok: true, value: spec.output.parse(value) };
  } catch (err) {
    if (!(err instanceof TesseraError)) console.error(`[tessera] ${op} failed:`, err);
    return { ok: false, error: toErrorBody(err) };
  }
}

import type { z } from 'zod';
import { appOps } from './ops/app.ts';
import { itemOps } from './ops/items.ts';
import { friendOps } from './ops/friends.ts';
import { backupOps } from './ops/backup.ts';
import { recoveryOps } from './ops/recovery.ts';
import { settingsOps } from './ops/settings.ts';
import { transferOps } from './ops/transfer.ts';
import type { ErrorBody } from '../errors.ts';
import type { OpSpec } from './op.ts';

/**
 * The one API of Tessera. Every adapter (Electron IPC, the headless host's HTTP API, the CLI) exposes exactly these
 * operations and validates against these schemas; the core implements them once.
 */
export const contract = {
  ...appOps,
  ...itemOps,
  ...friendOps,
  ...backupOps,
  ...recoveryOps,
  ...settingsOps,
  ...transferOps,
};

export type Contract = typeof contract;
export type OpName = keyof Contract;
export type OpInput<N extends OpName> = z.input<Contract[N]['input']>;
export type OpArgs<N extends OpName> = z.output<Contract[N]['input']>;
export type OpOutput<N extends OpName> = z.output<Contract[N]['output']>;

export const OP_NAMES = Object.keys(contract) as OpName[];

export function isOpName(value: unknown): value is OpName {
  return typeof value === 'string' && Object.hasOwn(contract, value);
}

/** The contract's `public` flag (shared/api/op.ts): may this operation run while the vault is locked or absent? */
export function isPublicOp(op: OpName): boolean {
  const spec: OpSpec = contract[op];
  return spec.public === true;
}

/** What every adapter returns for a call. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };

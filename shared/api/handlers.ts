import type { OpArgs, OpName, OpOutput } from './contract.ts';

/** What implements one operation of the contract: the core's services provide one per op (electron/core/services.ts). */
export type Handler<N extends OpName> = (args: OpArgs<N>) => Promise<OpOutput<N>> | OpOutput<N>;
export type Handlers = { [N in OpName]: Handler<N> };

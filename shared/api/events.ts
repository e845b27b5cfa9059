import { z } from 'zod';

/**
 * Events tell front ends that something changed so they re-read it through the contract; they carry no data that
 * the contract does not already expose. `notice` is for things a person should be told (a pending request).
 * A notice with a `key` stands for something that can change: a later notice with the same key takes its place,
 * and `notice-withdrawn` takes it away once its cause is gone (the request was answered, or expired).
 */
export const Topic = z.enum([
  'status',
  'items',
  'friends',
  'backup',
  'requests',
  'held',
  'recovery',
  'settings',
]);
export type Topic = z.infer<typeof Topic>;

export const TesseraEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('changed'), topics: z.array(Topic) }),
  z.object({ type: z.literal('notice'), title: z.string(), body: z.string(), key: z.string().optional() }),
  z.object({ type: z.literal('notice-withdrawn'), key: z.string() }),
]);
export type TesseraEvent = z.infer<typeof TesseraEvent>;

/** libp2p protocol IDs of the Tessera mesh and the per-protocol message caps (checked before allocating). */
export const PROTOCOLS = {
  pair: '/tessera/pair/1.0.0',
} as const;

export type ProtocolName = keyof typeof PROTOCOLS;

export const MESSAGE_CAPS: Record<ProtocolName, number> = {
  pair: 1024,
};

/** Per-connection stream caps for each protocol (inbound and outbound). */
export const STREAM_CAPS: Record<ProtocolName, number> = {
  pair: 2,
};

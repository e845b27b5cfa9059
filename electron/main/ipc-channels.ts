/** The only two IPC channels between the preload and the main process. Shared so they cannot drift. */
export const CALL_CHANNEL = 'tessera:call';
export const EVENT_CHANNEL = 'tessera:event';

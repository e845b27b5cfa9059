/**
 * The prefixes of the codes people copy between devices, in one place so that each decoder can recognise the other
 * kind and say so ("this is an invite, not a recovery code") instead of only "wrong prefix".
 */
export const INVITE_PREFIX = 'TESSERA:';
export const RECOVERY_CODE_PREFIX = 'TESSERA-RECOVER:';
/** A custodian's reply to a remote recovery code (PROTOCOL §11.7): typed on the new device. */
export const REPLY_CODE_PREFIX = 'TESSERA-REPLY:';

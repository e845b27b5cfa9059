import { hasOp } from '../lib/api.ts';

/**
 * Which screens this build can show, decided by the operations present in the contract. Screens whose operations
 * have not landed stay out of the navigation.
 */
export function screensAvailable() {
  return {
    friends: hasOp('friends.list'),
    backup: hasOp('backup.status'),
    holding: hasOp('held.list'),
    recoveryHelp: hasOp('recovery.approve'),
    recover: hasOp('recovery.start'),
  };
}

import { fingerprintOf, identityFromSecrets, peerIdOf } from '../../../shared/crypto/identity.ts';
import type { IdentityKeys } from '../../../shared/crypto/identity.ts';
import { equalBytes } from '../../../shared/crypto/bytes.ts';
import { VaultDataCorruptError } from './errors.ts';
import type { VaultSession } from './session.ts';
import type { PublicIdentity } from './vault-repo.ts';

const TABLE = 'identity';
const ROW = '1';

/** The public half of an identity under the owner's name, as the vault stores it beside the sealed secrets. */
export function publicIdentityOf(name: string, keys: IdentityKeys): PublicIdentity {
  return {
    name,
    peerId: peerIdOf(keys.signPublic),
    fingerprint: fingerprintOf(keys.signPublic),
    signPublic: keys.signPublic,
    boxPublic: keys.boxPublic,
    boxSignature: keys.boxSignature,
  };
}

/** Seals the two identity secrets (signSeed || boxSecret) under the vault key. */
export function sealIdentitySecrets(session: VaultSession, keys: IdentityKeys): Buffer {
  const plain = Buffer.concat([keys.signSeed, keys.boxSecret]);
  try {
    return session.sealRow(TABLE, ROW, plain);
  } finally {
    plain.fill(0);
  }
}

/** Opens the identity secrets and checks they match the stored public keys. */
export function openIdentitySecrets(
  session: VaultSession,
  sealed: Buffer,
  identity: PublicIdentity,
): IdentityKeys {
  const plain = session.openRow(TABLE, ROW, sealed);
  try {
    if (plain.length !== 64) throw new VaultDataCorruptError('the identity keys');
    const keys = identityFromSecrets(plain.subarray(0, 32), plain.subarray(32));
    if (!equalBytes(keys.signPublic, identity.signPublic) || !equalBytes(keys.boxPublic, identity.boxPublic))
      throw new VaultDataCorruptError('the identity keys (they do not match the public identity)');
    return keys;
  } finally {
    plain.fill(0);
  }
}

export function wipeIdentity(keys: IdentityKeys): void {
  keys.signSeed.fill(0);
  keys.boxSecret.fill(0);
}

export function copyIdentity(keys: IdentityKeys): IdentityKeys {
  return {
    signSeed: Uint8Array.from(keys.signSeed),
    signPublic: Uint8Array.from(keys.signPublic),
    boxSecret: Uint8Array.from(keys.boxSecret),
    boxPublic: Uint8Array.from(keys.boxPublic),
    boxSignature: Uint8Array.from(keys.boxSignature),
  };
}

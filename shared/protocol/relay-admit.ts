/**
 * Announcing a stranger to a friend relay (/tessera/relay-admit/1.0.0, PROTOCOL §11.7): a custodian C tells a friend
 * R that relays for friends (§10.2) that the new device S of a remote recovery may reach C through R. One request,
 * one answer:
 *
 *   C → R  admit   { v: 1, t: 1, peer: bytes(38) (S's peer ID), until: ms }
 *   R → C  ok      { v: 1, t: 2, until: ms (what R granted), bytes: uint (S's relay budget in bytes) }
 *          refused { v: 1, t: 3, reason: text ≤ 300 }
 *
 * `peer` is the binary peer ID (identity multihash of the Ed25519 public key, §6.2): every Tessera peer, a recovery
 * session included, has an Ed25519 key, so any other kind of peer ID is refused.
 */
import { MalformedDataError, UnsupportedFormatError } from '../crypto/errors.ts';
import { fromBase58btc, toBase58btc } from '../crypto/bytes.ts';
import { signPublicFromPeerId } from '../crypto/identity.ts';
import { decodeCanonical, encodeCanonical } from '../formats/cbor.ts';
import { Fields } from './fields.ts';

export const MAX_RELAY_ADMIT_MESSAGE_BYTES = 512;
export const RELAY_ADMIT_REASON_MAX = 300;
/** An Ed25519 libp2p peer ID in binary: 6 bytes of multihash and protobuf header, then the 32-byte key. */
const PEER_ID_BYTES = 38;

export type RelayAdmitMessage =
  { t: 1; peer: string; until: number } | { t: 2; until: number; bytes: number } | { t: 3; reason: string };

/** The peer ID's binary form; MalformedDataError for anything but an Ed25519 peer ID. */
function peerBytes(peerId: string): Uint8Array {
  signPublicFromPeerId(peerId);
  return fromBase58btc(peerId, 64);
}

export function encodeRelayAdmitMessage(msg: RelayAdmitMessage): Uint8Array {
  switch (msg.t) {
    case 1:
      return encodeCanonical({ v: 1, t: 1, peer: peerBytes(msg.peer), until: msg.until });
    case 2:
      return encodeCanonical({ v: 1, t: 2, until: msg.until, bytes: msg.bytes });
    case 3:
      return encodeCanonical({
        v: 1,
        t: 3,
        reason: [...msg.reason].slice(0, RELAY_ADMIT_REASON_MAX).join(''),
      });
  }
}

export function decodeRelayAdmitMessage(bytes: Uint8Array): RelayAdmitMessage {
  const what = 'Relay admission message';
  const value = decodeCanonical(bytes, MAX_RELAY_ADMIT_MESSAGE_BYTES, what);
  const head = new Fields(value, what, ['v', 't', 'peer', 'until', 'bytes', 'reason']);
  const v = head.uint('v', 255);
  if (v !== 1) throw new UnsupportedFormatError(what, v);
  const t = head.uint('t', 255);
  switch (t) {
    case 1: {
      const f = new Fields(value, what, ['v', 't', 'peer', 'until']);
      const peer = toBase58btc(f.bytes('peer', PEER_ID_BYTES));
      try {
        signPublicFromPeerId(peer);
      } catch {
        throw new MalformedDataError(what, 'field "peer" is not an Ed25519 peer ID');
      }
      return { t, peer, until: f.uint('until') };
    }
    case 2: {
      const f = new Fields(value, what, ['v', 't', 'until', 'bytes']);
      return { t, until: f.uint('until'), bytes: f.uint('bytes') };
    }
    case 3:
      return {
        t,
        reason: new Fields(value, what, ['v', 't', 'reason']).text('reason', RELAY_ADMIT_REASON_MAX),
      };
    default:
      throw new MalformedDataError(what, `unknown type ${t}`);
  }
}

/**
 * A bare js-libp2p node (bench/idle-bare.ts: TCP, Noise, yamux, identify) in a process of its own, as a peer that
 * runs no Tessera: the idle bench's baseline, a peer the keep-alive test can freeze, and a stock Noise peer to echo
 * bytes back.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const BARE_PEER = fileURLToPath(new URL('../../bench/idle-bare.ts', import.meta.url));

export interface BarePeer {
  child: ChildProcess;
  /** Its listen address, ending in /p2p/<peer ID>. */
  addr: string;
  peerId: string;
}

/** The protocol a peer started with `echo` answers by sending back every byte it reads. */
export const ECHO_PROTOCOL = '/tessera-test/echo/1.0.0';

/** Starts the peer and resolves once it listens. */
export async function startBarePeer(options: { echo?: boolean } = {}): Promise<BarePeer> {
  const args = options.echo ? [BARE_PEER, '--echo'] : [BARE_PEER];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the bare peer exited with ${code} before listening`)));
  });
  const addr = (JSON.parse(line) as { addr: string }).addr;
  return { child, addr, peerId: addr.slice(addr.lastIndexOf('/p2p/') + '/p2p/'.length) };
}

/**
 * A bare js-libp2p node (bench/idle-bare.ts: TCP, Noise, yamux, identify) in a process of its own, as a peer that
 * runs no Tessera: the idle bench's baseline, and a peer the keep-alive test can freeze.
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

/** Starts the peer and resolves once it listens. */
export async function startBarePeer(): Promise<BarePeer> {
  const child = spawn(process.execPath, [BARE_PEER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the bare peer exited with ${code} before listening`)));
  });
  const addr = (JSON.parse(line) as { addr: string }).addr;
  return { child, addr, peerId: addr.slice(addr.lastIndexOf('/p2p/') + '/p2p/'.length) };
}

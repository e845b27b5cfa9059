import type { TesseraEvent, Topic } from '../../shared/api/events.ts';

type Listener = (event: TesseraEvent) => void;

/** Fan-out of core events to every adapter (IPC, HTTP stream, tray). */
export class EventBus {
  private readonly listeners = new Set<Listener>();

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: TesseraEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        console.error('event listener failed', err);
      }
    }
  }

  changed(...topics: Topic[]): void {
    this.emit({ type: 'changed', topics });
  }
}

import type { TesseraEvent, Topic } from '../../../shared/api/events.ts';

/** What the mesh tells the rest of the core (the event bus, electron/core/event-bus.ts). */
export interface MeshEvents {
  changed(...topics: Topic[]): void;
  /** Tells the person something (a new friend); absent in tests that only watch topics. */
  emit?(event: TesseraEvent): void;
}

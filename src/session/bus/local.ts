import { assertRevocationMessage, deliver, listenerSet, type RevocationBus } from './message.ts';

/** A bus for a single process (tests, `workers: 1`). */
export function localBus(): RevocationBus {
  const { listeners, subscribe } = listenerSet();
  return {
    publish(msg) {
      deliver(listeners, assertRevocationMessage(msg));
    },
    subscribe,
    async close() {
      listeners.clear();
    },
  };
}

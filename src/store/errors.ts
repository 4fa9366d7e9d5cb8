import { defineError, isAirlockError } from '../errors/index.ts';

/** The store cannot be reached or refused a write. The cause (for logs) is kept; messages never carry a URL. */
export const StoreUnavailable = defineError('AIRLOCK_STORE_UNAVAILABLE', 503, 'The data store is unavailable. Try again shortly.');

/** The database holds migrations this version of Airlock does not know (it was opened by a newer version). */
export const StoreSchemaNewer = defineError(
  'AIRLOCK_STORE_SCHEMA_NEWER',
  500,
  'The database schema is newer than this version of Airlock.',
);

/** A row read back from the store does not have the shape Airlock wrote (corruption or a foreign writer). */
export const StoreCorruptRow = defineError('AIRLOCK_STORE_CORRUPT_ROW', 500, 'The data store returned an unreadable record.');

/** Runs one store operation; any non-Airlock failure becomes AIRLOCK_STORE_UNAVAILABLE with the cause kept. */
export async function guarded<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isAirlockError(err)) throw err;
    throw StoreUnavailable.create({ cause: err, logMessage: `store operation "${operation}" failed` });
  }
}

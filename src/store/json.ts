import type { z } from 'zod';
import { StoreCorruptRow } from './errors.ts';

/** Parses a JSON column and checks its shape; a mismatch is AIRLOCK_STORE_CORRUPT_ROW (never a silent default). */
export function parseJsonColumn<T>(schema: z.ZodType<T>, text: string, column: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw StoreCorruptRow.create({ cause, logMessage: `column ${column} is not JSON` });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw StoreCorruptRow.create({ cause: parsed.error, logMessage: `column ${column} has an unexpected shape` });
  return parsed.data;
}

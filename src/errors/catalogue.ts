import { AirlockError } from './airlock-error.ts';

/** One entry in the errors catalogue. Every code is documented in docs/errors.md (a test checks it). */
export interface ErrorSpec {
  readonly code: string;
  readonly status: number;
  readonly message: string;
}

const registry = new Map<string, ErrorSpec>();

/**
 * Registers an error code and returns a factory for it. Areas declare their codes at module load:
 *   export const SessionExpired = defineError('AIRLOCK_SESSION_EXPIRED', 401, 'Your session has expired.');
 *   throw SessionExpired.create({ cause });
 */
export function defineError(code: string, status: number, message: string) {
  if (!/^AIRLOCK_[A-Z0-9]+(_[A-Z0-9]+)+$/.test(code)) throw new TypeError(`invalid error code ${code}`);
  const existing = registry.get(code);
  if (existing && (existing.status !== status || existing.message !== message)) {
    throw new TypeError(`error code ${code} defined twice with different meaning`);
  }
  const spec: ErrorSpec = Object.freeze({ code, status, message });
  registry.set(code, spec);
  return Object.freeze({
    ...spec,
    create(options: { cause?: unknown; details?: Record<string, unknown>; message?: string; logMessage?: string } = {}) {
      return new AirlockError(code, status, options.message ?? message, options);
    },
    is(err: unknown): err is AirlockError {
      return err instanceof AirlockError && err.code === code;
    },
  });
}

export type ErrorFactory = ReturnType<typeof defineError>;

/** All codes registered so far (areas register when their modules load). */
export function registeredErrors(): ErrorSpec[] {
  return [...registry.values()].sort((a, b) => a.code.localeCompare(b.code));
}

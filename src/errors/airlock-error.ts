/**
 * Base class of every Airlock domain error. Each error has a stable `code`
 * (AIRLOCK_<AREA>_<WHAT>), an HTTP status and a message that is safe to show a client.
 * The `cause` (if any) is for logs only and never reaches a client.
 */
export class AirlockError extends Error {
  readonly code: string;
  readonly status: number;
  /** Client-safe message: no secrets, no internals. */
  readonly publicMessage: string;
  /** Optional structured details that are safe to show the client (e.g. reasons, a URL). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
    status: number,
    publicMessage: string,
    options: { cause?: unknown; details?: Record<string, unknown>; logMessage?: string } = {},
  ) {
    super(options.logMessage ?? publicMessage, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AirlockError';
    this.code = code;
    this.status = status;
    this.publicMessage = publicMessage;
    this.details = options.details === undefined ? undefined : Object.freeze({ ...options.details });
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, message: this.publicMessage, ...(this.details ?? {}) };
  }
}

export function isAirlockError(value: unknown): value is AirlockError {
  return value instanceof AirlockError;
}

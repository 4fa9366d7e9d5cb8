/**
 * Loads oidc-provider without its start-up notices (it warns about Node 20 at import time, which is
 * noise for a dev IdP). Only that one import is muted; console.warn is restored right after.
 */
const originalWarn = console.warn;
console.warn = (...args: unknown[]) => {
  if (typeof args[0] === 'string' && args[0].includes('oidc-provider WARNING: Unsupported runtime')) return;
  originalWarn(...args);
};
let mod: typeof import('oidc-provider');
try {
  mod = await import('oidc-provider');
} finally {
  console.warn = originalWarn;
}

export const Provider = mod.default;
export const providerErrors = mod.errors;
export type { default as ProviderType } from 'oidc-provider';

/** COSE algorithm identifiers (RFC 9053 / IANA) of the names the config accepts. */
export const COSE_ALGORITHMS = Object.freeze({ ES256: -7, EdDSA: -8, ES384: -35, ES512: -36, PS256: -37, RS256: -257 } as const);

export type AlgorithmName = keyof typeof COSE_ALGORITHMS;

export function coseAlgorithmIds(names: readonly AlgorithmName[]): number[] {
  return names.map((n) => {
    const id = COSE_ALGORITHMS[n];
    if (id === undefined) throw new TypeError(`webauthn: unknown algorithm ${String(n)}`);
    return id;
  });
}

export function algorithmName(id: number): string {
  for (const [name, v] of Object.entries(COSE_ALGORITHMS)) if (v === id) return name;
  return `COSE ${id}`;
}

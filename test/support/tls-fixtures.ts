import { readFileSync } from 'node:fs';

/** PEM test fixtures in test/support/tls (made by its generate.sh; test material only). */
export type TlsFixture = 'ca.pem' | 'other-ca.pem' | 'upstream.pem' | 'upstream.key' | 'named.pem' | 'named.key' | 'client.pem' | 'client.key' | 'other-client.pem' | 'other-client.key';

export const tlsFixturePath = (name: TlsFixture): string => new URL(`./tls/${name}`, import.meta.url).pathname;

export const tlsFixture = (name: TlsFixture): string => readFileSync(tlsFixturePath(name), 'utf8');

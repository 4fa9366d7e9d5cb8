import { z } from 'zod';
import { Secret } from '../secret.ts';
import { ALWAYS, secret, text } from './common.ts';
import { certAndKeyProblems } from './pem.ts';

/**
 * Airlock terminates TLS itself (no load balancer in front): the certificate chain and key it serves on `listen`.
 * SIGHUP reloads them (a renewed certificate is served to new connections without a restart).
 */
export const listenTlsSchema = z
  .strictObject({
    /** PEM certificate chain, leaf first, usually "${file:/etc/airlock/tls/fullchain.pem}". */
    cert: text,
    /** Its unencrypted PEM private key: a secret reference only. */
    key: secret,
  })
  .superRefine((v, ctx) => {
    if (v === null || typeof v !== 'object') return;
    const problems = certAndKeyProblems(typeof v.cert === 'string' ? v.cert : undefined, v.key instanceof Secret ? v.key.reveal() : undefined);
    for (const p of problems) ctx.addIssue({ code: 'custom', path: [p.part], message: p.message });
  }, ALWAYS);

export type ListenTlsConfig = z.infer<typeof listenTlsSchema>;

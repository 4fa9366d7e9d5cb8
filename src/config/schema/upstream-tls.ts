import { z } from 'zod';
import { Secret } from '../secret.ts';
import { ALWAYS, secret, text } from './common.ts';
import { certAndKeyProblems, parseCertificates } from './pem.ts';

/**
 * TLS towards one https:// upstream. The upstream's certificate is always verified (there is no switch to turn
 * that off): against `ca` when given (a private CA, or the upstream's own self-signed certificate), else against
 * Node's public CA list. `client_cert` + `client_key` make Airlock present a certificate (mutual TLS), so an
 * Airflow that requires it accepts connections from the gateway only.
 */
export const upstreamTlsSchema = z
  .strictObject({
    /** PEM certificate(s) trusted for this upstream, usually "${file:/etc/airlock/airflow-ca.pem}". Replaces the public CA list. */
    ca: text.optional(),
    /** PEM certificate Airlock presents to the upstream (mutual TLS), with its chain after it. */
    client_cert: text.optional(),
    /** Its PEM private key, unencrypted: a secret reference only. */
    client_key: secret.optional(),
    /** The name sent as SNI and checked in the upstream's certificate (default: the upstream URL's host). */
    server_name: text.pipe(z.string().regex(/^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'must be a DNS name such as "airflow.internal"')).optional(),
  })
  .superRefine((v, ctx) => {
    // runs even when a field has an issue (every problem at once): check types first
    if (v === null || typeof v !== 'object') return;
    if (typeof v.ca === 'string') {
      const certs = parseCertificates(v.ca);
      if (typeof certs === 'string') ctx.addIssue({ code: 'custom', path: ['ca'], message: certs });
    }
    const hasCert = v.client_cert !== undefined;
    const hasKey = v.client_key !== undefined;
    if (hasCert !== hasKey) {
      ctx.addIssue({ code: 'custom', path: [hasCert ? 'client_key' : 'client_cert'], message: `required with ${hasCert ? 'client_cert' : 'client_key'} (mutual TLS needs both)` });
    }
    const problems = certAndKeyProblems(typeof v.client_cert === 'string' ? v.client_cert : undefined, v.client_key instanceof Secret ? v.client_key.reveal() : undefined);
    for (const p of problems) ctx.addIssue({ code: 'custom', path: [p.part === 'cert' ? 'client_cert' : 'client_key'], message: p.message });
  }, ALWAYS);

export type UpstreamTlsConfig = z.infer<typeof upstreamTlsSchema>;

import { BadDagId } from './errors.ts';

/** Airflow's KEY_REGEX ^[\w.-]+$ with Python's Unicode-aware \w (letters, digits/numerics and "_"), max 250 chars. */
const DAG_ID = /^[\p{L}\p{N}_.-]{1,250}$/u;

export function isValidDagId(id: string): boolean {
  return DAG_ID.test(id);
}

/** Throws AIRLOCK_POLICY_BAD_DAG_ID unless `id` is a valid dag_id ("~" is not a dag_id). */
export function assertDagId(id: string): string {
  if (!DAG_ID.test(id)) throw BadDagId.create({ logMessage: `invalid dag_id ${JSON.stringify(id.slice(0, 300))}` });
  return id;
}

import { defineError } from '../errors/index.ts';

/** The request target is ambiguous: dot segments, encoded separators, "//", ";", "#", backslashes. */
export const AmbiguousTarget = defineError('AIRLOCK_POLICY_AMBIGUOUS_TARGET', 400, 'The request path is ambiguous and was refused.');
/** Malformed percent-encoding, double encoding, invalid UTF-8 or raw non-ASCII / control characters. */
export const BadEncoding = defineError('AIRLOCK_POLICY_BAD_ENCODING', 400, 'The request is not encoded unambiguously and was refused.');
/** A parameter that carries a DAG id (or a FAB list action's name) appears more than once. */
export const ParamPollution = defineError('AIRLOCK_POLICY_PARAM_POLLUTION', 400, 'A parameter that names a DAG or an action appears more than once.');
/** On a DAG-scoped route, a query or form key looks like a DAG id parameter without being one (DAG_ID, dag-id, ｄａｇ＿ｉｄ). */
export const AmbiguousParam = defineError('AIRLOCK_POLICY_AMBIGUOUS_PARAM', 400, 'A parameter name looks like a DAG id parameter but is not spelled exactly as one.');
/** A dag_id does not match Airflow's ^[\w.-]+$. */
export const BadDagId = defineError('AIRLOCK_POLICY_BAD_DAG_ID', 400, 'The DAG id is not valid.');
/** Path, query and body name different DAGs for a single-DAG operation. */
export const DagMismatch = defineError('AIRLOCK_POLICY_DAG_MISMATCH', 400, 'The request names more than one DAG for a single-DAG operation.');
/** The body read for DAG ids is not valid JSON / form data, or has the wrong shape. */
export const BadBody = defineError('AIRLOCK_POLICY_BAD_BODY', 400, 'The request body could not be read for DAG ids.');
/** The body of a route whose DAG ids are read from the body is larger than max_inspected_body. */
export const BodyTooLarge = defineError('AIRLOCK_POLICY_BODY_TOO_LARGE', 413, 'The request body is too large to be checked.');
/** A multipart/form-data body read for DAG ids is malformed or ambiguous (see src/policy/multipart.ts). */
export const BadMultipart = defineError('AIRLOCK_POLICY_BAD_MULTIPART', 400, 'The multipart form body is malformed or ambiguous and was refused.');
/** The body of a route whose DAG ids are read from the body has a content type that cannot be inspected. */
export const UnsupportedBody = defineError('AIRLOCK_POLICY_UNSUPPORTED_BODY', 415, 'The request body type cannot be checked for DAG ids.');

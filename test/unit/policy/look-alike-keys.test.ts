import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAirlockError } from '../../../src/errors/index.ts';
import { canonicalizeTarget, classify, compilePolicy } from '../../../src/policy/index.ts';
import { DAG_PARAM_NAMES, foldParamName, lookAlikeDagKey } from '../../../src/policy/look-alike-keys.ts';
import { makeConfig } from './helpers.ts';

const policy = compilePolicy(makeConfig());

/** The code a canonicalize + classify of (method, target) is refused with, or "accepted". */
function outcome(target: string, airflow: 2 | 3 = 2, method = 'GET'): string {
  try {
    classify(policy, airflow, canonicalizeTarget(method, target));
    return 'accepted';
  } catch (err) {
    if (isAirlockError(err)) return err.code;
    throw err;
  }
}

/** Look-alike spellings (as they appear in a request target) of dag_id. */
const DAG_ID_LOOK_ALIKES = [
  'DAG_ID', 'Dag_Id', 'dag_Id', 'DAG_lD', 'dag-id', 'dagId', 'dagid', 'dag.id', 'dag+id', 'dag%20id', 'dag__id',
  '%44AG_ID', // percent-encoded "D": decodes to DAG_ID
  '%EF%BD%84%EF%BD%81%EF%BD%87%EF%BC%BF%EF%BD%89%EF%BD%84', // fullwidth ｄａｇ＿ｉｄ
  'd%D0%B0g_id', // Cyrillic а
  'dag_%D1%96d', // Cyrillic і
  'dag_id%E2%80%8B', // zero-width space
  '%C2%ADdag_id', // soft hyphen
  'dag_%C4%B1d', // dotless ı
  'DAG_%C4%B0D', // İ
  'd%C3%A1g_id', // á
  '%E1%B4%85%E1%B4%80%C9%A2_%C9%AA%E1%B4%85', // small capitals ᴅᴀɢ_ɪᴅ
  'dag%E2%80%90id', // hyphen U+2010
];

describe('look-alike DAG parameter names on DAG-scoped routes (AIRLOCK_POLICY_AMBIGUOUS_PARAM)', () => {
  for (const key of DAG_ID_LOOK_ALIKES) {
    test(`${key} beside dag_id, and alone, is refused (Flask query route, REST path route, REST list route)`, () => {
      assert.equal(outcome(`/rendered-templates?dag_id=ok&${key}=secret`), 'AIRLOCK_POLICY_AMBIGUOUS_PARAM');
      assert.equal(outcome(`/rendered-templates?${key}=secret`), 'AIRLOCK_POLICY_AMBIGUOUS_PARAM');
      assert.equal(outcome(`/api/v1/dags/ok/dagRuns?${key}=secret`), 'AIRLOCK_POLICY_AMBIGUOUS_PARAM');
      assert.equal(outcome(`/api/v1/dags/~/dagRuns?${key}=secret&dag_id=ok`), 'AIRLOCK_POLICY_AMBIGUOUS_PARAM');
      assert.equal(outcome(`/api/v2/dags/ok/dagRuns?${key}=secret`, 3), 'AIRLOCK_POLICY_AMBIGUOUS_PARAM');
    });
  }

  test('look-alikes of the other DAG parameters (dag_ids, source_dag_id, patterns) are refused', () => {
    assert.equal(outcome('/api/v1/dagStats?dag_ids=ok&DAG_IDS=secret'), 'AIRLOCK_POLICY_AMBIGUOUS_PARAM');
    assert.equal(outcome('/api/v2/dagStats?dag_ids=ok&dagIds=secret', 3), 'AIRLOCK_POLICY_AMBIGUOUS_PARAM');
    assert.equal(outcome('/api/v2/dags/ok/dagRuns?Source_Dag_Id=secret', 3), 'AIRLOCK_POLICY_AMBIGUOUS_PARAM');
    assert.equal(outcome('/api/v2/dags/ok/dagRuns?DAG_ID_PATTERN=sec%25', 3), 'AIRLOCK_POLICY_AMBIGUOUS_PARAM');
    assert.equal(outcome('/api/v2/dags/ok/dagRuns?dag_display_name_Pattern=x', 3), 'AIRLOCK_POLICY_AMBIGUOUS_PARAM');
  });

  test('percent-encoding of the exact name is the name itself: accepted alone, pollution beside dag_id', () => {
    assert.equal(outcome('/rendered-templates?dag%5Fid=ok'), 'accepted');
    assert.equal(outcome('/rendered-templates?%64%61%67%5F%69%64=ok'), 'accepted');
    assert.equal(outcome('/rendered-templates?dag_id=ok&dag%5Fid=secret'), 'AIRLOCK_POLICY_PARAM_POLLUTION');
    assert.equal(outcome('/rendered-templates?dag_id=ok&dag%255Fid=secret'), 'AIRLOCK_POLICY_BAD_ENCODING');
  });

  test('exact names and ordinary keys pass on DAG-scoped routes; a repeated Airflow 3 dag_ids (list) passes', () => {
    assert.equal(outcome('/rendered-templates?dag_id=ok&task_id=t&execution_date=2024-01-01&map_index=-1'), 'accepted');
    assert.equal(outcome('/api/v1/dags/~/dagRuns?dag_id=ok&limit=5&offset=0&order_by=-start_date'), 'accepted');
    assert.equal(outcome('/api/v2/dagStats?dag_ids=a&dag_ids=b', 3), 'accepted');
    assert.equal(outcome('/api/v1/dags?dag_id_pattern=etl&only_active=true&tags=x&limit=10'), 'accepted');
  });

  test('routes that are not DAG-scoped are not checked', () => {
    assert.equal(outcome('/api/v1/pools?DAG_ID=x'), 'accepted');
    assert.equal(outcome('/api/v1/variables?dagId=x'), 'accepted');
  });

  test("no query parameter of Airflow's OpenAPI specs, and no Flask view parameter, is taken for a look-alike", () => {
    // every query parameter name of airflow-2.10.5 v1, the FAB provider API, and airflow main v2 + private UI
    const spec = [
      'active', 'after', 'asset_dependency', 'asset_id', 'before', 'body_search', 'bundle_name', 'bundle_version', 'conf_contains', 'connection_id_pattern',
      'created_at_gt', 'created_at_gte', 'created_at_lt', 'created_at_lte', 'dag_display_name_pattern', 'dag_id', 'dag_id_pattern', 'dag_ids',
      'dag_run_end_date_gt', 'dag_run_end_date_gte', 'dag_run_end_date_lt', 'dag_run_end_date_lte', 'dag_run_start_date_gt', 'dag_run_start_date_gte',
      'dag_run_start_date_lt', 'dag_run_start_date_lte', 'dag_run_state', 'dag_runs_limit', 'dag_version', 'dataset_id', 'dependency_type', 'depth',
      'deserialize', 'duration_gt', 'duration_gte', 'duration_lt', 'duration_lte', 'end_date', 'end_date_gt', 'end_date_gte', 'end_date_lt', 'end_date_lte',
      'event', 'event_pattern', 'exclude_stale', 'excluded_events', 'execution_date_gte', 'execution_date_lte', 'executor', 'executor_class',
      'external_dependencies', 'fields', 'filename_pattern', 'full_content', 'granularity', 'has_asset_schedule', 'has_created_dag_run_id',
      'has_import_errors', 'has_pending_actions', 'hostname', 'include_downstream', 'include_upstream', 'included_events', 'interval', 'is_alive',
      'is_favorite', 'job_state', 'job_type', 'last_dag_run_state', 'limit', 'logical_date_gt', 'logical_date_gte', 'logical_date_lt', 'logical_date_lte',
      'map_index', 'map_index_filter', 'name_pattern', 'next', 'node_id', 'offset', 'only_active', 'operator', 'operator_name_pattern', 'order_by', 'owner',
      'owner_pattern', 'owners', 'partition_key_pattern', 'paused', 'pool', 'pool_name_pattern', 'queue', 'queue_name_pattern', 'responded_by_user_id',
      'responded_by_user_name', 'response_received', 'result', 'root', 'run_after_gt', 'run_after_gte', 'run_after_lt', 'run_after_lte', 'run_id',
      'run_id_pattern', 'run_type', 'section', 'source_dag_id', 'source_map_index', 'source_run_id', 'source_task_id', 'start_date', 'start_date_gt',
      'start_date_gte', 'start_date_lt', 'start_date_lte', 'state', 'stringify', 'subdir', 'subject_search', 'tag_name_pattern', 'tags', 'tags_match_mode',
      'task_display_name_pattern', 'task_group_id', 'task_id', 'task_id_pattern', 'timestamp_gt', 'timestamp_gte', 'timestamp_lt', 'timestamp_lte',
      'timetable_type', 'token', 'triggering_user', 'triggering_user_name_pattern', 'try_number', 'update_mask', 'updated_at_gt', 'updated_at_gte',
      'updated_at_lt', 'updated_at_lte', 'uri_pattern', 'variable_key_pattern', 'version_number', 'warning_type', 'xcom_key', 'xcom_key_pattern',
    ];
    const flask = ['execution_date', 'base_date', 'num_runs', 'dag_run_id', 'task_id', 'map_index', 'origin', 'conf', 'unpause', 'root', 'upstream', 'downstream', 'recursive', 'only_failed', 'confirmed', 'future', 'past', 'csrf_token', 'run_id', 'logical_date'];
    assert.equal(lookAlikeDagKey([...spec, ...flask]), undefined);
    for (const name of DAG_PARAM_NAMES) assert.equal(lookAlikeDagKey([name]), undefined, name);
  });

  test('the fold: every DAG parameter name has its own folded form (none shadows another)', () => {
    assert.equal(new Set(DAG_PARAM_NAMES.map(foldParamName)).size, DAG_PARAM_NAMES.length);
    assert.equal(foldParamName('ＤＡＧ＿ＩＤ'), foldParamName('dag_id'));
    assert.notEqual(foldParamName('dag_run_id'), foldParamName('dag_id'));
  });
});

export { Secret, sameConfigValue } from './secret.ts';
export { parseDuration, formatDuration } from './duration.ts';
export type {
  AirlockConfig,
  IdpConfig,
  EnvironmentConfig,
  SessionConfig,
  CookieConfig,
  StoreConfig,
  AssertionConfig,
  TokensConfig,
  MachineIssuerConfig,
  ServiceAccountConfig,
  ScimConfig,
} from './schema/index.ts';
export { TOKEN_ACTIONS, WORKLOAD_ALGORITHMS, DAG_GLOB, SERVICE_ACCOUNT_NAME } from './schema/index.ts';
export { ConfigError, ConfigInvalid, formatProblems, type ConfigProblem } from './errors.ts';
export type { ConfigSnapshot } from './snapshot.ts';
export { parseConfig, type ParseOptions } from './parse-config.ts';
export { loadConfig, resolveConfigPath } from './load-config.ts';
export { ConfigHolder, type Builder, type ReloadResult, type HolderOptions } from './holder.ts';
export { installSighupReload, type ReloadLogger } from './sighup.ts';
export { summarizeConfig } from './summary.ts';
export { parseCertificates } from './schema/pem.ts';
export { rpIdCovers } from './schema/common.ts';
export { parseIp, parseCidr, cidrContains, cidrNetworkText, type ParsedIp, type Cidr } from './ip.ts';

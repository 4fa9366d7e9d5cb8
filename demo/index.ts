export { startDemo, type DemoOptions, type RunningDemo } from './run.ts';
export { DEMO_ROLES, DEMO_CLIENT_ID, renderDemoConfig } from './demo-config.ts';
export { demoBanner, expectedRoles, tokenLines, type DemoTokenFiles } from './banner.ts';
export { issueDemoTokens, DEMO_CI_TOKEN, DEMO_AGENT_TOKEN, DEMO_AGENT_OWNER, type DemoTokens } from './demo-tokens.ts';
export { createDevIdp, DEMO_USERS, subjectOf, type DemoUser, type DevIdp, type DevIdpClient, type DevIdpOptions } from './idp/index.ts';
export { startAirflowStandin, headerValues, DEMO_DAGS, type AirflowStandin, type RecordedRequest, type StandinOptions } from './airflow-standin/index.ts';

export { startAirflowStandin, headerValues, type AirflowStandin, type RecordedRequest, type StandinOptions } from './start-standin.ts';
export { DEMO_DAGS } from './response-body.ts';
export { loadRoutesFile, RouteTable, APIS_OF_VERSION } from './route-table.ts';
export type { RoutesFile, StandinRoute, RouteApi } from './route-types.ts';
export { buildRoutesFile, routesFromSpec, STANDIN_SPECS } from './spec-to-routes.ts';

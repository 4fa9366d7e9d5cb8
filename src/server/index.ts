export { startGateway, runClusterWorker, startWorker, type StartOptions, type RunningGateway } from './start.ts';
export type { RunningWorker, WorkerOptions } from './worker.ts';
export { createLogger, type Logger } from './logger.ts';
export type { GatewayServices } from './context.ts';

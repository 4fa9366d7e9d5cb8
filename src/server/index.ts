export { startGateway, runClusterWorker, type StartOptions, type RunningGateway } from './start.ts';
export { startWorker, type RunningWorker, type WorkerOptions } from './worker.ts';
export { createLogger, type Logger } from './logger.ts';
export type { GatewayServices } from './context.ts';

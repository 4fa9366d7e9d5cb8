export { AirlockError, isAirlockError } from './airlock-error.ts';
export { defineError, registeredErrors, type ErrorSpec, type ErrorFactory } from './catalogue.ts';

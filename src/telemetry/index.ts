export {
  type CreateLoggerOptions,
  createCapturingLogger,
  createLogger,
  type Logger,
  silentLogger,
} from './logger.js';
export { clearRegisteredSecrets, redactText, registerSecret } from './redact.js';

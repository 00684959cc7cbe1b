export {
  CleverAuthHealthCheck,
  type CleverAuthHealthCheckOptions,
  type CleverAuthHealthReport,
  type HealthStatus,
  type KeyVaultHealth,
} from './clever-auth-health.js';
export { keyVaultHealthFrom } from './key-vault-health.js';

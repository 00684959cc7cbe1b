import { ClientSecretCredential } from '@azure/identity';
import type { DestinationStream } from 'pino';
import { type AppServices, createAppServices } from '../../src/app.js';
import { FAKE_AUTHORITY, FAKE_TENANT } from './fake-key-vault.js';

/** The real composition root with test settings, an Entra credential aimed at the msw fake, and captured logs. */
export async function appServicesForTest(
  env: Record<string, string>,
  options: { startBackground?: boolean } = {},
): Promise<{ services: AppServices; lines: string[] }> {
  const lines: string[] = [];
  const destination = { write: (line: string) => void lines.push(line) } as DestinationStream;
  const services = await createAppServices({
    env,
    azureCredential: new ClientSecretCredential(FAKE_TENANT, 'test-app-id', 'test-app-credential', {
      authorityHost: FAKE_AUTHORITY,
      disableInstanceDiscovery: true,
    }),
    logDestination: destination,
    startBackground: options.startBackground,
  });
  return { services, lines };
}

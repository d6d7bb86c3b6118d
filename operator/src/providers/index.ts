/**
 * The providers this operator runs. Adding one is a folder under providers/ with a factory, and
 * its line here: the engine finds it through the credentials that name it.
 */
import type { Provider } from '../domain/provider.js';
import { createAwsProvider } from './aws/index.js';
import type { ProviderContext } from './context.js';
import { createSshProvider } from './ssh/index.js';
import { ProviderRegistry } from './registry.js';

const FACTORIES: ((context: ProviderContext) => Provider)[] = [
  createAwsProvider,
  createSshProvider,
];

export function createProviders(context: ProviderContext): ProviderRegistry {
  const registry = new ProviderRegistry();
  for (const factory of FACTORIES) registry.register(factory(context));
  return registry;
}

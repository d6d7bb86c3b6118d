/**
 * The providers an operator runs, by the name a CloudCredential gives in spec.provider. The
 * manager registers each one at start; the engine looks a provider up through the credential.
 */
import type { Provider, Providers } from '../domain/provider.js';

export class ProviderRegistry implements Providers {
  private readonly byName = new Map<string, Provider>();

  register(provider: Provider): this {
    if (this.byName.has(provider.name))
      throw new Error(`provider "${provider.name}" is registered twice`);
    this.byName.set(provider.name, provider);
    return this;
  }

  get(name: string): Provider | undefined {
    return this.byName.get(name);
  }

  all(): readonly Provider[] {
    return [...this.byName.values()];
  }
}

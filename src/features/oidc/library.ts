import type * as OidcProvider from 'oidc-provider';
import type { Logger } from '../../platform/logger.ts';

// oidc-provider, loaded when a server builds its OpenID Provider rather than when a module names it,
// so the CLI's other commands never load it. On load the library prints a notice to stderr when
// Node is older than the LTS it prefers (it runs on Node 20, which Gatehouse supports and tests: see
// the README); the notice goes to the process's log, at trace level, instead.

export type OidcLibrary = typeof OidcProvider;

let loaded: Promise<OidcLibrary> | null = null;

export function loadOidcLibrary(logger: Logger): Promise<OidcLibrary> {
  loaded ??= (async () => {
    const warn = console.warn;
    const notices: string[] = [];
    console.warn = (...parts: unknown[]) => void notices.push(parts.map(String).join(' '));
    try {
      return await import('oidc-provider');
    } finally {
      console.warn = warn;
      for (const notice of notices) logger.trace({ notice }, 'OpenID Provider library notice');
    }
  })();
  return loaded;
}

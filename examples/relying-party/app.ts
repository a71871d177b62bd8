import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';

// A web application that signs its users in with Gatehouse: sign in, show who they are, ask Gatehouse
// a decision with their access token, sign out; and hear Gatehouse's back-channel logout.

export interface RelyingPartyOptions {
  gatehouse: string; // Gatehouse's public URL: the issuer
  clientId: string;
  clientSecret: string;
  url: string; // this application's own URL (its redirect URI is <url>/callback)
}

interface Session {
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  sid?: string;
}

const page = (body: string) => `<!doctype html><meta charset="utf-8"><title>Example application</title><body style="font-family:sans-serif">${body}</body>`;
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function createRelyingParty(options: RelyingPartyOptions): Promise<Server & { loggedOut: string[] }> {
  const insecure = options.gatehouse.startsWith('http:') ? { execute: [oidc.allowInsecureRequests] } : undefined;
  const config = await oidc.discovery(new URL(options.gatehouse), options.clientId, options.clientSecret, undefined, insecure);
  const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri as string));
  const api = `${options.gatehouse}/api/v1`;
  const pending = new Map<string, { verifier: string; nonce: string }>(); // by state
  const sessions = new Map<string, Session>(); // by this application's cookie
  const loggedOut: string[] = [];

  const sessionOf = (request: IncomingMessage) => sessions.get(/rp_session=([\w-]+)/.exec(request.headers.cookie ?? '')?.[1] ?? '');
  const body = async (request: IncomingMessage) => {
    let text = '';
    for await (const chunk of request) text += String(chunk);
    return new URLSearchParams(text);
  };

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', options.url);
    const session = sessionOf(request);
    const send = (html: string, status = 200) => response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' }).end(page(html));
    const redirect = (to: string, cookie?: string) => response.writeHead(303, { location: to, ...(cookie ? { 'set-cookie': cookie } : {}) }).end();
    try {
      if (url.pathname === '/login') {
        const verifier = oidc.randomPKCECodeVerifier();
        const [state, nonce] = [oidc.randomState(), oidc.randomNonce()];
        pending.set(state, { verifier, nonce });
        const target = oidc.buildAuthorizationUrl(config, {
          redirect_uri: `${options.url}/callback`,
          scope: 'openid profile email gatehouse',
          resource: api, // a JWT access token for Gatehouse's API
          code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
          code_challenge_method: 'S256',
          state,
          nonce,
        });
        return redirect(target.href);
      }
      if (url.pathname === '/callback') {
        const state = url.searchParams.get('state') ?? '';
        const checks = pending.get(state);
        pending.delete(state);
        if (!checks) return send('<p>Unknown sign-in. <a href="/login">Sign in</a></p>', 400);
        const tokens = await oidc.authorizationCodeGrant(config, url, { pkceCodeVerifier: checks.verifier, expectedState: state, expectedNonce: checks.nonce }, { resource: api });
        const id = randomBytes(16).toString('base64url');
        sessions.set(id, { tokens, sid: tokens.claims()?.sid as string | undefined });
        return redirect('/', `rp_session=${id}; Path=/; HttpOnly; SameSite=Lax`);
      }
      if (url.pathname === '/decide' && session) {
        const answer = await fetch(`${api}/authorize`, {
          method: 'POST',
          headers: { authorization: `Bearer ${session.tokens.access_token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ permission: url.searchParams.get('permission') ?? 'reporting' }),
        });
        return send(`<p>Decision: <output id="decision">${escape(await answer.text())}</output></p><p><a href="/">Back</a></p>`);
      }
      if (url.pathname === '/refresh' && session) {
        const refreshed = await oidc.refreshTokenGrant(config, session.tokens.refresh_token ?? '').then(() => 'refreshed', (error: Error) => `refused: ${error.message}`);
        return send(`<p>Refresh: <output id="refresh">${escape(refreshed)}</output></p>`);
      }
      if (url.pathname === '/logout' && session) {
        return redirect(oidc.buildEndSessionUrl(config, { id_token_hint: session.tokens.id_token ?? '', post_logout_redirect_uri: `${options.url}/` }).href, 'rp_session=; Path=/; Max-Age=0');
      }
      if (url.pathname === '/backchannel-logout' && request.method === 'POST') {
        // Gatehouse tells which sign-in ended: verify the logout token and end that session here.
        const token = (await body(request)).get('logout_token') ?? '';
        const { payload } = await jwtVerify(token, jwks, { issuer: options.gatehouse, audience: options.clientId });
        loggedOut.push(String(payload.sub));
        for (const [id, entry] of sessions) if (entry.sid === payload.sid) sessions.delete(id);
        return response.writeHead(200).end();
      }
      if (!session) return send('<h1>Example application</h1><p><a id="login" href="/login">Sign in with Gatehouse</a></p>');
      const claims: Record<string, unknown> = session.tokens.claims() ?? {};
      return send(
        `<h1>Hello ${escape(String(claims.name))}</h1><pre id="claims">${escape(JSON.stringify(claims, null, 2))}</pre>` +
          '<p><a id="decide" href="/decide?permission=reporting">Ask Gatehouse a decision</a> · <a id="refresh" href="/refresh">Refresh</a> · <a id="logout" href="/logout">Sign out</a></p>',
      );
    } catch (error) {
      send(`<p>Error: ${escape((error as Error).message)}</p>`, 500);
    }
  });
  return Object.assign(server, { loggedOut });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './support/server.ts';

// The console is served by the API's own process: its pages at any client-side route, the API beside it.

let server: RunningServer;

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
});

describe('the server serves the console', () => {
  it.each(['/', '/sign-in', '/users', '/users/7d0b6d0e-0000-4000-8000-000000000000', '/reset-password?token=abc', '/operator', '/operator/licences/acme'])('answers %s with the console page', async (route) => {
    const answer = await fetch(`${server.url}${route}`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toContain('text/html');
    expect(await answer.text()).toContain('<div id="root">');
  });

  it('keeps API paths for the API, with problem answers', async () => {
    const answer = await fetch(`${server.url}/api/v1/no-such-thing`);
    expect(answer.status).toBe(404);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
  });

  it('ships the first load under 300 KB of gzipped JavaScript', async () => {
    const page = await (await fetch(`${server.url}/sign-in`)).text();
    const scripts = [...page.matchAll(/<script[^>]+src="([^"]+)"/g)].map((match) => match[1] as string);
    const preloads = [...page.matchAll(/<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map((match) => match[1] as string);
    let gzipped = 0;
    for (const asset of [...scripts, ...preloads]) {
      const body = Buffer.from(await (await fetch(`${server.url}${asset}`)).arrayBuffer());
      gzipped += (await import('node:zlib')).gzipSync(body).length;
    }
    expect(scripts.length).toBeGreaterThan(0);
    expect(gzipped).toBeLessThan(300 * 1024);
  });
});

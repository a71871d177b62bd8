import http from 'node:http';

// An open-loop load at an even pace: every millisecond, as many requests leave as the rate says
// should have left by then, whatever is still in flight. Latency is counted from the moment a request
// was due, not from when it could be sent, so a server falling behind shows in the figures instead
// of slowing the load down (no coordinated omission).

export interface PacedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface PacedResult {
  sent: number;
  completed: number;
  non2xx: number;
  errors: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
}

export async function pacedLoad(baseUrl: string, rate: number, seconds: number, next: () => PacedRequest): Promise<PacedResult> {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const latencies: number[] = [];
  let sent = 0;
  let non2xx = 0;
  let errors = 0;
  let inFlight = 0;
  const started = performance.now();
  const end = started + seconds * 1000;

  const fire = (dueAt: number) => {
    const request = next();
    inFlight++;
    const outgoing = http.request(
      { host: url.hostname, port: url.port, path: request.path, method: 'POST', agent, headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) } },
      (response) => {
        response.resume();
        response.on('end', () => {
          inFlight--;
          if (response.statusCode === undefined || response.statusCode >= 300) non2xx++;
          latencies.push(performance.now() - dueAt);
        });
      },
    );
    outgoing.on('error', () => {
      inFlight--;
      errors++;
    });
    outgoing.end(request.body);
  };

  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      const due = Math.min(Math.floor(((Math.min(now, end) - started) / 1000) * rate), Math.floor(seconds * rate));
      while (sent < due) {
        // Each request is due at its own instant along the even schedule.
        fire(started + (sent / rate) * 1000);
        sent++;
      }
      if (now < end) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { sent, completed: latencies.length, non2xx, errors, requestsPerSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) ?? 0 };
}

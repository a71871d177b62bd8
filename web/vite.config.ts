import path from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The console is built into web/dist, which the server serves at / with an SPA fallback.
// In development Vite serves the console and hands every API path to the server on port 3000.

const webRoot = path.dirname(fileURLToPath(import.meta.url));
const server = 'http://localhost:3000';
const apiPaths = ['/api', '/operator/v1', '/healthz', '/readyz', '/openapi.json', '/docs'];

export default defineConfig({
  root: webRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir: path.join(webRoot, 'dist'),
    emptyOutDir: true,
  },
  server: {
    proxy: Object.fromEntries(apiPaths.map((prefix) => [prefix, { target: server, changeOrigin: false }])),
  },
});

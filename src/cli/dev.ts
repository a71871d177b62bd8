import { spawn } from 'node:child_process';

// `npm run dev`: the API restarting on every change, and the console served by Vite with hot reload
// (proxying the API). Both stop together.

const children = [
  spawn(process.execPath, ['--watch', '--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    stdio: 'inherit',
    env: { ...process.env, GATEHOUSE_BUILD_CONSOLE: 'off' },
  }),
  spawn(process.execPath, ['node_modules/vite/bin/vite.js', '--config', 'web/vite.config.ts'], { stdio: 'inherit' }),
];

const stop = () => children.forEach((child) => child.kill('SIGTERM'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const child of children) child.on('exit', (code) => {
  stop();
  process.exitCode = code ?? 0;
});

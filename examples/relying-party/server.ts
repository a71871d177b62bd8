import { createRelyingParty } from './app.ts';

// node --import tsx examples/relying-party/server.ts (see README.md beside this file).

const port = Number(process.env.PORT ?? 5173);
const need = (name: string) => process.env[name] ?? (console.error(`${name} is required`), process.exit(1));
const server = await createRelyingParty({
  gatehouse: process.env.GATEHOUSE_URL ?? 'http://localhost:3000',
  clientId: need('CLIENT_ID'),
  clientSecret: need('CLIENT_SECRET'),
  url: `http://127.0.0.1:${port}`,
});
server.listen(port, '127.0.0.1', () => console.log(`Example application on http://127.0.0.1:${port}`));

import { createServer, type Server, type Socket } from 'node:net';

// A minimal SMTP server for tests: it speaks EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP and QUIT, with
// no TLS and no authentication, and keeps every message it accepts. It is enough for nodemailer and
// for counting what a process handed over; it is not a mail server. It can be taken down and
// brought back on the same port, to play an SMTP server that is unavailable for a while.

export interface ReceivedMessage {
  from: string;
  to: string[];
  messageId: string | null;
  subject: string | null;
  /** The message as sent, headers and body, dot-unstuffed. */
  data: string;
}

export class SmtpSink {
  readonly received: ReceivedMessage[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  private constructor(public port: number) {}

  /** Starts a sink on a free port (or the one given). */
  static async start(port = 0): Promise<SmtpSink> {
    const sink = new SmtpSink(port);
    await sink.resume();
    return sink;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** How many messages each recipient got, optionally only those `accept` keeps. */
  countsByRecipient(accept: (message: ReceivedMessage) => boolean = () => true): Map<string, number> {
    const counts = new Map<string, number>();
    for (const message of this.received.filter(accept)) for (const to of message.to) counts.set(to, (counts.get(to) ?? 0) + 1);
    return counts;
  }

  /** Listens again, on the same port as before. */
  async resume(): Promise<void> {
    const server = createServer((socket) => this.converse(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** Goes down: refuses new connections and drops the open ones. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.sockets.forEach((socket) => socket.destroy());
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private converse(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setEncoding('utf8');
    let buffer = '';
    let envelope: { from: string; to: string[] } = { from: '', to: [] };
    let inData = false;
    const reply = (line: string) => void socket.write(`${line}\r\n`);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (;;) {
        if (inData) {
          // The data ends with a line holding a single dot.
          const end = buffer.startsWith('.\r\n') ? 0 : buffer.indexOf('\r\n.\r\n');
          if (end < 0) return;
          const data = end === 0 ? '' : buffer.slice(0, end);
          buffer = buffer.slice(end === 0 ? 3 : end + 5);
          inData = false;
          this.keep(envelope, data.replace(/^\.\./gm, '.'));
          envelope = { from: '', to: [] };
          reply('250 2.0.0 accepted');
          continue;
        }
        const newline = buffer.indexOf('\r\n');
        if (newline < 0) return;
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') reply('250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8');
        else if (verb === 'HELO' || verb === 'NOOP') reply('250 ok');
        else if (verb === 'MAIL') {
          envelope = { from: addressIn(line), to: [] };
          reply('250 ok');
        } else if (verb === 'RCPT') {
          envelope.to.push(addressIn(line));
          reply('250 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'RSET') {
          envelope = { from: '', to: [] };
          reply('250 ok');
        } else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
          return;
        } else reply('502 5.5.2 not implemented');
      }
    });
    reply('220 sink ESMTP');
  }

  private keep(envelope: { from: string; to: string[] }, data: string): void {
    const headers = data.split('\r\n\r\n')[0] ?? '';
    const header = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(headers)?.[1]?.trim() ?? null;
    this.received.push({ from: envelope.from, to: envelope.to, messageId: header('Message-ID'), subject: header('Subject'), data });
  }
}

const addressIn = (line: string) => /<([^>]*)>/.exec(line)?.[1] ?? '';

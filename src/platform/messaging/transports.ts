import nodemailer from 'nodemailer';
import type { Logger } from '../logger.ts';

/** E-mail and SMS to people; back-channel logout notices to the applications they signed in to. */
export type Channel = 'email' | 'sms' | 'backchannel-logout';

export interface DeliverableMessage {
  channel: Channel;
  to: string;
  subject: string;
  text: string;
}

/** The outbox's own id of a message, the same on every attempt, so a receiver can recognise a repeat. */
export interface DeliveryEnvelope {
  id: string;
}

/** Where the outbox worker hands a message; a throw means "try again later". */
export interface MessageTransport {
  send(message: DeliverableMessage, envelope?: DeliveryEnvelope): Promise<void>;
}

export function smtpTransport(smtpUrl: string, from: string): MessageTransport {
  // One connection kept open for the messages that follow (nodemailer's pool), unless SMTP_URL says
  // otherwise with its own `pool` parameter: a reset of thousands of passwords is thousands of
  // messages, and a connection and greeting each would be most of their cost.
  const url = new URL(smtpUrl);
  if (!url.searchParams.has('pool')) url.searchParams.set('pool', 'true');
  const transporter = nodemailer.createTransport(url.toString());
  const messageIdDomain = /@([A-Za-z0-9.-]+)/.exec(from)?.[1] ?? 'gatehouse.invalid';
  return {
    async send(message, envelope) {
      // A stable Message-ID: a message sent again after a crash is the same message to the receiver.
      const messageId = envelope === undefined ? undefined : `<${envelope.id}@${messageIdDomain}>`;
      await transporter.sendMail({ from, to: message.to, subject: message.subject, text: message.text, ...(messageId === undefined ? {} : { messageId }) });
    },
  };
}

/** SMS go to the platform's SMS gateway as a JSON POST {to, text}. */
export function smsWebhookTransport(webhookUrl: string): MessageTransport {
  return {
    async send(message) {
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to: message.to, text: message.text }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!response.ok) throw new Error(`SMS webhook answered ${response.status}`);
    },
  };
}

/**
 * Without SMTP or an SMS gateway, messages are written to the log so a newcomer can follow a
 * set-password link from the terminal (LOG_LEVEL=debug). Meant for development only. Their text
 * holds links, codes and secrets: it is written at debug level only, never above.
 */
export function logTransport(logger: Logger): MessageTransport {
  return {
    async send(message) {
      logger.info({ channel: message.channel, to: message.to, subject: message.subject }, 'message to the log transport: its text is written at LOG_LEVEL=debug only');
      logger.debug({ channel: message.channel, to: message.to, subject: message.subject, text: message.text }, 'message delivered to the log');
    },
  };
}

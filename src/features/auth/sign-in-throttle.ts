import { throttleKey, type ThrottleKey, type ThrottlePolicy } from '../../platform/throttle.ts';

// Guessing is slowed per account and per client address. An account is the licence code and login
// as typed, so unknown logins are counted exactly like known ones and a lock-out tells nothing about
// which accounts exist. Five failures lock an account for a minute, each further one doubles the lock
// up to 15 minutes: at most about 100 guesses a day (NIST SP 800-63B §5.2.2). An address gets more
// room, since an office shares one, but is locked the same way past 50.

export const ACCOUNT_POLICY: ThrottlePolicy = {
  scope: 'sign-in-account',
  threshold: 5,
  firstLockSeconds: 60,
  maxLockSeconds: 15 * 60,
  forgetAfterSeconds: 3600,
};

export const CLIENT_POLICY: ThrottlePolicy = {
  scope: 'sign-in-client',
  threshold: 50,
  firstLockSeconds: 60,
  maxLockSeconds: 15 * 60,
  forgetAfterSeconds: 3600,
};

export const accountKey = (licence: string, login: string): ThrottleKey => throttleKey(ACCOUNT_POLICY, `${licence.toLowerCase()}\n${login.toLowerCase()}`);

export const clientKey = (ip: string | null): ThrottleKey => throttleKey(CLIENT_POLICY, ip ?? 'unknown');

// Reset e-mails are rationed too, or the form would let anyone flood a mailbox: three links an hour
// for one account (more requests are answered the same, and send nothing), and thirty requests an
// hour from one address before it is refused for a while.
export const RESET_ACCOUNT_POLICY: ThrottlePolicy = {
  scope: 'password-reset-account',
  threshold: 3,
  firstLockSeconds: 3600,
  maxLockSeconds: 3600,
  forgetAfterSeconds: 3600,
};

export const RESET_CLIENT_POLICY: ThrottlePolicy = {
  scope: 'password-reset-client',
  threshold: 30,
  firstLockSeconds: 600,
  maxLockSeconds: 3600,
  forgetAfterSeconds: 3600,
};

export const resetAccountKey = (licence: string, login: string): ThrottleKey => throttleKey(RESET_ACCOUNT_POLICY, `${licence.toLowerCase()}\n${login.toLowerCase()}`);
export const resetClientKey = (ip: string | null): ThrottleKey => throttleKey(RESET_CLIENT_POLICY, ip ?? 'unknown');

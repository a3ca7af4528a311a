// Every word the bot texts a person, in one place so they can be read, reviewed and translated together.
// Kept short: one SMS segment (160 GSM-7 characters) wherever the content allows.

const minutes = (ms: number) => Math.max(1, Math.ceil(ms / 60_000));
const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

export const EMAIL_EXAMPLE = "ana@example.com";

export const messages = {
  howToBegin: (signupWord: string) => `Hi! Text ${signupWord} to create your account.`,
  welcome: "Welcome! What's your email address?",
  emailProblem: (problem: string) => `${problem} Please reply with your email, like ${EMAIL_EXAMPLE}.`,
  emailRetriesExhausted: (signupWord: string) =>
    `That's too many tries, so let's start over. Text ${signupWord} when you're ready.`,
  emailTaken: "That email is already registered. Reply with another one.",
  emailNeededFirst: `We need your email first. Reply with it, like ${EMAIL_EXAMPLE}.`,
  codeSent: "We sent a code to this phone. Reply with it, or RESEND for a new one.",
  codeResent: "We sent your code again. Reply with it when it arrives.",
  notACode: "That doesn't look like a code. Reply with the digits we texted you, or RESEND for a new code.",
  wrongCode: (triesLeft: number) => `That code isn't right. ${plural(triesLeft, "try", "tries")} left.`,
  tooManyWrongCodes: "Too many wrong codes. Reply RESEND for a new code.",
  codeExpired: "That code has expired. Reply RESEND for a new one.",
  resendTooSoon: (waitMs: number) => `Please wait ${plural(seconds(waitMs), "second")}, then reply RESEND.`,
  tooManySends: (waitMs: number) =>
    `You've asked for a lot of codes. Please try again in ${plural(minutes(waitMs), "minute")}.`,
  providerRateLimited: (waitMs: number | null) =>
    waitMs === null
      ? "Too many codes were requested for this phone. Please try again later."
      : `Too many codes were requested for this phone. Please try again in ${plural(minutes(waitMs), "minute")}.`,
  cannotSendHere: "We couldn't send a code to this number. Sign-up needs a mobile number that can receive SMS.",
  blockedForNow: "We can't send codes to this number right now. Please try again in a few hours.",
  sendFailedRetryEmail: "Sorry, we couldn't send your code just now. Reply with your email again in a minute to retry.",
  sendFailedRetryResend: "Sorry, we couldn't send a new code just now. Reply RESEND in a minute to try again.",
  checkFailed: "Sorry, we couldn't check your code just now. Please send it again in a minute.",
  lookupFailed: "Sorry, something went wrong on our side. Please send your email again in a minute.",
  idleExpired: "Your sign-up expired after a long pause, so we started over.",
  alreadyVerified: (email: string) => `You're already verified as ${email}.`,
  success: (email: string) => `You did it! Signup complete :) Your account is ${email}.`,
  startedOver: "We updated our sign-up, so we're starting over.",
  help: (signupWord: string) =>
    `sms-signup: text ${signupWord} to create an account, then follow the steps. RESEND gets a new code. ` +
    "Reply STOP to stop all messages, START to resume.",
  optedIn: "Welcome back!",
  tooManyAtOnce: "You sent us many messages at once, so we skipped this one. Please send it again in a moment.",
} as const;

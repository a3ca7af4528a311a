import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

/** How the server answers the next DATA: accept it, or refuse with an SMTP reply code (451 later, 550 never). */
export type SmtpAnswer = "accept" | { refuse: number };

/**
 * A real SMTP server on 127.0.0.1 (random port, no TLS, any login): every accepted email is parsed with
 * mailparser, as a mailbox would read it. Answers can be queued; with none queued it accepts, or refuses all
 * with `refuseAll`.
 */
export class TestSmtpServer {
  readonly received: ParsedMail[] = [];
  readonly answers: SmtpAnswer[] = [];
  /** Every DATA the server was offered, accepted or not. */
  attempts = 0;
  refuseAll: number | null = null;
  private constructor(private readonly server: SMTPServer) {}

  static async start(): Promise<TestSmtpServer> {
    let self: TestSmtpServer | null = null;
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onAuth: (_auth, _session, callback) => callback(null, { user: "test" }),
      onData: (stream, _session, callback) => {
        const smtp = self as TestSmtpServer;
        smtp.attempts += 1;
        const answer = smtp.answers.shift() ?? (smtp.refuseAll === null ? "accept" : { refuse: smtp.refuseAll });
        simpleParser(stream)
          .then((mail) => {
            if (answer !== "accept") {
              const error = Object.assign(new Error(answer.refuse < 500 ? "try again later" : "refused"), {
                responseCode: answer.refuse,
              });
              return callback(error);
            }
            smtp.received.push(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    self = new TestSmtpServer(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return self;
  }

  get port(): number {
    return (this.server.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `smtp://user:pass@127.0.0.1:${this.port}`;
  }

  /** The emails received for one address, oldest first. */
  to(address: string): ParsedMail[] {
    return this.received.filter((mail) => addressesOf(mail).includes(address));
  }

  /** Waits until `count` emails have arrived for the address (the outbox sends after the reply). */
  async waitFor(address: string, count = 1, timeoutMs = 5_000): Promise<ParsedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.to(address).length < count) {
      if (Date.now() > deadline) throw new Error(`${count} email(s) to ${address} did not arrive in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.to(address);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function addressesOf(mail: ParsedMail): string[] {
  const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
  return to.flatMap((group) => group.value.map((entry) => entry.address ?? ""));
}

/** The code in a code email's text. */
export function codeIn(mail: ParsedMail): string | null {
  return /\b(\d{6})\b/.exec(mail.text ?? "")?.[1] ?? null;
}

// One-time codes never reach a transcript, a log or an operator: digit runs that could be a code are masked.

const CODE_RUN = /\d(?:[\s-]?\d){3,11}/g;

export const maskCodes = (text: string) => text.replace(CODE_RUN, (run) => run.replace(/\d/g, "•"));

/** Phones in logs: enough to tell two apart, not enough to text them. */
export const maskPhone = (phone: string) =>
  phone.length <= 6 ? "•••" : `${phone.slice(0, 3)}${"•".repeat(phone.length - 7)}${phone.slice(-4)}`;

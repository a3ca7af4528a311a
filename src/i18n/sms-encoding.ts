// What an SMS costs: GSM-7 when every character is in the GSM 03.38 alphabet (160 a segment, 153 when split),
// UCS-2 otherwise (70, 67 when split). One character outside the alphabet turns the whole message into UCS-2.

const GSM7_BASIC =
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/** Escaped characters: two septets each. */
const GSM7_EXTENSION = "^{}\\[~]|€\f";

const basic = new Set(GSM7_BASIC);
const extension = new Set(GSM7_EXTENSION);

export interface SmsCost {
  encoding: "GSM-7" | "UCS-2";
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
  /** The characters that forced UCS-2, for a clear message to whoever wrote the text. */
  nonGsm: string[];
}

export function smsCost(text: string): SmsCost {
  const nonGsm = [...new Set([...text].filter((char) => !basic.has(char) && !extension.has(char)))];
  if (nonGsm.length === 0) {
    const units = [...text].reduce((sum, char) => sum + (extension.has(char) ? 2 : 1), 0);
    return { encoding: "GSM-7", units, segments: units <= 160 ? 1 : Math.ceil(units / 153), nonGsm };
  }
  const units = text.length;
  return { encoding: "UCS-2", units, segments: units <= 70 ? 1 : Math.ceil(units / 67), nonGsm };
}

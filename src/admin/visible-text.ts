// What a person texted, made safe to show an operator as it was sent: Unicode's bidirectional controls would
// reorder the text around them (U+202E makes "pay evil" read backwards), so each is shown as a visible mark instead.

const BIDI_MARKS: Record<string, string> = {
  "\u061C": "ALM",
  "\u200E": "LRM",
  "\u200F": "RLM",
  "\u202A": "LRE",
  "\u202B": "RLE",
  "\u202C": "PDF",
  "\u202D": "LRO",
  "\u202E": "RLO",
  "\u2066": "LRI",
  "\u2067": "RLI",
  "\u2068": "FSI",
  "\u2069": "PDI",
};

const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** `abc\u202Edef` → `abc⟨RLO⟩def`. */
export function revealBidi(text: string): string {
  return text.replace(BIDI_CONTROLS, (control) => `⟨${BIDI_MARKS[control] ?? "BIDI"}⟩`);
}

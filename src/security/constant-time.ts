// Comparisons of secrets (signatures, code hashes, tokens) on plain Web APIs, for Node and Workers alike.

/**
 * Two byte strings equal or not, comparing every byte whatever the first difference, so that timing does not reveal
 * how much of a guess was right. For values of a fixed, public length (MACs, hashes).
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/**
 * Two secrets given as text (a token, a form token, a session MAC) equal or not: both are hashed first, so that not
 * even the secret's length shows in how long a wrong guess takes.
 */
export async function equalSecrets(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all([sha256(a), sha256(b)]);
  return equalBytes(x, y);
}

async function sha256(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}

// Comparisons of secrets (signatures, code hashes, tokens) on plain Web APIs, for Node and Workers alike.

/** Compares every byte whatever the first difference, so timing does not reveal how much of a guess was right. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

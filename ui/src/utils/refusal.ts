// Which form field a refusal belongs to, so "balance cap exceeded" appears under the amount and
// "payer mismatch" under the payer name, instead of a banner the operator has to map back.

/** Error code -> field name. A key ending in `*` matches every code with that prefix (`card_*`). */
export type FieldMap<F extends string> = Readonly<Record<string, F>>;

export function refusalField<F extends string>(code: string, map: FieldMap<F>): F | null {
  const exact = map[code];
  if (exact !== undefined) return exact;
  for (const [key, field] of Object.entries(map)) {
    if (key.endsWith('*') && code.startsWith(key.slice(0, -1))) return field;
  }
  return null;
}

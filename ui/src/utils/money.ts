// Amounts a person types, checked before they reach the core (which re-checks them anyway).
// Money never becomes a float here: amounts are decimal strings, and arithmetic (totals,
// comparisons with caps) is done in integer fen with BigInt, exactly like the ledger.

/** A plain decimal with at most two places: no sign, no grouping, no exponent. */
const TYPED_AMOUNT = /^(\d+)(?:\.(\d{1,2}))?$/;

/** A signed decimal as the core sends it ("-12.30"). */
const WIRE_AMOUNT = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

/**
 * What a person typed as an amount, normalised to the wire form with two decimals
 * ("12" -> "12.00", "007.5" -> "7.50"); null when it is not a plain decimal with <= 2 places.
 */
export function parseAmount(input: string): string | null {
  const match = TYPED_AMOUNT.exec(input.trim());
  if (match === null) return null;
  const yuan = BigInt(match[1] ?? '0').toString();
  const fen = (match[2] ?? '').padEnd(2, '0');
  return `${yuan}.${fen}`;
}

/** A typed amount that is valid and above zero (every money-moving form needs one). */
export function isPositiveAmount(input: string): boolean {
  const amount = parseAmount(input);
  return amount !== null && toFen(amount) > 0n;
}

/** A wire amount in integer fen: "-12.30" -> -1230n. Throws on anything else. */
export function toFen(amount: string): bigint {
  const match = WIRE_AMOUNT.exec(amount.trim());
  if (match === null) throw new RangeError(`not a money amount: ${JSON.stringify(amount)}`);
  const fen = BigInt(match[2] ?? '0') * 100n + BigInt((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -fen : fen;
}

/** Integer fen back to the wire form: 1230n -> "12.30". */
export function fromFen(fen: bigint): string {
  const sign = fen < 0n ? '-' : '';
  const abs = fen < 0n ? -fen : fen;
  const yuan = abs / 100n;
  const rest = (abs % 100n).toString().padStart(2, '0');
  return `${sign}${yuan}.${rest}`;
}

/** count x amount, exactly (batch totals). */
export function multiplyAmount(amount: string, count: number): string {
  if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`not a count: ${count}`);
  return fromFen(toFen(amount) * BigInt(count));
}

/** -1, 0 or 1 as a is below, equal to or above b. */
export function compareAmounts(a: string, b: string): -1 | 0 | 1 {
  const d = toFen(a) - toFen(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

// Anonymous cards bought in one purchase totalling >= the real-name threshold (10,000.00 CNY by
// default) need the buyer's real name and ID number. Computed exactly, in fen.
import { compareAmounts, multiplyAmount, parseAmount } from '../../utils/money';

/** The purchase total, or null while count or face value are not valid yet. */
export function batchTotal(count: string | number | undefined, faceValue: string | undefined): string | null {
  const n = typeof count === 'number' ? count : Number(count);
  const face = parseAmount(faceValue ?? '');
  if (!Number.isSafeInteger(n) || n <= 0 || face === null) return null;
  return multiplyAmount(face, n);
}

export function needsRealName(total: string | null, threshold: string | undefined): boolean {
  return total !== null && threshold !== undefined && compareAmounts(total, threshold) >= 0;
}

// Display formatting of numbers the core computed. Money arrives as a decimal string ("1234.50")
// and is never turned into a float: grouping works on the integer part as a BigInt.

/** A count with the language's digit grouping: 1234567 -> "1,234,567". */
export function formatCount(value: number | bigint, locale: string): string {
  if (typeof value === 'number' && !Number.isInteger(value)) {
    throw new RangeError(`not a count: ${value}`);
  }
  return new Intl.NumberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}

const MONEY = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

/** A money amount in yuan: "-1234.5" -> "-¥1,234.50". Throws on anything but a decimal string. */
export function formatMoney(amount: string, locale: string): string {
  const match = MONEY.exec(amount.trim());
  if (match === null) {
    throw new RangeError(`not a money amount: ${JSON.stringify(amount)}`);
  }
  const minus = match[1];
  const yuan = match[2] ?? '0';
  const fen = match[3] ?? '';
  const grouped = new Intl.NumberFormat(locale).format(BigInt(yuan));
  const isZero = /^0+$/.test(yuan) && /^0*$/.test(fen);
  const sign = minus !== undefined && !isZero ? '-' : '';
  return `${sign}¥${grouped}.${fen.padEnd(2, '0')}`;
}

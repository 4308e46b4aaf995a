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

/** A signed movement for a timeline: "+¥100.00", "-¥30.00", "¥0.00". */
export function formatSignedMoney(amount: string, locale: string): string {
  const shown = formatMoney(amount, locale);
  return shown.startsWith('-') || /^¥0\.00$/.test(shown) ? shown : `+${shown}`;
}

/** Money for display, or the raw text when the shell sent something unexpected (never crash a screen). */
export function formatMoneySafe(amount: string | null | undefined, locale: string): string {
  if (amount === null || amount === undefined) return '—';
  try {
    return formatMoney(amount, locale);
  } catch {
    return amount;
  }
}

const SHANGHAI = 'Asia/Shanghai';

/**
 * An RFC 3339 instant as the business sees it: Asia/Shanghai wall time, "2026-11-27 10:03:12",
 * the same in both languages (operators compare it with receipts). Unparseable text passes through.
 */
export function formatDateTime(instant: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return instant;
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: SHANGHAI,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

// Masking of personal data and card numbers, the same shapes as the core's (core/src/types.rs,
// core/src/card_number.rs), for values the UI holds in full (a number just typed or resolved
// from a QR code). Values that arrive masked pass through unchanged.

/** First 6, nine `*`, last 4: 6200580000000001234 -> 620058*********1234. */
export function maskCard(card: string): string {
  const chars = Array.from(card);
  if (chars.length < 10) return '*'.repeat(chars.length);
  return `${chars.slice(0, 6).join('')}*********${chars.slice(-4).join('')}`;
}

/** 13812345678 -> 138****5678. */
export function maskPhone(phone: string): string {
  if (phone.length !== 11) return '*'.repeat(phone.length);
  return `${phone.slice(0, 3)}****${phone.slice(7)}`;
}

/** First 4, ten `*`, last 4 of an 18-character ID number. */
export function maskIdNumber(id: string): string {
  if (id.length !== 18) return '*'.repeat(id.length);
  return `${id.slice(0, 4)}**********${id.slice(14)}`;
}

/** 张三丰 -> 张**. */
export function maskName(name: string): string {
  const chars = Array.from(name);
  return chars.slice(0, 1).join('') + '*'.repeat(Math.max(0, chars.length - 1));
}

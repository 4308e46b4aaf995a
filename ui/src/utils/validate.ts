// Checks the forms run before submitting, mirroring the core's parsers (core/src/types.rs,
// core/src/card_number.rs) so a typo is caught at the field instead of as a refusal. The core
// stays the authority: these only spare the operator a round trip.

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS = '10X98765432';

/** The GB 11643-1999 check character for the first 17 digits of a resident ID number. */
export function idCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i += 1) sum += Number(first17[i]) * (ID_WEIGHTS[i] ?? 0);
  return ID_CHECK_CHARS[sum % 11] ?? '';
}

/**
 * An 18-character resident ID number: 17 digits and a check character (digit or X, either case),
 * a real birth date from 1900 up to `today`, and a matching GB 11643 checksum.
 */
export function isValidIdNumber(input: string, today: Date = new Date()): boolean {
  const id = input.toUpperCase();
  if (!/^\d{17}[\dX]$/.test(id)) return false;
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(year, month - 1, day));
  const real =
    birth.getUTCFullYear() === year && birth.getUTCMonth() === month - 1 && birth.getUTCDate() === day;
  if (!real || year < 1900 || birth.getTime() > today.getTime()) return false;
  return idCheckChar(id.slice(0, 17)) === id[17];
}

/** A mainland mobile number: 11 digits, 1 then 3-9, no spaces or +86. */
export function isValidPhone(input: string): boolean {
  return /^1[3-9]\d{9}$/.test(input);
}

/** The Luhn check digit for a card number without its last digit. */
export function luhnCheckDigit(payload: string): number {
  let sum = 0;
  const digits = payload.replace(/\D/g, '');
  for (let i = 0; i < digits.length; i += 1) {
    // The check digit sits to the right, so the payload's rightmost digit is doubled.
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** A full card number: 19 digits with a correct Luhn check digit. */
export function isValidCardNumber(input: string): boolean {
  if (!/^\d{19}$/.test(input)) return false;
  return luhnCheckDigit(input.slice(0, 18)) === Number(input[18]);
}

/** A holder name as the core accepts it: 1-64 characters, no control characters, not padded. */
export function isValidName(input: string): boolean {
  const count = Array.from(input).length;
  const control = Array.from(input).some((c) => {
    const code = c.codePointAt(0) ?? 0;
    return code < 0x20 || (code >= 0x7f && code < 0xa0);
  });
  return count >= 1 && count <= 64 && !control && input.trim() === input;
}

/** A user scope: mall:CODE, region:R or merchant:ID. */
export function isValidScope(input: string): boolean {
  return /^(mall|region):\S+$/.test(input) || /^merchant:\d+$/.test(input);
}

export type PasswordStrength = 'weak' | 'fair' | 'strong';

/**
 * A hint only (the core decides with `weak_password`): length plus the kinds of characters used.
 */
export function passwordStrength(password: string): PasswordStrength {
  const kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (password.length >= 12 && kinds >= 3) return 'strong';
  if (password.length >= 8 && kinds >= 2) return 'fair';
  return 'weak';
}

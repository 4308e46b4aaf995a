// The input for an amount a person types: a text box (never a float spinner), ¥ in front,
// right-aligned digits, and rules that accept only plain decimals with at most two places.
import { forwardRef } from 'react';
import { Input, type InputProps, type InputRef } from 'antd';
import type { Rule } from 'antd/es/form';
import type { TFunction } from 'i18next';
import { formatMoney } from '../utils/format';
import { compareAmounts, parseAmount, toFen } from '../utils/money';

const AmountInput = forwardRef<InputRef, InputProps>(function AmountInput(props, ref) {
  return (
    <Input ref={ref} prefix="¥" inputMode="decimal" autoComplete="off" className="amount-input" {...props} />
  );
});

export default AmountInput;

/** Required, a plain decimal with <= 2 places, above zero, and at most `max` when given. */
export function amountRules(t: TFunction, language: string, max?: string | null): Rule[] {
  return [
    { required: true, message: t('form.amountRequired') },
    {
      validator: async (_rule, value: unknown) => {
        if (typeof value !== 'string' || value.trim() === '') return;
        const amount = parseAmount(value);
        if (amount === null) throw new Error(t('form.amountFormat'));
        if (toFen(amount) <= 0n) throw new Error(t('form.amountPositive'));
        if (max !== undefined && max !== null && compareAmounts(amount, max) > 0) {
          throw new Error(t('form.amountMax', { max: formatMoney(max, language) }));
        }
      },
    },
  ];
}

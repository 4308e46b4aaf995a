// Form rules for a full card number: 19 digits with a valid Luhn check digit (a mistyped digit is
// caught here, at the field).
import type { Rule } from 'antd/es/form';
import type { TFunction } from 'i18next';
import { isValidCardNumber } from '../utils/validate';

export function cardNumberRules(t: TFunction): Rule[] {
  return [
    { required: true, message: t('form.cardRequired') },
    {
      validator: async (_rule, value: unknown) => {
        if (typeof value === 'string' && value !== '' && !isValidCardNumber(value.trim())) {
          throw new Error(t('errors.invalid_card_number'));
        }
      },
    },
  ];
}
